// @nodulab/study: controlled studies on one shape — the Study interface and registry, one runner (in-process
// or on a BullMQ queue), one claims engine, a shared report kit and measures, and five studies.
export * from './studies/loss_generalization';
export * from './json_schemas';
export * from './framework';
export * from './claims';
export * from './registry';
export * from './kit/aggregate';
export * from './measures/probes';
export * from './measures/gradcam';
export * from './measures/test_data';
export { fmtCI, htmlPage, table } from './kit/report/html';
export { findingsText, powerText } from './kit/report/findings';
export { barChartSvg, xyChartSvg } from './kit/report/svg';
export * from './studies/learnability';
export * from './studies/hard_samples';
export * from './queue';
export * from './studies/pretraining';
export { calibrationOod } from './studies/calibration_ood';
export type {
  CalibrationOodSpec,
  CalibrationOodSummary,
  CalibrationOodUnit,
  CalibrationOodUnitResult,
} from './studies/calibration_ood';
export { deepMerge } from './kit/merge';
