// One unit of the pretraining-robustness grid, run into its own folder: each kind of unit by its own runner.
import type { UnitContext } from '../../framework/study';
import { runAnalysisUnit } from './analysis';
import { runFactsUnit } from './facts';
import { runPretrainUnit } from './pretrain';
import type { PretrainingUnit, PretrainingUnitResult, UnitKind } from './results';
import type { PretrainingSpec } from './spec';
import { runTargetUnit } from './target';

type Runner<K extends UnitKind> = (
  spec: PretrainingSpec,
  unit: Extract<PretrainingUnit, { kind: K }>,
  ctx: UnitContext<PretrainingUnitResult>,
) => Promise<PretrainingUnitResult>;

/** The runner of each kind of unit. */
const RUNNERS: { [K in UnitKind]: Runner<K> } = {
  pretrain: runPretrainUnit,
  facts: runFactsUnit,
  target: runTargetUnit,
  analysis: runAnalysisUnit,
};

/** Runs `unit` into ctx.dir; reads only ctx.needs' folders and results besides the spec. */
export function runPretrainingUnit(
  spec: PretrainingSpec,
  unit: PretrainingUnit,
  ctx: UnitContext<PretrainingUnitResult>,
): Promise<PretrainingUnitResult> {
  return (RUNNERS[unit.kind] as Runner<UnitKind>)(spec, unit as never, ctx);
}
