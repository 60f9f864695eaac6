// Hard-to-learn samples found by pruning: PIE (classification) and dense/pruned box divergence
// (localization), HTL selection and counts per sparsity, HTL rates by subgroup, and the study that puts them
// together (`nodulab study hard-samples`).
export * from './pie';
export * from './htl';
export * from './subgroups';
export * from './spec';
export * from './factor_bins';
export * from './populations';
export * from './summary';
export { ARMS, modelsPerSeed, runHardSamples } from './run';
export type { AttendArm, SeedResult, SettingResult, HardSamplesEvent } from './run';
export * from './targets';
export * from './cam_boxes';
export { randomSubset, settingTargets } from './settings';
export type { SettingTargets } from './settings';
export { hardSamplesHtml, hardSamplesText, htlCsv, predictionsCsvOf } from './report';
