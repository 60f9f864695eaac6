// The learnability sweep: spec, runner and report.
export * from './spec';
export * from './run';
export * from './report';
