// The learnability study as a Study: how the data and budget of the loss-generalization study were
// calibrated — each loss trained on iid data (no shortcut) at every class separation and at fractions of
// the training budget, and the race of the shortcut against the core feature.
import type { Study } from '../../framework/study';
import { learnabilityClaims } from './claims';
import { learnabilityPlan, learnabilityUnitKey } from './plan';
import { learnabilityReport } from './report';
import type { LearnabilityResults, LearnabilitySpec, LearnabilityUnit, LearnabilityUnitResult } from './results';
import { runLearnabilityUnit } from './run_unit';
import {
  LearnabilitySpecSchema,
  defaultLearnabilityInput,
  quickLearnabilityInput,
  resolveLearnabilitySpec,
} from './spec';
import { summarizeLearnability } from './summary';
import { learnabilityText } from './text';

export const learnability: Study<LearnabilitySpec, LearnabilityUnit, LearnabilityUnitResult, LearnabilityResults> = {
  name: 'learnability',
  summary:
    'balanced accuracy on iid data against class separation and training budget, per loss; the shortcut-vs-core race',
  schemaFile: 'study-learnability.schema.json',
  specSchema: LearnabilitySpecSchema,
  defaultInput: defaultLearnabilityInput,
  quick: quickLearnabilityInput,
  withSeeds: (input, count) => ({ ...input, seeds: count }),
  withThreads: (input, threads) => ({ ...input, threads }),
  resolve: resolveLearnabilitySpec,
  threads: (spec) => spec.threads,
  seeds: (spec) => spec.seeds,
  plan: learnabilityPlan,
  unitKey: learnabilityUnitKey,
  runUnit: runLearnabilityUnit,
  summarize: summarizeLearnability,
  claims: learnabilityClaims,
  text: learnabilityText,
  report: learnabilityReport,
};
