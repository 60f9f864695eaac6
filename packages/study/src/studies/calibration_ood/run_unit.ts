// Runs one unit of the calibration-ood study: a training unit (train and measure one model) or an OOD unit (one
// model's OOD detection). Works in a fresh process from the spec, the unit and the needed units' folders.
import type { UnitContext } from '../../framework/study';
import { runOodUnit } from './ood_unit';
import type { CalibrationOodSpec, CalibrationOodUnit, CalibrationOodUnitResult } from './results';
import { runTrainUnit } from './train_unit';

/** One unit's run into ctx.dir. */
export function runCalibrationOodUnit(
  spec: CalibrationOodSpec,
  unit: CalibrationOodUnit,
  ctx: UnitContext<CalibrationOodUnitResult>,
): Promise<CalibrationOodUnitResult> {
  return unit.kind === 'train' ? runTrainUnit(spec, unit, ctx) : runOodUnit(spec, unit, ctx);
}
