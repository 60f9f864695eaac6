// The loss-generalization study as a Study: NoduleNet3D trained with several losses on data where a
// shortcut agrees with the label, tested in distribution and under shift, analysed for which features
// each model uses. One unit per (loss, seed, arm).
import type { Study } from '../../framework';
import { lossGeneralizationClaims } from './claims';
import { builtinStudy, quickStudy, withSeeds } from './builtins';
import { metricsCsv } from './csv';
import { lossGeneralizationPlan } from './plan';
import { reportHtml } from './report';
import type { LossGeneralizationResults, LossGeneralizationUnit, RunOutcome } from './results';
import { runLossGeneralizationUnit } from './run_unit';
import { StudySpec, StudySpecSchema, resolveStudySpec, runConfigFor } from './spec';
import { summarizeLossGeneralization } from './summary';
import { lossGeneralizationText } from './text';

export const lossGeneralization: Study<StudySpec, LossGeneralizationUnit, RunOutcome, LossGeneralizationResults> = {
  name: 'loss-generalization',
  summary:
    'cross-entropy vs contrastive losses on shortcut data: accuracy under shift and which features each model uses',
  schemaFile: 'study.schema.json',
  specSchema: StudySpecSchema,
  defaultInput: () => builtinStudy('loss-generalization'),
  quick: quickStudy,
  withSeeds,
  withThreads: (input, threads) => ({ ...input, threads }),
  resolve: resolveStudySpec,
  threads: (s) => s.threads,
  seeds: (s) => s.seeds,
  plan: lossGeneralizationPlan,
  // A unit's bytes follow from its run config (loss, seed, data, threads) and what it is measured with, so
  // a unit is trained once across studies that differ elsewhere (e.g. in their seed count).
  unitKey: (s, u) => ({
    config: runConfigFor(
      s,
      s.losses.find((l) => l.name === u.loss)!,
      u.seed,
      u.arm,
    ),
    arm: u.arm,
    testSets: s.testSets,
    analysis: s.analysis,
    control: s.control,
    volume: s.volume,
  }),
  runUnit: runLossGeneralizationUnit,
  summarize: summarizeLossGeneralization,
  claims: lossGeneralizationClaims,
  text: lossGeneralizationText,
  report: reportHtml,
  files: (o) => ({ 'metrics.csv': metricsCsv(o.results) }),
};
