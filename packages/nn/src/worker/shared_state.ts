// Parameters and buffers in shared memory: a module's tensors moved onto SharedArrayBuffers, and a
// replica in a worker thread that adopts them, so both threads see one copy of the weights; the same for a
// set of named modules (a model and the state beside it), so all that crosses to a thread takes one path.
import { Tensor } from '@nodulab/tensor';
import type { Module, StateDict } from '../module';
import { attachPruningMasks, MASK_SUFFIX } from '../prune/prune';

/** Shared memory of a module's state, by dotted name (parameters and buffers, as in `stateDict`). */
export type SharedState = Record<string, SharedArrayBuffer>;

function namedState(m: Module): [string, Tensor][] {
  return [...m.namedParameters(), ...m.namedBuffers()];
}

/**
 * Moves every parameter and buffer of `m` onto a SharedArrayBuffer (copying the values once; tensors
 * already shared stay where they are) and returns the buffers by name. The Tensor objects stay the
 * same, so optimizers and hooks holding them keep working; only `.data` is a new view.
 */
export function shareState(m: Module): SharedState {
  const out: SharedState = {};
  for (const [name, t] of namedState(m)) {
    if (!(t.data.buffer instanceof SharedArrayBuffer) || t.data.byteOffset !== 0) {
      const view = new Float32Array(new SharedArrayBuffer(t.data.byteLength));
      view.set(t.data);
      t.set_(view);
    }
    out[name] = t.data.buffer as SharedArrayBuffer;
  }
  return out;
}

/**
 * Points every parameter and buffer of `m` (a replica built like the module that shared `state`) at
 * the shared memory. Throws, naming the tensor, when the two modules do not have the same state. A
 * replica built unpruned is pruned with the shared `weight_mask` buffers of a pruned module.
 */
export function adoptState(m: Module, state: SharedState): void {
  // A pruned module shares its masks; the replica, built unpruned, is pruned alike before adopting them.
  const present = new Set(namedState(m).map(([n]) => n));
  const masks: StateDict = {};
  for (const [name, buf] of Object.entries(state))
    if (name.endsWith(MASK_SUFFIX) && !present.has(name))
      masks[name] = new Tensor(new Float32Array(buf), [buf.byteLength / 4]);
  attachPruningMasks(m, masks);
  const own = namedState(m);
  const names = new Set(own.map(([n]) => n));
  const extra = Object.keys(state).filter((n) => !names.has(n));
  if (extra.length) throw new Error(`adoptState: the replica has no tensor "${extra[0]}"`);
  for (const [name, t] of own) {
    const buf = state[name];
    if (!buf) throw new Error(`adoptState: no shared memory for "${name}"`);
    if (buf.byteLength !== t.data.byteLength)
      throw new Error(
        `adoptState: "${name}" has ${t.data.length} elements but its shared memory ${buf.byteLength / 4}`,
      );
    t.set_(new Float32Array(buf));
  }
}

/** Shared memory of several modules' states, by module name (see {@link shareModules}). */
export type SharedModules = Record<string, SharedState>;

/**
 * {@link shareState} of each module of `modules` (e.g. `{ model, 'stage 0 moco': state }`), by name: everything
 * a worker thread replicates crosses in one value.
 */
export function shareModules(modules: Record<string, Module>): SharedModules {
  return Object.fromEntries(Object.entries(modules).map(([name, m]) => [name, shareState(m)]));
}

/**
 * {@link adoptState} of each module of `modules` (replicas named as on the sharing side) from `shared`. Throws,
 * naming the module, when a module has no shared state or shared state has no module.
 */
export function adoptModules(modules: Record<string, Module>, shared: SharedModules): void {
  const extra = Object.keys(shared).filter((n) => !Object.hasOwn(modules, n));
  if (extra.length) throw new Error(`adoptModules: no module "${extra[0]}" to adopt its shared state`);
  for (const [name, m] of Object.entries(modules)) {
    const state = Object.hasOwn(shared, name) ? shared[name] : undefined;
    if (!state) throw new Error(`adoptModules: no shared state for module "${name}"`);
    try {
      adoptState(m, state);
    } catch (e) {
      throw new Error(`adoptModules: module "${name}": ${(e as Error).message}`);
    }
  }
}
