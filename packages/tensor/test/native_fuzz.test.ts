// The addon never aborts on bad input: every exported function, fuzzed from a valid call in a child
// process (native_fuzz_child.js), returns or throws an Error and the process exits normally (never 134
// from std::terminate or 139 from a segfault). Then the measured cases one by one: a 'cuda' backend
// without a driver, std::bad_alloc in a contrastive loss under an address-space limit, and getters that
// detach or shrink an array argument's buffer while the arguments are read.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { native } from '../src';

const NATIVE = require.resolve('@nodulab/native');
const CHILD = path.join(__dirname, 'native_fuzz_child.js');

interface Summary {
  name: string;
  calls: number;
  returned: number;
  threw: number;
  badCalls: number;
  bad: string[];
  templateError: string | null;
  cudaError: string | null;
}

/** Runs `script` (a file, or code with -e) in a fresh node; never throws. */
function runNode(args: string[], env: Record<string, string> = {}, timeout = 60_000) {
  return spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, NODULAB_NUM_THREADS: '2', NODULAB_FUZZ_NATIVE: NATIVE, ...env },
  });
}

/** What a child's exit says when it did not exit normally (empty when it did). */
function abnormalExit(r: ReturnType<typeof spawnSync>): string {
  if (r.status === 0 && r.signal === null) return '';
  return `status ${r.status}, signal ${r.signal}\n${String(r.stderr).slice(-2000)}`;
}

const names = Object.keys(native).filter(
  (k) => typeof (native as unknown as Record<string, unknown>)[k] === 'function',
);
const cudaPresent = native.cudaDeviceCount() > 0;
// Functions that only read settings or report: every call returns.
const REPORTERS = ['getNumThreads', 'getIsa', 'kernels', 'cudaStatus', 'cudaDeviceCount', 'deviceAllocatorStats'];
// Valid only with a CUDA device (a handle from toDevice).
const NEEDS_CUDA = ['toDevice', 'toHost', 'copyDevice', 'freeDevice'];

describe('native-argument fuzz (child process)', () => {
  let run: ReturnType<typeof spawnSync>;
  const summaries = new Map<string, Summary>();

  beforeAll(() => {
    run = runNode([CHILD]);
    for (const line of String(run.stdout).split('\n')) {
      if (line.startsWith('{"name"')) {
        const s = JSON.parse(line) as Summary;
        summaries.set(s.name, s);
      }
    }
  }, 60_000);

  it('the fuzzing process exits normally after fuzzing every function', () => {
    expect(abnormalExit(run)).toBe('');
    expect(String(run.stderr)).not.toMatch(/terminate called|Aborted|Segmentation/);
    expect(String(run.stdout).trim().endsWith('done')).toBe(true);
    expect([...summaries.keys()].sort()).toEqual([...names].sort());
  });

  it.each(names)('%s returns or throws an Error on every malformed call', (name) => {
    const s = summaries.get(name);
    expect(s).toBeDefined();
    if (!s) return;
    expect(s.bad).toEqual([]);
    expect(s.calls).toBeGreaterThanOrEqual(300);
    expect(s.returned + s.threw).toBe(s.calls);
    // The fuzz starts from a call that works, so its mutations reach past the first argument check.
    if (!NEEDS_CUDA.includes(name) || cudaPresent) expect(s.templateError).toBeNull();
    if (!REPORTERS.includes(name)) expect(s.threw).toBeGreaterThan(s.calls / 3);
    if (s.cudaError !== null && !cudaPresent) {
      expect(s.cudaError).toMatch(/: backend 'cuda' is not available: no CUDA device/);
    }
  });
});

describe("a 'cuda' backend without a CUDA device", () => {
  const SCRIPT = `
    const native = require(process.env.NODULAB_FUZZ_NATIVE);
    const x = new Float32Array(54).fill(0.5), xs = [1, 2, 3, 3, 3];
    const calls = {
      relu: () => native.relu(new Float32Array(8), 'cuda'),
      conv3d: () => native.conv3d(x, xs, new Float32Array(162), [3, 2, 3, 3, 3], null, [1, 1, 1], [1, 1, 1], [1, 1, 1], 'cuda'),
      supConLoss: () => native.supConLoss(new Float32Array(12).fill(0.1), 4, 3, new Int32Array([0, 0, 1, 1]), 0.1, 'cuda'),
      batchNormTrain: () => native.batchNormTrain(x, xs, null, null, 1e-5, 'cuda'),
      toDevice: () => native.toDevice(new Float32Array(4), 0),
    };
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
      try { call(); out[name] = 'returned'; } catch (e) { out[name] = (e instanceof Error ? '' : 'non-Error: ') + e.message; }
    }
    console.log(JSON.stringify(out));
  `;

  it('throws an Error naming the reason, in a process that goes on', () => {
    if (cudaPresent) return; // the GPU suites run these kernels
    const r = runNode(['-e', SCRIPT]);
    expect(abnormalExit(r)).toBe('');
    const out = JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '{}') as Record<string, string>;
    const reason = /backend 'cuda' is not available: no CUDA device: /;
    expect(out.relu).toMatch(/^Relu: /);
    expect(out.relu).toMatch(reason);
    expect(out.conv3d).toMatch(/^conv3d: backend 'cuda' is not available: no CUDA device: /);
    expect(out.supConLoss).toMatch(reason);
    expect(out.batchNormTrain).toMatch(reason);
    expect(out.toDevice).toMatch(/^toDevice: cuda:0 is not available: no CUDA device/);
  });
});

describe('std::bad_alloc in a kernel under an address-space limit', () => {
  // 10M embeddings of dim 1, one class: the CPU kernel's similarity block alone needs 64 x 10M floats
  // (2.4 GiB) per thread, and the reference's n x n matrix far more, while the process may map 2 GiB (node
  // with the inputs maps about 1).
  const SCRIPT = `
    const native = require(process.env.NODULAB_FUZZ_NATIVE);
    const n = 10e6, z = new Float32Array(n).fill(1), labels = new Int32Array(n);
    try {
      native.supConLoss(z, n, 1, labels, 0.1, process.env.BACKEND);
      console.log('returned');
    } catch (e) {
      console.log((e instanceof Error ? 'Error: ' : 'non-Error: ') + e.message);
    }
  `;

  it.each([
    ['cpu', '2'],
    ['cpu', '1'],
    ['ref', '2'],
  ])('supConLoss on %s (%s threads) throws out of memory', (backend, threads) => {
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -v 2097152 && exec "$0" -e "$1"', process.execPath, SCRIPT], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODULAB_FUZZ_NATIVE: NATIVE, NODULAB_NUM_THREADS: threads, BACKEND: backend },
    });
    expect(abnormalExit(r)).toBe('');
    expect(String(r.stdout).trim()).toBe('Error: supConLoss: out of memory (a native allocation failed)');
  });
});

describe('indices in shared memory that another thread rewrites during the call', () => {
  // A worker flips every index between 0 and 2^30 - 1 while maxPool3dGrad runs: the kernel must write at
  // the offsets it checked (its own copy), never at one changed after the check.
  const SCRIPT = `
    const { Worker } = require('worker_threads');
    const native = require(process.env.NODULAB_FUZZ_NATIVE);
    const n = 1 << 16; // dy (1, 1, 16, 64, 64), x (1, 1, 32, 128, 128)
    const indices = new Int32Array(new SharedArrayBuffer(4 * n));
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const body = 'const [indices, stop] = require("worker_threads").workerData;' +
      'while (Atomics.load(stop, 0) === 0) { indices.fill(0x3fffffff); indices.fill(0); }';
    const worker = new Worker(body, { eval: true, workerData: [indices, stop] });
    const dy = new Float32Array(n).fill(1);
    const counts = { returned: 0, threw: 0 };
    for (const end = Date.now() + 1000; Date.now() < end; ) {
      try {
        native.maxPool3dGrad(dy, indices, [1, 1, 16, 64, 64], [1, 1, 32, 128, 128]);
        counts.returned++;
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        counts.threw++;
      }
    }
    Atomics.store(stop, 0, 1);
    worker.terminate().then(() => console.log(JSON.stringify(counts)));
  `;

  it('maxPool3dGrad returns or throws, and the process exits normally', () => {
    const r = runNode(['-e', SCRIPT]);
    expect(abnormalExit(r)).toBe('');
    const counts = JSON.parse(String(r.stdout).trim()) as { returned: number; threw: number };
    expect(counts.returned + counts.threw).toBeGreaterThan(10);
  });
});

describe('getters that change an array argument while the arguments are read', () => {
  const detach = (buf: ArrayBufferLike) => structuredClone(buf, { transfer: [buf as ArrayBuffer] });
  /** `values`, whose first element's getter runs `effect` first (typed as whatever argument it stands for). */
  const withGetter = (values: number[], effect: () => void): never => {
    const a = values.slice();
    Object.defineProperty(a, 0, {
      get() {
        effect();
        return values[0];
      },
    });
    return a as never;
  };
  // Resizable ArrayBuffers (ES2024) are newer than the TypeScript lib this project compiles against.
  const ResizableArrayBuffer = ArrayBuffer as unknown as new (
    byteLength: number,
    options: { maxByteLength: number },
  ) => ArrayBuffer & { resize(byteLength: number): void };
  const ones = (n: number) => new Float32Array(n).fill(1);

  it('a later shape getter that transfers an earlier array away is refused, never read after free', () => {
    const a = ones(512 * 512);
    const bShape = withGetter([512, 512], () => detach(a.buffer));
    expect(() => native.matmul(a, [512, 512], ones(512 * 512), bShape, false, false)).toThrow(
      /^matmul: a is detached \(its ArrayBuffer was transferred\)/,
    );
  });

  it.each(['x', 'w'])('a stride getter that transfers %s is refused (conv3d)', (which) => {
    const x = ones(54);
    const w = ones(162);
    const stride = withGetter([1, 1, 1], () => detach((which === 'x' ? x : w).buffer));
    expect(() => native.conv3d(x, [1, 2, 3, 3, 3], w, [3, 2, 3, 3, 3], null, stride, [1, 1, 1], [1, 1, 1])).toThrow(
      new RegExp(`^conv3d: ${which} is detached`),
    );
  });

  it('indices transferred by a later shape getter are refused before they are checked (maxPool3dGrad)', () => {
    const indices = new Int32Array(16);
    const xShape = withGetter([1, 2, 3, 3, 3], () => detach(indices.buffer));
    expect(() => native.maxPool3dGrad(ones(16), indices, [1, 2, 2, 2, 2], xShape)).toThrow(
      /^MaxPool3DGrad: indices is detached/,
    );
  });

  it('an array shrunk by a later getter is measured after the getter ran', () => {
    const buffer = new ResizableArrayBuffer(4 * 6, { maxByteLength: 4 * 64 });
    const a = new Float32Array(buffer).fill(1); // length-tracking
    const aShape = withGetter([2, 3], () => buffer.resize(4));
    expect(() => native.matmul(a, aShape, ones(12), [3, 4], false, false)).toThrow(
      /^matmul: a has 1 elements but shape \[2, 3\] needs 6/,
    );
  });

  it('a getter that throws passes its own error through', () => {
    const shape = withGetter([2, 3], () => {
      throw new RangeError('from the getter');
    });
    expect(() => native.matmul(ones(6), shape, ones(12), [3, 4], false, false)).toThrow('from the getter');
  });

  it('a getter that calls the addon again still gets a correct result', () => {
    const aShape = withGetter([1, 1], () => native.relu(Float32Array.of(-1)));
    expect(Array.from(native.matmul(Float32Array.of(2), aShape, Float32Array.of(3), [1, 1], false, false))).toEqual([
      6,
    ]);
  });

  it('an array detached before the call is refused by name', () => {
    const x = ones(8);
    detach(x.buffer);
    expect(() => native.relu(x)).toThrow(/^Relu: x is detached/);
  });
});
