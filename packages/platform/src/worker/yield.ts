// Yielding to Node's event loop between steps, so long calls (training, evaluation) never block timers and I/O for
// long.

/** Resolves on the next turn of the event loop (after pending I/O and timers). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
