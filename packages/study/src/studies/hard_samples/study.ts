// The hard-samples study as the framework runs it: `runStudy(hardSamples, hardSamples.resolve(input), { outDir })`.
import type { Study } from '../../framework/study';
import { hardSamplesClaims } from './claims';
import { htlCsv, predictionsCsv } from './files';
import { hardSamplesPlan, hardSamplesUnitKey } from './plan';
import { hardSamplesHtml } from './report';
import type { HardSamplesResults, HardSamplesUnit, HardSamplesUnitResult } from './results';
import { runHardSamplesUnit } from './run_unit';
import { seedViews } from './seed_view';
import {
  HardSamplesSpec,
  HardSamplesSpecSchema,
  defaultHardSamplesInput,
  quickHardSamplesInput,
  resolveHardSamplesSpec,
} from './spec';
import { summarizeHardSamples } from './summary';
import { hardSamplesText } from './text';

/** Hard-to-learn samples found by pruning (PIE, box divergence), attending to them, and who they are. */
export const hardSamples: Study<HardSamplesSpec, HardSamplesUnit, HardSamplesUnitResult, HardSamplesResults> = {
  name: 'hard-samples',
  summary: 'hard-to-learn nodules found by pruning (PIE, box divergence), retraining that attends to them, subgroups',
  schemaFile: 'study-hard-samples.schema.json',
  specSchema: HardSamplesSpecSchema,
  defaultInput: defaultHardSamplesInput,
  quick: quickHardSamplesInput,
  withSeeds: (input, count) => ({ ...input, seeds: count }),
  withThreads: (input, threads) => ({ ...input, threads }),
  resolve: resolveHardSamplesSpec,
  threads: (spec) => spec.threads,
  seeds: (spec) => spec.seeds,
  plan: hardSamplesPlan,
  unitKey: hardSamplesUnitKey,
  runUnit: runHardSamplesUnit,
  summarize: summarizeHardSamples,
  claims: hardSamplesClaims,
  text: hardSamplesText,
  report: hardSamplesHtml,
  files: (output, outcomes) => {
    const seeds = seedViews(output.spec, outcomes);
    return { 'htl.csv': htlCsv(seeds), 'predictions.csv': predictionsCsv(seeds) };
  },
};
