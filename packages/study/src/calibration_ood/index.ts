// The calibration-ood study: spec, measurements, run, summary and report.
export * from './spec';
export * from './measure';
export * from './run';
export * from './summary';
export * from './report';
