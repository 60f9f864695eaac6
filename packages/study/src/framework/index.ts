// The study framework: the Study interface, the in-process runner and the files every study writes.
export * from './study';
export { runStudy } from './run';
export type { RunStudyOptions } from './run';
export { STUDY_FILES, TIMING_KEYS, finishStudy, metricsJson } from './finish';
export type { StudyTiming } from './finish';
export { UNIT_ID, checkPlan, unitDir } from './plan';
export { unitProgress } from './progress';
