// MoCo v2's state beside the trained (query) network: the momentum (key) encoder, updated as
// θk ← m·θk + (1 − m)·θq, and a ring buffer of L2-normalized keys used as negatives. A Module, so it is saved
// with every checkpoint of its stage, restored on resume and shared with the step worker like the model.
import { Generator, Tensor, l2Normalize, noGrad, randn } from '@nodulab/tensor';
import { Model, Module, ModelSpec, createModel } from '@nodulab/nn';

/** The parameters of `model` that are not its classifier head's (the encoder and the projection head). */
export function nonHeadParameters(model: Model): Tensor[] {
  const head = new Set(model.head.parameters());
  return model.parameters().filter((p) => !head.has(p));
}

/**
 * θk ← m·θk + (1 − m)·θq for each pair (computed in float64, stored in float32), in place on `key`.
 * @throws when the lists or a pair's sizes differ, or m is not in [0, 1]
 */
export function momentumUpdate(key: readonly Tensor[], query: readonly Tensor[], m: number): void {
  if (!(m >= 0 && m <= 1)) throw new Error(`momentumUpdate: momentum must be in [0, 1], got ${m}`);
  if (key.length !== query.length)
    throw new Error(`momentumUpdate: ${key.length} key parameters but ${query.length} query parameters`);
  key.forEach((k, i) => {
    const q = query[i];
    if (k.size !== q.size)
      throw new Error(`momentumUpdate: key parameter ${i} has ${k.size} elements, its query parameter ${q.size}`);
    const kd = k.data;
    const qd = q.data;
    for (let j = 0; j < kd.length; j++) kd[j] = m * kd[j] + (1 - m) * qd[j];
  });
}

/** Sizes of {@link MocoState}. */
export interface MocoStateOptions {
  /** The query network's spec: the key encoder is built like it. */
  spec: ModelSpec;
  /** Keys in the queue (K). */
  queueSize: number;
  /** Size of a key (the projection head's output). */
  dim: number;
  /** Draws the queue's initial keys (random unit vectors, as MoCo starts). */
  generator: Generator;
}

/**
 * The key encoder (`key`, a copy of the query network's architecture), the queue (K, dim) of normalized keys
 * (`queue`), and the index the next key is written at (`pointer`, a one-element buffer). State-dict keys
 * "key.<model key>", "queue", "pointer".
 */
export class MocoState extends Module {
  readonly key: Model;
  readonly queue: Tensor;
  readonly pointer: Tensor;

  constructor(options: MocoStateOptions) {
    super();
    const { spec, queueSize, dim, generator } = options;
    if (!Number.isInteger(queueSize) || queueSize < 1 || queueSize >= 2 ** 24)
      throw new Error(`MocoState: queueSize must be an integer in [1, 2^24), got ${queueSize}`);
    this.key = this.registerModule('key', createModel(spec));
    if (!this.key.projector) throw new Error(`MocoState: the ${spec.kind} key encoder has no projection head`);
    if (this.key.projector.outDim !== dim)
      throw new Error(`MocoState: the projection head gives ${this.key.projector.outDim} values, not dim ${dim}`);
    for (const p of this.key.parameters()) p.requiresGrad = false;
    this.queue = this.registerBuffer('queue', l2Normalize(randn([queueSize, dim], generator)));
    this.pointer = this.registerBuffer('pointer', Tensor.zeros([1]));
  }

  override forward(): Tensor {
    throw new Error('MocoState has no forward; use keys()');
  }

  /** Makes the key encoder a copy of `query` (parameters and buffers), as MoCo starts. */
  copyFrom(query: Model): void {
    this.key.loadStateDict(query.stateDict());
  }

  /** θk ← m·θk + (1 − m)·θq over the encoder and projection head (BatchNorm statistics are the key encoder's own). */
  momentumUpdate(query: Model, m: number): void {
    momentumUpdate(nonHeadParameters(this.key), nonHeadParameters(query), m);
  }

  /** The normalized keys of x (N, C, D, H, W): (N, dim), without a graph, in the query network's mode. */
  keys(x: Tensor, training: boolean): Tensor {
    this.key.train(training);
    const projector = this.key.projector!;
    return noGrad(() => l2Normalize(projector.forward(this.key.embed(x))));
  }

  /** A copy of the queue as it is now (the negatives of a step; later enqueues do not change it). */
  negatives(): Tensor {
    return new Tensor(this.queue.data.slice(), this.queue.shape);
  }

  /** Writes the rows of `keys` (N, dim) at the pointer, wrapping around the end, and advances the pointer by N. */
  enqueue(keys: Tensor): void {
    const [size, dim] = this.queue.shape;
    if (keys.ndim !== 2 || keys.shape[1] !== dim)
      throw new Error(`MocoState.enqueue: keys must be (N, ${dim}), got [${keys.shape.join(', ')}]`);
    if (keys.shape[0] > size) throw new Error(`MocoState.enqueue: ${keys.shape[0]} keys do not fit a queue of ${size}`);
    let at = this.pointer.data[0];
    for (let i = 0; i < keys.shape[0]; i++) {
      this.queue.data.set(keys.data.subarray(i * dim, (i + 1) * dim), at * dim);
      at = (at + 1) % size;
    }
    this.pointer.data[0] = at;
  }
}
