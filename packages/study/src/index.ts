// @nodulab/study: controlled studies — train several losses over seeds, test in distribution and under
// shift, find which features each model uses (counterfactuals, linear probes, Grad-CAM), and report.
export * from './spec';
export * from './builtins';
export * from './json_schemas';
export * from './aggregate';
export * from './counterfactual';
export * from './findings';
export * from './verdict';
export * from './claims';
export * from './probes';
export * from './gradcam';
export * from './test_data';
export * from './run_study';
export { metricsCsv, CSV_HEADER } from './report/csv';
export { reportHtml, fmtCI } from './report/html';
export { barChartSvg, xyChartSvg } from './report/svg';
export * from './learnability';
export * from './hard_samples';
export * from './queue';
export * from './pretraining';
export * from './calibration_ood';
