// The study queue: grid runs as BullMQ jobs on Redis, a coordinator that follows and aggregates them,
// the worker that trains them, and the checks between them (payload schema, folders, manifests, secrets).
export * from './connection';
export * from './secrets';
export * from './payload';
export * from './limits';
export * from './roots';
export * from './manifest';
export * from './jobs';
export * from './coordinator';
export * from './worker';
