// Magnitude pruning of Conv3d, ConvTranspose3d and Linear weights, like `torch.nn.utils.prune`'s
// l1_unstructured / global_unstructured: a `weight_mask` buffer (1 keeps, 0 prunes) on each pruned layer,
// the pruned weights set to zero, and the masks restored from checkpoints and applied after optimizer steps.
import { Tensor } from '@nodulab/tensor';
import type { Module, StateDict } from '../module';
import { Conv3d, ConvTranspose3d } from '../layers/conv';
import { Linear } from '../layers/linear';
import { applyPruningMask_, pruningMask, setPruningMask } from './masks';

/** How the weights to prune are chosen: smallest |w| over all pruned layers together, or within each layer. */
export type PruneScope = 'global' | 'layer';

/** Options of {@link prune}. */
export interface PruneOptions {
  /**
   * Fraction of weights to be zero afterwards, in [0, 1): exactly round(sparsity × count) of them, over
   * all prunable weights ('global') or in each layer ('layer'). Weights pruned before stay pruned and count.
   */
  sparsity: number;
  /** 'global' (default): one magnitude ranking over every layer, like `global_unstructured`; 'layer': per layer. */
  scope?: PruneScope;
}

/** A layer whose weight {@link prune} prunes, with its dotted name (as in `namedModules()`). */
export interface PrunableLayer {
  name: string;
  module: Conv3d | ConvTranspose3d | Linear;
  /** The state-dict key of its weight ("features.0.weight"). */
  weightKey: string;
}

/** The suffix of a pruning mask's state-dict key: "features.0.weight" is masked by "features.0.weight_mask". */
export const MASK_SUFFIX = '_mask';

/** The Conv3d, ConvTranspose3d and Linear layers of `model`, in `namedModules()` order. */
export function prunableLayers(model: Module): PrunableLayer[] {
  const out: PrunableLayer[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Conv3d || m instanceof ConvTranspose3d || m instanceof Linear)
      out.push({ name, module: m, weightKey: name ? `${name}.weight` : 'weight' });
  }
  return out;
}

/** Throws unless `sparsity` is a number in [0, 1), naming it. */
export function checkSparsity(op: string, sparsity: unknown): number {
  if (typeof sparsity !== 'number' || !Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1)
    throw new Error(`${op}: sparsity must be a number in [0, 1), got ${String(sparsity)}`);
  return sparsity;
}

/** The mask of `layer`'s weight, registering a mask of ones as its `weight_mask` buffer when it has none. */
function ensureMask(layer: PrunableLayer): Tensor {
  const w = layer.module.weight;
  let mask = pruningMask(w);
  if (!mask) {
    mask = layer.module.registerBuffer(`weight${MASK_SUFFIX}`, Tensor.ones(w.shape));
    setPruningMask(w, mask);
  }
  return mask;
}

/**
 * Chooses which weights of `layers` to prune so that exactly `k` are pruned: those pruned already,
 * then the smallest |w|; ties are broken by layer order, then by index, so the result is deterministic.
 * Returns one keep/prune flag array per layer (1 keeps).
 */
function chooseMasks(op: string, layers: PrunableLayer[], k: number, sparsity: number): Uint8Array[] {
  const total = layers.reduce((n, l) => n + l.module.weight.size, 0);
  const score = new Float32Array(total); // |w|, or -1 for a weight pruned before
  let already = 0;
  let at = 0;
  for (const l of layers) {
    const w = l.module.weight.data;
    const old = pruningMask(l.module.weight)?.data;
    for (let i = 0; i < w.length; i++, at++) {
      if (old && old[i] === 0) {
        score[at] = -1;
        already++;
      } else {
        if (Number.isNaN(w[i])) throw new Error(`${op}: ${l.weightKey}[${i}] is NaN`);
        score[at] = Math.abs(w[i]);
      }
    }
  }
  if (already > k) {
    const where = layers.length === 1 ? layers[0].weightKey : 'the model';
    throw new Error(
      `${op}: sparsity ${sparsity} is below the ${(already / total).toFixed(4)} of ${where} pruned already (pruning only adds zeros)`,
    );
  }
  const threshold = k > 0 ? Float32Array.from(score).sort()[k - 1] : -Infinity;
  let below = 0;
  for (let i = 0; i < total; i++) if (score[i] < threshold) below++;
  let tiesToPrune = k - below; // weights equal to the threshold, pruned in order
  const keep = layers.map((l) => new Uint8Array(l.module.weight.size));
  at = 0;
  for (const flags of keep) {
    for (let i = 0; i < flags.length; i++, at++) {
      const s = score[at];
      const pruned = s < threshold || (s === threshold && tiesToPrune-- > 0);
      flags[i] = pruned ? 0 : 1;
    }
  }
  return keep;
}

/**
 * Magnitude-prunes the weights of every Conv3d, ConvTranspose3d and Linear layer of `model` (biases are
 * kept), like PyTorch's `prune.global_unstructured(..., pruning_method=L1Unstructured)` ('global') or
 * `prune.l1_unstructured` on each layer ('layer'). Each pruned layer gets a `weight_mask` buffer (saved
 * in checkpoints as "<layer>.weight_mask") and its pruned weights are set to zero; optimizers re-apply the
 * mask after every step, `loadCheckpoint` restores it, and an ONNX export carries the zeroed weights.
 * Pruning again prunes further: weights pruned before stay pruned and count towards `sparsity`.
 * Returns the {@link sparsityReport} afterwards. Throws, naming the value, on a sparsity outside [0, 1).
 *
 * @example
 * prune(model, { sparsity: 0.7, scope: 'global' });
 * console.log(formatSparsityReport(sparsityReport(model)));
 */
export function prune(model: Module, options: PruneOptions): SparsityReport {
  const op = 'prune';
  if (!options || typeof options !== 'object') throw new Error(`${op}: options { sparsity, scope } are required`);
  const sparsity = checkSparsity(op, options.sparsity);
  const scope = options.scope ?? 'global';
  if (scope !== 'global' && scope !== 'layer')
    throw new Error(`${op}: scope must be 'global' or 'layer', got ${JSON.stringify(scope)}`);
  const layers = prunableLayers(model);
  if (!layers.length)
    throw new Error(`${op}: ${model.constructor.name} has no Conv3d, ConvTranspose3d or Linear layer`);
  const onDevice = layers.find((l) => l.module.weight.isCuda);
  if (onDevice)
    throw new Error(
      `${op}: ${onDevice.weightKey} is on ${onDevice.module.weight.device}; prune on the CPU, then move the model`,
    );
  const groups = scope === 'global' ? [layers] : layers.map((l) => [l]);
  const chosen = groups.map((group) => {
    const count = group.reduce((n, l) => n + l.module.weight.size, 0);
    return chooseMasks(op, group, Math.round(sparsity * count), sparsity);
  });
  // Everything is checked; now change the model.
  groups.forEach((group, g) =>
    group.forEach((layer, i) => {
      ensureMask(layer).data.set(chosen[g][i]);
      applyPruningMask_(layer.module.weight);
    }),
  );
  return sparsityReport(model);
}

/** One pruned (or prunable) layer in a {@link SparsityReport}. */
export interface LayerSparsity {
  /** Dotted layer name ("features.0"). */
  name: string;
  /** 'Conv3d', 'ConvTranspose3d' or 'Linear'. */
  type: string;
  /** Elements of the weight. */
  size: number;
  /** Elements pruned by the mask (0 without one). */
  pruned: number;
  /** Elements of the weight that are zero (pruned ones and any others). */
  zeros: number;
  /** zeros / size. */
  sparsity: number;
  /** Whether the layer has a `weight_mask`. */
  masked: boolean;
}

/** What {@link sparsityReport} returns: per layer and over all prunable weights. */
export interface SparsityReport {
  layers: LayerSparsity[];
  total: { size: number; pruned: number; zeros: number; sparsity: number };
}

/** The weight sparsity of each Conv3d, ConvTranspose3d and Linear layer of `model`, and in total. */
export function sparsityReport(model: Module): SparsityReport {
  const layers = prunableLayers(model).map(({ name, module }): LayerSparsity => {
    const w = module.weight.data;
    const mask = pruningMask(module.weight)?.data;
    let zeros = 0;
    let pruned = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) zeros++;
      if (mask && mask[i] === 0) pruned++;
    }
    const type = module.constructor.name;
    return { name, type, size: w.length, pruned, zeros, sparsity: zeros / w.length, masked: !!mask };
  });
  const size = layers.reduce((n, l) => n + l.size, 0);
  const pruned = layers.reduce((n, l) => n + l.pruned, 0);
  const zeros = layers.reduce((n, l) => n + l.zeros, 0);
  return { layers, total: { size, pruned, zeros, sparsity: size ? zeros / size : 0 } };
}

/** A {@link SparsityReport} as a fixed-width text table (layer, type, weights, pruned, sparsity). */
export function formatSparsityReport(report: SparsityReport): string {
  const rows = report.layers.map((l) => [l.name, l.type, String(l.size), String(l.pruned), l.sparsity.toFixed(4)]);
  const t = report.total;
  rows.push(['total', '', String(t.size), String(t.pruned), t.sparsity.toFixed(4)]);
  const head = ['layer', 'type', 'weights', 'pruned', 'sparsity'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/**
 * Splits a state dict into the pruning masks `model` does not have yet ("<layer>.weight_mask" of a
 * prunable layer of `model`) and the rest, checking each mask (the weight's shape, only 0 and 1) so a
 * bad one throws, naming its key, before anything changes. Used by `loadCheckpoint` to load a pruned
 * model's checkpoint into a freshly built model.
 */
export function splitPruningMasks(model: Module, state: StateDict): { masks: StateDict; rest: StateDict } {
  const layers = new Map(prunableLayers(model).map((l) => [`${l.weightKey}${MASK_SUFFIX}`, l]));
  const masks: StateDict = {};
  const rest: StateDict = {};
  for (const [key, t] of Object.entries(state)) {
    const layer = layers.get(key);
    if (!layer || pruningMask(layer.module.weight)) {
      rest[key] = t;
      continue;
    }
    const w = layer.module.weight;
    if (!(t instanceof Tensor) || t.shape.join() !== w.shape.join())
      throw new Error(`pruning mask "${key}" does not have its weight's shape [${w.shape.join(', ')}]`);
    const bad = t.data.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) throw new Error(`pruning mask "${key}"[${bad}] is ${t.data[bad]}, not 0 or 1`);
    masks[key] = t;
  }
  return { masks, rest };
}

/**
 * Prunes `model` with the given masks ("<layer>.weight_mask" -> 0/1 tensor, e.g. from
 * {@link splitPruningMasks}): registers each as the layer's `weight_mask` and zeroes the pruned weights.
 * Throws naming a key that is not the mask of a prunable layer's weight.
 */
export function attachPruningMasks(model: Module, masks: StateDict): void {
  const layers = new Map(prunableLayers(model).map((l) => [`${l.weightKey}${MASK_SUFFIX}`, l]));
  for (const key of Object.keys(masks)) {
    const layer = layers.get(key);
    if (!layer) throw new Error(`attachPruningMasks: "${key}" is not the weight mask of a Conv3d or Linear layer`);
    if (masks[key].size !== layer.module.weight.size)
      throw new Error(`attachPruningMasks: "${key}" does not match its weight's size ${layer.module.weight.size}`);
  }
  for (const [key, t] of Object.entries(masks)) {
    const layer = layers.get(key)!;
    ensureMask(layer).copy_(t);
    applyPruningMask_(layer.module.weight);
  }
}
