// @nodulab/train: train nodule classifiers with cross-entropy, SupCon (two-stage or joint), SimCLR or MoCo v2
// (+ linear probe or fine-tuning), and localizers with box regression, through one resumable, seeded training loop.
export * from './config';
export * from './data_source';
export * from './model';
export * from './init';
export * from './objectives';
export * from './moco';
export * from './newton';
export * from './logistic_regression';
export * from './softmax_regression';
export { loadProbeIntoHead } from './probe_fit';
export * from './optim';
export * from './evaluate';
export * from './stages';
export * from './run_files';
export * from './seeds';
export { runStage, stepsPerEpoch } from './loop';
export type { TrainProgress, RunCounters, LoopContext } from './loop_context';
export * from './train';
export * from './load_run';
export { boxTargets, gatherBoxes, gatherWeights } from './targets';
export { DivergenceError } from './divergence';
export { repairBest } from './best_repair';
export * from './steps/step_runner';
