// The study queue: grid runs as BullMQ jobs on Redis, a coordinator that follows and aggregates them,
// and the worker that trains them.
export * from './connection';
export * from './jobs';
export * from './coordinator';
export * from './worker';
