// Dataset specs: the factors of variation, their distributions, label rules, shortcuts, splits and presets,
// the ordinal grade and training targets, and the structures a label map names.
export * from './factors';
export * from './distribution';
export * from './rule';
export * from './spec';
export * from './presets';
export * from './spec_ref';
export * from './grade';
export * from './targets';
export * from './structures';
