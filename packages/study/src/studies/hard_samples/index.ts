// Hard-to-learn samples found by pruning: PIE (classification) and dense/pruned box divergence (localization), HTL
// selection and counts per sparsity, HTL rates by subgroup, and the study that puts them together
// (`hardSamples`, run with runStudy).
export { hardSamples } from './study';
export * from './results';
export * from './spec';
export * from './pie';
export * from './htl';
export * from './subgroups';
export * from './factor_bins';
export * from './cam_boxes';
export * from './targets';
export { hardSamplesPlan, hardSamplesUnitKey } from './plan';
export { hardSamplesClaims, IOU_SESOI, PIE_SESOI, SUBGROUP_SESOI } from './claims';
export { summarizeHardSamples, summarizeSeeds } from './summary';
export { seedViews, localizationHtl } from './seed_view';
export { fineTuneLr, prunedRunChanges, trainPopulation } from './populations';
export type { TrainSets } from './populations';
export { randomSubset } from './settings';
export { hardSamplesHtml } from './report';
export { hardSamplesText } from './text';
export { htlCsv, predictionsCsv } from './files';
