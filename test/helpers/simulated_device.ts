// Test helper: a simulated CUDA device memory for checking device bookkeeping (Tensor.to, .cpu(),
// Module.to, checkpoints) on machines without a GPU. Handles keep host copies; no CUDA code runs, and
// no test using it claims otherwise. Every Tensor / Module / checkpoint code path it drives is the real one.
import { DeviceMemory, setDeviceMemoryForTesting } from '@nodulab/tensor';

/** A handle of the simulated memory: a private copy of the elements, unusable once freed. */
class SimulatedBuffer {
  constructor(public elements: Float32Array | null) {}
}

/** Counters of what crossed the simulated host/device boundary. */
export interface SimulatedCounters {
  uploads: number;
  downloads: number;
  copies: number;
  frees: number;
  live: number;
}

/** Installs a simulated memory with `count` devices; returns its counters and an uninstall function. */
export function installSimulatedDevice(count = 1): { counters: SimulatedCounters; uninstall: () => void } {
  const counters: SimulatedCounters = { uploads: 0, downloads: 0, copies: 0, frees: 0, live: 0 };
  const open = (h: object, op: string): Float32Array => {
    if (!(h instanceof SimulatedBuffer)) throw new Error(`${op}: not a simulated device handle`);
    if (!h.elements) throw new Error(`${op}: the device tensor was already freed`);
    return h.elements;
  };
  const memory: DeviceMemory = {
    status: () => `simulated device memory (${count} device(s); no CUDA code runs)`,
    deviceCount: () => count,
    upload(data, index) {
      if (index >= count) throw new Error(`toDevice: cuda:${index} does not exist`);
      counters.uploads++;
      counters.live++;
      return new SimulatedBuffer(data.slice());
    },
    download(h) {
      counters.downloads++;
      return open(h, 'toHost').slice();
    },
    copy(h) {
      counters.copies++;
      counters.live++;
      return new SimulatedBuffer(open(h, 'copyDevice').slice());
    },
    free(h) {
      open(h, 'freeDevice');
      (h as SimulatedBuffer).elements = null;
      counters.frees++;
      counters.live--;
    },
  };
  setDeviceMemoryForTesting(memory);
  return { counters, uninstall: () => setDeviceMemoryForTesting(null) };
}
