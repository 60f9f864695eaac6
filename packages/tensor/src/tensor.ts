// Tensor: a float32 array with a shape (NCDHW for volumes), an optional gradient and the autograd
// node that produced it. Tensors are immutable values; ops return new tensors.
import { backward as runBackward, GradNode } from './autograd';

/** Options for creating a tensor. */
export interface TensorOptions {
  /** Track operations on this tensor so `.backward()` can fill its `.grad`. Default false. */
  requiresGrad?: boolean;
}

function checkShape(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${what}: shape [${shape.join(', ')}] must hold non-negative integers`);
    n *= d;
  }
  return n;
}

/** A float32 tensor with reverse-mode automatic differentiation. */
export class Tensor {
  /** The dimensions, e.g. (N, C, D, H, W) for a batch of volumes. */
  readonly shape: readonly number[];
  /** The elements in row-major (C) order. Treat as read-only: ops never mutate their inputs. */
  readonly data: Float32Array;
  /** Whether gradients flow to this tensor. */
  requiresGrad: boolean;
  /** The accumulated gradient after `.backward()` (leaf tensors with requiresGrad only). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;

  constructor(data: Float32Array, shape: readonly number[], options: TensorOptions = {}) {
    const n = checkShape(shape, 'Tensor');
    if (data.length !== n) {
      throw new Error(`Tensor: ${data.length} elements do not fill shape [${shape.join(', ')}] (needs ${n})`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = options.requiresGrad ?? false;
  }

  /** Makes a tensor from numbers (copied) with the given shape, like `torch.tensor(data).reshape(shape)`. */
  static from(data: ArrayLike<number>, shape: readonly number[], options: TensorOptions = {}): Tensor {
    const n = checkShape(shape, 'Tensor.from');
    if (data.length !== n) {
      throw new Error(`Tensor.from: ${data.length} values do not fill shape [${shape.join(', ')}] (needs ${n})`);
    }
    return new Tensor(Float32Array.from(data), shape, options);
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    return new Tensor(new Float32Array(checkShape(shape, 'Tensor.zeros')), shape, options);
  }

  /** A tensor filled with `value`. */
  static full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
    return new Tensor(new Float32Array(checkShape(shape, 'Tensor.full')).fill(value), shape, options);
  }

  /** A tensor of ones. */
  static ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, options);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (PyTorch's `numel()`). */
  numel(): number {
    return this.data.length;
  }

  /** A copy of the elements. */
  toFloat32Array(): Float32Array {
    return this.data.slice();
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1)
      throw new Error(`item: tensor of shape [${this.shape.join(', ')}] has ${this.data.length} elements, not 1`);
    return this.data[0];
  }

  /** The same data, cut from the graph (no gradient flows through the result). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A leaf copy of this tensor's data. */
  clone(options: TensorOptions = {}): Tensor {
    return new Tensor(this.data.slice(), this.shape, options);
  }

  /**
   * Back-propagates from this tensor. `grad` defaults to 1 for a one-element tensor (a loss);
   * otherwise it must have this tensor's shape. Accumulates into `.grad` of every leaf that requires it.
   */
  backward(grad?: Tensor): void {
    if (!grad) {
      if (this.size !== 1) {
        throw new Error(
          `backward: a gradient must be given for a tensor of shape [${this.shape.join(', ')}] (only scalars default to 1)`,
        );
      }
      grad = Tensor.ones(this.shape);
    } else if (grad.size !== this.size) {
      throw new Error(
        `backward: gradient of shape [${grad.shape.join(', ')}] does not match tensor shape [${this.shape.join(', ')}]`,
      );
    }
    if (!this.requiresGrad) throw new Error('backward: tensor does not require grad and has no grad_fn');
    runBackward(this, grad);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}]${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
