// Tensor: a float32 array with a shape (NCDHW for volumes), an optional gradient and the autograd
// node that produced it. Tensors are immutable values; ops return new tensors. A tensor lives on a
// device: 'cpu' (a Float32Array) or 'cuda:N' (a handle to device memory, see device.ts).
import { backward as runBackward, GradNode, record } from './autograd';
import { Device, DeviceHandle, DeviceLike, deviceIndex, deviceMemory, requireDevice } from './device';

/** Options for creating a tensor. */
export interface TensorOptions {
  /** Track operations on this tensor so `.backward()` can fill its `.grad`. Default false. */
  requiresGrad?: boolean;
  /**
   * Where the tensor lives: 'cpu' (default), 'cuda' or 'cuda:N' (like `torch.tensor(..., device=)`).
   * The elements are given on the host and copied to the device; a missing GPU is an error naming it.
   */
  device?: DeviceLike;
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

/**
 * How many tensors hold each device handle (views from reshape/detach share one). Moving or
 * overwriting a tensor frees its device memory at once only when it was the last holder; otherwise the
 * memory lives on for the others and is freed by the handle's finalizer once none is reachable.
 */
const holders = new WeakMap<DeviceHandle, number>();

/** Elements already on a device, handed to the Tensor constructor (see {@link Tensor.fromDevice}). */
export class DeviceElements {
  constructor(
    readonly handle: DeviceHandle,
    readonly device: Device,
  ) {}
}

/** A float32 tensor with reverse-mode automatic differentiation. */
export class Tensor {
  /** The dimensions, e.g. (N, C, D, H, W) for a batch of volumes. */
  readonly shape: readonly number[];
  /** Host elements ('cpu'), or null while the elements are on a CUDA device. */
  private hostData: Float32Array | null;
  /** Device elements ('cuda:N'), or null on the CPU. */
  private deviceHandle: DeviceHandle | null = null;
  private where: Device = 'cpu';
  private readonly count: number;
  /** Whether gradients flow to this tensor. */
  requiresGrad: boolean;
  /** The accumulated gradient after `.backward()` (leaf tensors with requiresGrad only). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;

  constructor(data: Float32Array | DeviceElements, shape: readonly number[], options: TensorOptions = {}) {
    const n = checkShape(shape, 'Tensor');
    if (data instanceof DeviceElements) {
      this.hostData = null;
      this.count = n;
      this.shape = Object.freeze([...shape]);
      this.requiresGrad = options.requiresGrad ?? false;
      this.store(data.device, data.handle);
      return;
    }
    if (data.length !== n) {
      throw new Error(`Tensor: ${data.length} elements do not fill shape [${shape.join(', ')}] (needs ${n})`);
    }
    this.hostData = data;
    this.count = n;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = options.requiresGrad ?? false;
    if (options.device !== undefined) {
      const device = requireDevice(options.device, 'Tensor');
      if (device !== 'cpu') this.store(device, deviceMemory().upload(data, deviceIndex(device)));
    }
  }

  /** A tensor over elements already on `device` (a handle from device memory), taking ownership. */
  static fromDevice(
    handle: DeviceHandle,
    shape: readonly number[],
    device: Device,
    options: Omit<TensorOptions, 'device'> = {},
  ): Tensor {
    return new Tensor(new DeviceElements(handle, device), shape, options);
  }

  /** Points this tensor at elements on `device` (host data dropped). */
  private store(device: Device, handle: DeviceHandle | null, host: Float32Array | null = null): void {
    if (handle) holders.set(handle, (holders.get(handle) ?? 0) + 1);
    this.where = device;
    this.deviceHandle = handle;
    this.hostData = host;
  }

  /**
   * The elements in row-major (C) order, for a tensor on the CPU. Treat as read-only: ops never mutate
   * their inputs. On a CUDA tensor this throws: read its values with `.cpu()` (a copy) first.
   */
  get data(): Float32Array {
    if (this.hostData) return this.hostData;
    throw new Error(
      `Tensor.data: the tensor of shape [${this.shape.join(', ')}] is on ${this.where}; call .cpu() to read its values`,
    );
  }

  /** Where the elements live: 'cpu' or 'cuda:N' (PyTorch's `tensor.device`). */
  get device(): Device {
    return this.where;
  }

  /** Whether the tensor is on a CUDA device (PyTorch's `is_cuda`). */
  get isCuda(): boolean {
    return this.where !== 'cpu';
  }

  /**
   * This tensor on `device` (like `tensor.to(device)`): itself when already there, else a copy.
   * Gradients flow back through the copy to the source device.
   */
  to(device: DeviceLike): Tensor {
    const target = requireDevice(device, 'Tensor.to');
    if (target === this.where) return this;
    const out = this.copyTo(target);
    const source = this.where;
    return record(out, 'to', [this], (g) => [g.to(source)]);
  }

  /** This tensor on the CPU (like `tensor.cpu()`): itself when already there, else a host copy. */
  cpu(): Tensor {
    return this.to('cpu');
  }

  /** This tensor on cuda:`index` (like `tensor.cuda()`). */
  cuda(index = 0): Tensor {
    return this.to(`cuda:${index}`);
  }

  /** A leaf copy of the elements on `target` (no graph). */
  private copyTo(target: Device): Tensor {
    const memory = deviceMemory();
    if (target === 'cpu') return new Tensor(memory.download(this.deviceHandle!), this.shape);
    if (this.where === 'cpu')
      return Tensor.fromDevice(memory.upload(this.data, deviceIndex(target)), this.shape, target);
    // cuda:i -> cuda:j goes through the host (the runtime layer addresses one device)
    return Tensor.fromDevice(
      memory.upload(memory.download(this.deviceHandle!), deviceIndex(target)),
      this.shape,
      target,
    );
  }

  /**
   * Moves this tensor's elements to `device` in place, keeping the object (what `Module.to` does to
   * parameters and buffers, so optimizers' references stay valid). Its `.grad` moves too. Returns this.
   */
  moveTo_(device: DeviceLike): this {
    const target = requireDevice(device, 'Tensor.moveTo_');
    if (target === this.where) return this;
    const moved = this.copyTo(target);
    this.release();
    this.store(target, moved.deviceHandle, moved.hostData);
    moved.release(); // this tensor is now the copy's only holder
    this.grad?.moveTo_(target);
    return this;
  }

  /**
   * Overwrites this tensor's elements with `src`'s (same element count, any device), in place, like
   * PyTorch's `copy_`; loading a CPU checkpoint into a CUDA model goes through here. Returns this.
   */
  copy_(src: Tensor): this {
    if (src.size !== this.size)
      throw new Error(
        `Tensor.copy_: source of shape [${src.shape.join(', ')}] does not fill [${this.shape.join(', ')}] on ${this.where}`,
      );
    if (this.where === 'cpu') {
      this.hostData!.set(src.where === 'cpu' ? src.data : deviceMemory().download(src.deviceHandle!));
    } else {
      const moved = src.where === this.where ? src.clone() : src.copyTo(this.where);
      this.release();
      this.store(this.where, moved.deviceHandle);
      moved.release(); // this tensor is now the copy's only holder
    }
    return this;
  }

  /**
   * Points this CPU tensor at `data` (the same number of elements) in place, like PyTorch's `set_`: the
   * object stays, so optimizers and hooks holding it see the new storage (e.g. shared memory).
   */
  set_(data: Float32Array): this {
    if (this.where !== 'cpu')
      throw new Error(`Tensor.set_: the tensor of shape [${this.shape.join(', ')}] is on ${this.where}, not the CPU`);
    if (data.length !== this.count)
      throw new Error(
        `Tensor.set_: ${data.length} elements do not fill shape [${this.shape.join(', ')}] (needs ${this.count})`,
      );
    this.hostData = data;
    return this;
  }

  /** Frees device memory now (the tensor keeps its shape but no elements); a no-op on the CPU. */
  private release(): void {
    const handle = this.deviceHandle;
    this.deviceHandle = null;
    if (!handle) return;
    const left = (holders.get(handle) ?? 1) - 1;
    if (left > 0) return void holders.set(handle, left);
    holders.delete(handle);
    deviceMemory().free(handle);
  }

  /** The same elements (shared, on the same device) under another shape of equal size; a leaf. */
  withShape(shape: readonly number[]): Tensor {
    if (checkShape(shape, 'Tensor.withShape') !== this.size)
      throw new Error(`Tensor.withShape: [${shape.join(', ')}] does not hold ${this.size} elements`);
    return this.hostData ? new Tensor(this.hostData, shape) : Tensor.fromDevice(this.deviceHandle!, shape, this.where);
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
    return this.count;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (PyTorch's `numel()`). */
  numel(): number {
    return this.count;
  }

  /** A host copy of the elements (copied from the device for a CUDA tensor). */
  toFloat32Array(): Float32Array {
    return this.hostData ? this.hostData.slice() : deviceMemory().download(this.deviceHandle!);
  }

  /** The single element of a one-element tensor (copied to the host for a CUDA tensor). */
  item(): number {
    if (this.count !== 1)
      throw new Error(`item: tensor of shape [${this.shape.join(', ')}] has ${this.count} elements, not 1`);
    return this.hostData ? this.hostData[0] : this.toFloat32Array()[0];
  }

  /** The same data, cut from the graph (no gradient flows through the result). */
  detach(): Tensor {
    return this.withShape(this.shape);
  }

  /**
   * A leaf copy of this tensor's data, on the same device unless `options.device` names another.
   */
  clone(options: TensorOptions = {}): Tensor {
    const { device, ...rest } = options;
    if (this.hostData) return new Tensor(this.hostData.slice(), this.shape, options);
    if (device !== undefined && requireDevice(device, 'Tensor.clone') !== this.where)
      return new Tensor(this.toFloat32Array(), this.shape, options);
    return Tensor.fromDevice(deviceMemory().copy(this.deviceHandle!), this.shape, this.where, rest);
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
      grad = Tensor.ones(this.shape, { device: this.where });
    } else if (grad.device !== this.where) {
      throw new Error(`backward: the gradient is on ${grad.device} but the tensor is on ${this.where}`);
    } else if (grad.size !== this.size) {
      throw new Error(
        `backward: gradient of shape [${grad.shape.join(', ')}] does not match tensor shape [${this.shape.join(', ')}]`,
      );
    }
    if (!this.requiresGrad) throw new Error('backward: tensor does not require grad and has no grad_fn');
    runBackward(this, grad);
  }

  toString(): string {
    const device = this.where === 'cpu' ? '' : `, device=${this.where}`;
    return `Tensor(shape=[${this.shape.join(', ')}]${device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
