// Devices: 'cpu' or 'cuda' / 'cuda:N' (PyTorch's names), what the machine has (cudaAvailable,
// deviceCount), device memory for Tensor storage, and the one device check every op makes on its inputs.
import { native } from './binding';

/** A device as users write it: `'cpu'`, `'cuda'` (= `'cuda:0'`) or `'cuda:N'`. */
export type DeviceLike = 'cpu' | 'cuda' | `cuda:${number}`;
/** A device in canonical form: `'cpu'` or `'cuda:N'` (what `tensor.device` returns). */
export type Device = 'cpu' | `cuda:${number}`;

/** An opaque handle to float32 elements held by a device (a native DeviceTensor). */
export type DeviceHandle = object;

/**
 * Where device tensors keep their elements: the native addon (host <-> CUDA copies through its caching
 * allocator). Tests of the bookkeeping on machines without a GPU install a simulated one with
 * {@link setDeviceMemoryForTesting}; nothing else replaces it.
 */
export interface DeviceMemory {
  /** "NVIDIA H200 (...)" or "no CUDA device: <reason>". */
  status(): string;
  /** How many CUDA devices are usable (0 when none). */
  deviceCount(): number;
  /** A device copy of `data` on cuda:`index`. Throws naming the device and the reason when it cannot. */
  upload(data: Float32Array, index: number): DeviceHandle;
  /** A host copy of the device elements (waits for queued kernels). */
  download(handle: DeviceHandle): Float32Array;
  /** A device-to-device copy. */
  copy(handle: DeviceHandle): DeviceHandle;
  /** Returns the memory to the device allocator now (the handle is unusable afterwards). */
  free(handle: DeviceHandle): void;
}

const nativeMemory: DeviceMemory = {
  status: () => native.cudaStatus(),
  deviceCount: () => native.cudaDeviceCount(),
  upload: (data, index) => native.toDevice(data, index),
  download: (handle) => native.toHost(handle),
  copy: (handle) => native.copyDevice(handle),
  free: (handle) => native.freeDevice(handle),
};

let memory: DeviceMemory = nativeMemory;

/** The device memory in use (the native addon unless a test replaced it). */
export function deviceMemory(): DeviceMemory {
  return memory;
}

/**
 * Replaces device memory for a test that checks device bookkeeping on a machine without a GPU (a
 * simulated memory keeps host copies; no CUDA code runs). `null` restores the native addon's.
 */
export function setDeviceMemoryForTesting(replacement: DeviceMemory | null): void {
  memory = replacement ?? nativeMemory;
}

/** Whether a CUDA device is usable here (like `torch.cuda.is_available()`). */
export function cudaAvailable(): boolean {
  return memory.deviceCount() > 0;
}

/** How many CUDA devices are usable (like `torch.cuda.device_count()`); 0 without CUDA. */
export function deviceCount(): number {
  return memory.deviceCount();
}

/** One line: the CUDA device in use, or "no CUDA device: <reason>" (from the native runtime). */
export function cudaStatus(): string {
  return memory.status();
}

/**
 * The canonical form of a device name: `'cpu'` or `'cuda:N'`. Throws naming `what` on anything
 * else (e.g. `'gpu'`, `'cuda:-1'`, `'cuda:x'`). Does not check that the device exists.
 */
export function parseDevice(device: unknown, what = 'device'): Device {
  if (device === 'cpu') return 'cpu';
  if (device === 'cuda') return 'cuda:0';
  if (typeof device === 'string') {
    const m = /^cuda:(\d{1,4})$/.exec(device);
    if (m) return `cuda:${Number(m[1])}`;
  }
  throw new Error(`${what}: unknown device ${JSON.stringify(device)} (expected 'cpu', 'cuda' or 'cuda:N')`);
}

/** The index N of `'cuda:N'`, or -1 for `'cpu'`. */
export function deviceIndex(device: Device): number {
  return device === 'cpu' ? -1 : Number(device.slice(5));
}

/**
 * Checks that `device` can hold tensors here and returns its canonical form: 'cpu' always can; a CUDA
 * device needs a GPU, else the error names the device and the reason (`cudaStatus()`), e.g.
 * "train: device cuda:0 is not available: no CUDA device: cudaErrorInsufficientDriver (...)".
 */
export function requireDevice(device: unknown, what = 'device'): Device {
  const d = parseDevice(device, what);
  if (d === 'cpu') return d;
  const count = deviceCount();
  if (count === 0) throw new Error(`${what}: device ${d} is not available: ${cudaStatus()}`);
  if (deviceIndex(d) >= count)
    throw new Error(`${what}: device ${d} does not exist: ${count} CUDA device(s) here (${cudaStatus()})`);
  return d;
}

/** Anything with a device (a Tensor), and the name an error should call it by. */
export type Located = { readonly device: Device };

/**
 * The device every input of `op` is on. Throws when they differ, naming the op and both devices
 * (like PyTorch's "Expected all tensors to be on the same device"). `names` label the inputs.
 */
export function commonDevice(op: string, inputs: readonly (Located | null | undefined)[], names?: string[]): Device {
  let first: Device | null = null;
  let firstName = '';
  inputs.forEach((t, k) => {
    if (!t) return;
    const name = names?.[k] ?? `input ${k}`;
    if (first === null) {
      first = t.device;
      firstName = name;
    } else if (t.device !== first) {
      throw new Error(
        `${op}: expected all tensors on one device, but ${firstName} is on ${first} and ${name} is on ${t.device}`,
      );
    }
  });
  return first ?? 'cpu';
}

/**
 * The device `op` runs on: its inputs' common device ({@link commonDevice}; mixing devices throws,
 * naming the op and both devices). Every op calls this before touching its inputs' elements. Today the
 * kernels' bindings take host arrays only, so an op on CUDA tensors throws naming the op and its device
 * (the CUDA kernels exist and are registered as Backend::Cuda, but no binding hands them device handles
 * yet: see native/CUDA.md).
 */
export function dispatchDevice(op: string, inputs: readonly (Located | null | undefined)[], names?: string[]): Device {
  const device = commonDevice(op, inputs, names);
  if (device !== 'cpu') {
    throw new Error(
      `${op}: the inputs are on ${device}, but ops cannot yet run CUDA kernels from TypeScript ` +
        `(the native bindings take host arrays; see native/CUDA.md); move the tensors with .cpu()`,
    );
  }
  return device;
}
