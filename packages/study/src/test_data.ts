// Test data held in memory once per study and shared by every model: the volumes, labels, masks and
// factor records of a test set, and their counterfactual versions; a DataSource over them.
import { Tensor } from '@nodulab/tensor';
import { DatasetSpec, FactorRecord, NoduleGenerator, Sample } from '@nodulab/data';
import type { DataSource } from '@nodulab/train';
import { yieldToEventLoop } from '@nodulab/train';

/** n volumes x: (n, D, H, W) with labels, and optionally masks and factor records. */
export interface VolumeSet {
  name: string;
  shape: [number, number, number];
  spacing: [number, number, number];
  n: number;
  x: Float32Array;
  labels: Int32Array;
  masks: Uint8Array | null;
  factors: FactorRecord[] | null;
}

/** Stacks samples into a VolumeSet (keeping masks and factors when asked). */
export function stackSamples(name: string, samples: readonly Sample[], keep: { masks?: boolean; factors?: boolean } = {}): VolumeSet {
  if (samples.length === 0) throw new Error(`${name}: no samples`);
  const shape = samples[0].shape;
  const V = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(samples.length * V);
  const masks = keep.masks ? new Uint8Array(samples.length * V) : null;
  samples.forEach((s, i) => {
    x.set(s.volume, i * V);
    masks?.set(s.mask, i * V);
  });
  return {
    name, shape: [...shape], spacing: [...samples[0].spacing], n: samples.length, x,
    labels: Int32Array.from(samples, (s) => s.label),
    masks,
    factors: keep.factors ? samples.map((s) => s.factors) : null,
  };
}

/** Samples 0..n-1 of `split` of `spec` (dataset seed `seed`), yielding to the event loop as it goes. */
export async function generateSet(name: string, spec: DatasetSpec, seed: number, split: string, n: number,
  keep: { masks?: boolean; factors?: boolean } = {}): Promise<VolumeSet> {
  const gen = new NoduleGenerator(spec, seed);
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    samples.push(gen.sample(split, i));
    if (i % 16 === 15) await yieldToEventLoop();
  }
  return stackSamples(name, samples, keep);
}

/** A VolumeSet (or its first `size` samples) as a training-package DataSource, for evaluation. */
export class VolumeSetSource implements DataSource {
  readonly name: string;
  readonly size: number;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];

  constructor(private readonly set: VolumeSet, size = set.n) {
    this.name = set.name;
    this.size = size;
    this.shape = set.shape;
    this.spacing = set.spacing;
  }

  batch(indices: readonly number[]): { x: Tensor; labels: Int32Array } {
    const V = this.shape[0] * this.shape[1] * this.shape[2];
    const x = new Float32Array(indices.length * V);
    indices.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new Error(`${this.name}: index ${i} is outside [0, ${this.size})`);
      x.set(this.set.x.subarray(i * V, (i + 1) * V), k * V);
    });
    return { x: new Tensor(x, [indices.length, 1, ...this.shape]), labels: Int32Array.from(indices, (i) => this.set.labels[i]) };
  }
}
