// One batch of a DataLoader as a job: read and collate the items, then augment. The loader's thread
// and its prefetch worker both run `runJob`, so a prefetched batch is byte-identical to an in-thread one;
// plus the plain-data form a batch takes across postMessage.
import { Tensor } from '@nodulab/tensor';
import type { Dataset } from '../dataset/dataset';
import { Batch, fetchBatch } from './collate';
import type { PreparedAugment } from './transform';
import type { AugmentRecord } from '../augment/types';

/** What a batch needs: its dataset positions and, with an augmentation, the generator seed. */
export interface BatchJob {
  indices: number[];
  seed: number;
}

/** Reads, collates and (when `augment` is given) augments the batch of `job`. */
export function runJob(dataset: Dataset, job: BatchJob, masks: boolean, augment: PreparedAugment | null): Batch {
  const b = fetchBatch(dataset, job.indices, { masks });
  return augment === null ? b : augment.apply(b, job.seed, dataset.spacing);
}

/** A tensor as plain data. */
interface PlainTensor {
  data: Float32Array;
  shape: number[];
}

/** A Batch as plain data (tensors as arrays and shapes). */
export interface PlainBatch {
  x: PlainTensor;
  x2: PlainTensor | null;
  labels: Int32Array;
  masks: PlainTensor | null;
  indices: number[];
  records: AugmentRecord[] | null;
}

const plain = (t: Tensor): PlainTensor => ({ data: t.data, shape: [...t.shape] });
// Arrays that crossed postMessage belong to the receiving isolate's main realm; re-wrapping their buffers
// (no copy) gives arrays of this module's realm, so `instanceof Float32Array` holds in a VM sandbox too.
const float32 = (a: Float32Array): Float32Array => new Float32Array(a.buffer, a.byteOffset, a.length);
const tensor = (p: PlainTensor): Tensor => new Tensor(float32(p.data), p.shape);

/** The batch as plain data, and the buffers to transfer with it. */
export function toPlain(b: Batch): { batch: PlainBatch; transfer: ArrayBuffer[] } {
  const batch: PlainBatch = {
    x: plain(b.x),
    x2: b.x2 ? plain(b.x2) : null,
    labels: b.labels,
    masks: b.masks ? plain(b.masks) : null,
    indices: b.indices,
    records: b.records ?? null,
  };
  const arrays = [batch.x.data, batch.x2?.data, batch.labels, batch.masks?.data];
  return { batch, transfer: [...new Set(arrays.filter((a) => a !== undefined).map((a) => a!.buffer as ArrayBuffer))] };
}

/** The Batch of plain data made by `toPlain`. */
export function fromPlain(p: PlainBatch): Batch {
  const labels = new Int32Array(p.labels.buffer, p.labels.byteOffset, p.labels.length);
  const b: Batch = { x: tensor(p.x), labels, masks: p.masks ? tensor(p.masks) : null, indices: p.indices };
  if (p.x2) b.x2 = tensor(p.x2);
  if (p.records) b.records = p.records;
  return b;
}
