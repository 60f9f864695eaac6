// Hard-to-learn samples found by pruning: PIE (classification) and dense/pruned box divergence
// (localization), HTL selection and counts per sparsity, and HTL rates by subgroup.
export * from './pie';
export * from './htl';
export * from './subgroups';
