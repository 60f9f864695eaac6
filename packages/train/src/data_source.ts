// Where training batches come from: a DataSource yields (x, labels) for sample indices; the synthetic
// one wraps NoduleGenerator (cached in memory when small). Plus the seeded per-epoch batch order.
import { Generator, Tensor } from '@nodulab/tensor';
import { DatasetSpec, NoduleGenerator, VolumeDataset, makeBatch, openDataset, toBatch } from '@nodulab/data';
import type { DataConfig } from './config';

/** A batch: x: (N, 1, D, H, W) in [0, 1] (window-normalized), labels: (N). */
export interface Batch {
  x: Tensor;
  labels: Int32Array;
}

/** A finite, indexable set of labelled volumes. */
export interface DataSource {
  /** e.g. "shortcut-size/train". */
  readonly name: string;
  readonly size: number;
  /** (D, H, W) voxels and (z, y, x) spacing in mm. */
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  /** The samples at `indices` (each in [0, size)), stacked in that order. */
  batch(indices: readonly number[]): Batch;
}

/** Volumes are cached when the split holds at most this many voxels (256 MiB of float32). */
const CACHE_VOXELS = 64 * 1024 * 1024;

/** Samples 0..n-1 of one split of a synthetic dataset; a pure function of (spec, dataset seed, split, index). */
export class SyntheticSource implements DataSource {
  readonly name: string;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  private readonly generator: NoduleGenerator;
  private readonly cache: (Float32Array | undefined)[] | null;
  private readonly labels: Int32Array;

  constructor(spec: DatasetSpec, datasetSeed: number, readonly split: string, readonly size: number) {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`SyntheticSource: n must be a positive integer, got ${size}`);
    this.generator = new NoduleGenerator(spec, datasetSeed);
    const resolved = this.generator.resolve(split);
    this.name = `${spec.name}/${split}`;
    this.shape = [...resolved.shape];
    this.spacing = [...resolved.spacing];
    this.cache = size * resolved.shape[0] * resolved.shape[1] * resolved.shape[2] <= CACHE_VOXELS ? new Array(size) : null;
    this.labels = new Int32Array(size).fill(-1);
  }

  batch(indices: readonly number[]): Batch {
    const n = this.shape[0] * this.shape[1] * this.shape[2];
    const data = new Float32Array(indices.length * n);
    const labels = new Int32Array(indices.length);
    indices.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new Error(`${this.name}: index ${i} is outside [0, ${this.size})`);
      let v = this.cache?.[i];
      if (v === undefined || this.labels[i] < 0) {
        const { x, labels: l } = toBatch([this.generator.sample(this.split, i)]);
        v = x.data;
        this.labels[i] = l[0];
        if (this.cache) this.cache[i] = v;
      }
      data.set(v, k * n);
      labels[k] = this.labels[i];
    });
    return { x: new Tensor(data, [indices.length, 1, ...this.shape]), labels };
  }
}

/** The first `size` samples of a VolumeDataset (a folder from `nodulab generate`, a MedMNIST .npz). */
export class VolumeSource implements DataSource {
  readonly name: string;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];

  constructor(private readonly dataset: VolumeDataset, readonly size: number) {
    if (!Number.isInteger(size) || size <= 0 || size > dataset.n) throw new Error(`VolumeSource: n must be in [1, ${dataset.n}] for ${dataset.source}, got ${size}`);
    this.name = dataset.source;
    this.shape = [...dataset.shape];
    this.spacing = [...dataset.spacing];
  }

  batch(indices: readonly number[]): Batch {
    for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new Error(`${this.name}: index ${i} is outside [0, ${this.size})`);
    const b = makeBatch(this.dataset, indices);
    return { x: b.x, labels: b.labels };
  }
}

/** The source of split `which` of a resolved data config: a dataset folder/file when it has a path, else the generator. */
export function openSource(data: DataConfig, which: 'train' | 'val'): DataSource {
  const s = data[which];
  if (s.path !== undefined) return new VolumeSource(openDataset(s.path, { split: s.split }), s.n);
  return new SyntheticSource(data.spec as DatasetSpec, data.seed, s.split, s.n);
}

/**
 * The batches of one epoch: a Fisher-Yates shuffle of 0..n-1 drawn from `generator`, cut into
 * batches of `batchSize`; a last batch smaller than the others is dropped (BatchNorm and the
 * contrastive losses want full batches) unless it is the only one.
 */
export function epochBatches(n: number, batchSize: number, generator: Generator | null): number[][] {
  const order = Array.from({ length: n }, (_, i) => i);
  if (generator) {
    for (let i = n - 1; i > 0; i--) {
      const j = generator.randint(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const out: number[][] = [];
  for (let s = 0; s + batchSize <= n; s += batchSize) out.push(order.slice(s, s + batchSize));
  if (out.length === 0) out.push(order);
  return out;
}

/** The batches of an evaluation pass: 0..n-1 in order, the last one possibly smaller. */
export function evalBatches(n: number, batchSize: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < n; s += batchSize) out.push(Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k));
  return out;
}
