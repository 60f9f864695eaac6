// The learnability study: the Study object, its spec, plan, summary and claims, and the types of what it returns
// (only learnability-named exports, so the package index re-exports them beside other studies').
export { learnability } from './study';
export type {
  LearnabilityResults,
  LearnabilityRun,
  LearnabilitySpec,
  LearnabilityUnit,
  LearnabilityUnitResult,
} from './results';
export {
  LEARNABILITY_LOSSES,
  LearnabilitySpecSchema,
  defaultLearnabilityInput,
  quickLearnabilityInput,
  resolveLearnabilitySpec,
} from './spec';
export { learnabilityPlan } from './plan';
export { summarizeLearnability } from './summary';
export { learnabilityClaims } from './claims';
