// The calibration-ood study: spec, measurements, run, summary and report.
export * from './spec';
export * from './measure';
export * from './data';
export * from './configs';
export * from './model_results';
export * from './ood_run';
export * from './run';
export * from './summary';
export * from './report';
