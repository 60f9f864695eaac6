// @nodulab/platform: the ground floor under every nodulab package — files written atomically, exclusive
// outputs, bounded JSON, config hashes and worker threads. Nothing here knows about tensors.

// fs: atomic writes, output locks (holder identity, staleness), staged folders, process liveness.
export { writeFileAtomic, removeStaleTempFiles } from './fs/atomic_write';
export { processAlive } from './fs/process_alive';
export { ProcessIdentity, processStartTime, sameMachine, thisMachine, thisProcess } from './fs/process_identity';
export {
  DEFAULT_LOCK_GRACE_MS,
  DEFAULT_LOCK_LEASE_MS,
  LockFile,
  LockHolder,
  LockTiming,
  LockVerdict,
  judgeLock,
  lockTiming,
  readLockFile,
} from './fs/lock_holder';
export * from './fs/output_lock';
export { processPartialPath, removeStalePartials } from './fs/process_staging';
export { StagedFolder, checkOutput, partialPath } from './fs/staged_folder';

// json: the nesting bound of every JSON reader, and config hashes.
export { MAX_JSON_DEPTH, checkJsonDepth, jsonValueDepth, parseJsonBounded } from './json/json_depth';
export { configHash } from './json/config_hash';

// worker: worker threads on package modules, and yielding to the event loop.
export { startModuleWorker } from './worker/worker_thread';
export { yieldToEventLoop } from './worker/yield';
