// The pretraining-robustness study as a Study: how the initialisation of a grade classifier (scratch,
// supervised pretraining, SimCLR, MoCo v2, or supervised then SimCLR / MoCo) changes its performance,
// robustness, representations and attention. Run it with runStudy(pretrainingRobustness, spec, { outDir }).
import type { Study, StudyOption } from '../../framework/study';
import { pretrainingClaims } from './claims';
import { predictionsCsv } from './files';
import { planPretraining } from './plan';
import { pretrainKey } from './pretrain';
import { pretrainingHtml } from './report';
import type { PretrainingSummary, PretrainingUnit, PretrainingUnitResult } from './results';
import { runPretrainingUnit } from './run_unit';
import {
  PretrainingSpec,
  PretrainingSpecSchema,
  defaultPretrainingInput,
  quickPretrainingInput,
  resolvePretrainingSpec,
} from './spec';
import { summarizePretraining } from './summary';
import { pretrainingText } from './text';

/** Study-specific options of `nodulab study pretraining-robustness`. */
const options: Record<string, StudyOption> = {
  'shared-pretraining': {
    type: 'boolean',
    description: 'one set of pretrained encoders (run seed 0) shared by every seed, instead of one set per seed',
    apply: (input, value) => ({ ...input, pretrainPerSeed: !value }),
  },
};

export const pretrainingRobustness: Study<PretrainingSpec, PretrainingUnit, PretrainingUnitResult, PretrainingSummary> =
  {
    name: 'pretraining-robustness',
    summary:
      'scratch vs supervised vs self-supervised (SimCLR, MoCo v2) pretraining, probed and fine-tuned on the nodule grade: label efficiency, shift, distortions (mCE), CKA/PCA, Grad-CAM on small lesions',
    schemaFile: 'study-pretraining-robustness.schema.json',
    specSchema: PretrainingSpecSchema,
    defaultInput: defaultPretrainingInput,
    quick: quickPretrainingInput,
    withSeeds: (input, count) => ({ ...input, seeds: count }),
    withThreads: (input, threads) => ({ ...input, threads }),
    options,
    resolve: resolvePretrainingSpec,
    threads: (spec) => spec.threads,
    seeds: (spec) => spec.seeds,
    plan: planPretraining,
    // An encoder's bytes depend only on its own config (and its parent's), not on the rest of the spec.
    unitKey: (spec, unit) => (unit.kind === 'pretrain' ? pretrainKey(spec, unit.init, unit.runSeed) : { spec, unit }),
    runUnit: runPretrainingUnit,
    summarize: summarizePretraining,
    claims: pretrainingClaims,
    text: pretrainingText,
    report: pretrainingHtml,
    files: (output, outcomes) => ({ 'predictions.csv': predictionsCsv(output.spec, outcomes) }),
  };
