// The claims engine: claims as data in, verdicts under one inference policy out.
export * from './types';
export { FAMILY_ALPHA, TARGET_POWER, judgeClaims, policyText } from './engine';
export { MAX_SEEDS_PLANNED, pairedPower, seedsForPower } from './paired_t';
