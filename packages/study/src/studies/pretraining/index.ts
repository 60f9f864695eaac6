// The pretraining-robustness study: spec, encoder pretraining (cached), run, summary and report.
export * from './spec';
export * from './pretrain';
export * from './measure';
export * from './run';
export * from './summary';
export * from './report';
