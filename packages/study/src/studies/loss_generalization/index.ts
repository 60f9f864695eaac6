// The loss-generalization study.
export { lossGeneralization } from './study';
export * from './spec';
export * from './results';
export { BUILTIN_STUDIES, BUILTIN_STUDY_NAMES, builtinStudy, quickStudy, withSeeds } from './builtins';
export { lossGeneralizationPlan } from './plan';
export { executeRun, runLossGeneralizationUnit, seedData } from './run_unit';
export type { SeedData } from './run_unit';
export { controlResult, pairedDifferences, summarize, summarizeLossGeneralization } from './summary';
export { lossGeneralizationClaims } from './claims';
export { metricsCsv, CSV_HEADER } from './csv';
export { reportHtml } from './report';
export * from './counterfactual';
