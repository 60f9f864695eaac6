// The learnability study: the Study object, its spec, plan, results and claims.
export { learnability } from './study';
export * from './results';
export {
  LEARNABILITY_LOSSES,
  LearnabilitySpecSchema,
  defaultLearnabilityInput,
  quickLearnabilityInput,
  resolveLearnabilitySpec,
} from './spec';
export { learnabilityPlan, modelUnitId, raceUnitId } from './plan';
export { summarizeLearnability } from './summary';
export { learnabilityClaims } from './claims';
