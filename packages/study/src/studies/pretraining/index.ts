// The pretraining-robustness study: its Study object, spec, units and results, and the measures it owns.
export { pretrainingRobustness } from './study';
export {
  DEFAULT_RUN_CONFIG as PRETRAINING_RUN_CONFIG,
  INITS,
  MODES,
  PretrainingSpecSchema,
  defaultPretrainingInput,
  quickPretrainingInput,
  resolvePretrainingSpec,
} from './spec';
export type { InitKind, PretrainedInit, PretrainingSpec, TrainMode } from './spec';
export type * from './results';
export { planPretraining } from './plan';
export { summarizePretraining, meanCorruptionError } from './summary';
export { pretrainingClaims, SESOI as PRETRAINING_SESOI } from './claims';
export { PREDICTIONS_HEADER as PRETRAINING_PREDICTIONS_HEADER } from './files';
export { CKA_LAYERS, SIZE_BINS, factorProbeScores } from './measure';
export { BUDGET_CANDIDATES, BUDGET_MIN_KAPPA, budgetTrial, chooseTargetBudget, withBudget } from './budget';
export type { BudgetTrial, TargetBudget } from './budget';
