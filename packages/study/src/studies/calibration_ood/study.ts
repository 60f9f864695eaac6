// The calibration-ood study as a Study: spec (schema, defaults, --quick, its own --ood-layer / --ood-k options),
// the grid of units, one unit's run, the summary, the claims, the terminal text, report.html and the per-sample
// files. The framework's runStudy runs it; the CLI and the queue reach it through the registry.
import type { Study } from '../../framework/study';
import { calibrationOodClaims } from './claims';
import { calibrationOodFiles } from './files';
import { planCalibrationOod } from './plan';
import { calibrationOodHtml } from './report';
import {
  CalibrationOodSpec,
  CalibrationOodSummary,
  CalibrationOodUnit,
  CalibrationOodUnitResult,
  STUDY_NAME,
} from './results';
import { runCalibrationOodUnit } from './run_unit';
import {
  CalibrationOodSpecSchema,
  defaultCalibrationOodInput,
  quickCalibrationOodInput,
  resolveCalibrationOod,
} from './spec';
import { summarizeCalibrationOod } from './summary';
import { calibrationOodText } from './text';

/**
 * The calibration-ood study.
 *
 * @example
 * const out = await runStudy(calibrationOod, calibrationOod.resolve(calibrationOod.defaultInput()), { outDir });
 */
export const calibrationOod: Study<
  CalibrationOodSpec,
  CalibrationOodUnit,
  CalibrationOodUnitResult,
  CalibrationOodSummary
> = {
  name: STUDY_NAME,
  summary:
    'one UNet3D trained jointly on several segmentation datasets vs dedicated models vs transfer: Dice, calibration ' +
    'before/after temperature scaling, spectral OOD detection vs uncertainty baselines',
  schemaFile: 'study-calibration-ood.schema.json',
  specSchema: CalibrationOodSpecSchema,
  defaultInput: defaultCalibrationOodInput,
  quick: quickCalibrationOodInput,
  withSeeds: (input, count) => ({ ...input, seeds: count }),
  withThreads: (input, threads) => ({ ...input, threads }),
  options: {
    'ood-layer': {
      type: 'string',
      description:
        'the layer (forward-hook name) whose spectral signature scores OOD, instead of the one each model chooses on ' +
        'validation volumes (default candidates: bottleneck, encoders.1, decoders.1, encoders.0, decoders.0)',
      apply: (input, value) => ({ ...input, layers: [value] }),
    },
    'ood-k': {
      type: 'integer',
      min: 1,
      description:
        'k of the k-NN distance to the training signatures, instead of the one chosen on validation (default 1 or 5)',
      apply: (input, value) => ({ ...input, ks: [value] }),
    },
  },
  resolve: resolveCalibrationOod,
  threads: (spec) => spec.threads,
  seeds: (spec) => spec.seeds,
  plan: planCalibrationOod,
  // A training unit's bytes follow from the datasets, sizes and run config, not from the OOD settings or the other
  // seeds, so another --ood-layer, --ood-k or set of distortions reuses the trained models; an OOD unit reads
  // every seed's model (the ensemble) and every OOD setting.
  unitKey: (spec, unit) => {
    if (unit.kind === 'ood') return { spec: { ...spec, description: '' }, unit };
    const { presets, transfer, shape, trainN, valN, testN, bandRadius, config, threads } = spec;
    return { spec: { presets, transfer, shape, trainN, valN, testN, bandRadius, config, threads }, unit };
  },
  runUnit: runCalibrationOodUnit,
  summarize: summarizeCalibrationOod,
  claims: calibrationOodClaims,
  text: calibrationOodText,
  report: calibrationOodHtml,
  files: (_output, outcomes) => calibrationOodFiles(outcomes),
};
