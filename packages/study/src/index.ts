// @nodulab/study: controlled studies — train several losses over seeds, test in distribution and under
// shift, find which features each model uses (counterfactuals, linear probes, Grad-CAM), and report.
export * from './studies/loss_generalization';
export * from './json_schemas';
export * from './framework';
export * from './claims';
export { judgeClaim } from './claims/claims';
export * from './registry';
export * from './kit/aggregate';
export * from './measures/probes';
export * from './measures/gradcam';
export * from './measures/test_data';
export { fmtCI, htmlPage, table } from './kit/report/html';
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
