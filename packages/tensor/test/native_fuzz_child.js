// The native-argument fuzz, run as a child process by native_fuzz.test.ts (so an abort or a segfault
// fails that test instead of killing the test runner). Every function the addon exports starts from a
// valid call (TEMPLATES) that is then broken in seeded ways: wrong types, wrong lengths, NaN, negative
// and huge sizes, detached and shared buffers, getters that detach or shrink the other arguments' buffers
// or throw, and the 'cuda' backend. Each call must return or throw an Error. Prints one JSON line per
// function ({ name, calls, returned, threw, badCalls, bad: the first few, templateError, cudaError }), then
// "done".
'use strict';

const native = require(process.env.NODULAB_FUZZ_NATIVE || '@nodulab/native');

const TRIALS = Number(process.env.NODULAB_FUZZ_TRIALS || 300);
const hasCuda = native.cudaDeviceCount() > 0;

// ---- seeded choices (xorshift32) --------------------------------------------------------------------
let state = 0x9e3779b9;
function rand() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (list) => list[int(list.length)];

// ---- valid calls ------------------------------------------------------------------------------------
const f32 = (n, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const xs = [1, 2, 3, 3, 3]; // x: (1, 2, 3, 3, 3), 54 values
const ws = [3, 2, 3, 3, 3]; // w: (3, 2, 3, 3, 3), 162 values
const ys = [1, 3, 3, 3, 3]; // conv output (stride 1, padding 1), 81 values
const pooled = [1, 2, 2, 2, 2]; // x max-pooled by [2,2,2] stride 1, 16 values
const window = () => [
  [2, 2, 2],
  [1, 1, 1],
  [0, 0, 0],
];
const conv = () => [
  [1, 1, 1],
  [1, 1, 1],
  [1, 1, 1],
];
const indices = () => Int32Array.from({ length: 16 }, () => int(27));
const bn = () => [f32(54), xs.slice(), f32(2, 0.5, 2), f32(2)];
const running = () => [f32(2), f32(2, 0.5, 2), 1e-5];
const saved = () => [f32(2, 0.5, 2), f32(2), f32(2, 0.5, 2)];

/**
 * name -> () => [args, backendIndex] for a call that succeeds on the CPU (backendIndex -1: no backend
 * argument). Functions that need a CUDA device get a call that is valid only when one is present.
 */
const TEMPLATES = {
  getNumThreads: () => [[], -1],
  setNumThreads: () => [[2], -1],
  getIsa: () => [[], -1],
  setIsa: () => [[native.getIsa().detected], -1],
  kernels: () => [[], -1],
  cudaStatus: () => [[], -1],
  cudaDeviceCount: () => [[], -1],
  deviceAllocatorStats: () => [[], -1],
  toDevice: () => [[f32(4), 0], -1],
  toHost: () => [[hasCuda ? native.toDevice(f32(4), 0) : {}], -1],
  copyDevice: () => [[hasCuda ? native.toDevice(f32(4), 0) : {}], -1],
  freeDevice: () => [[hasCuda ? native.toDevice(f32(4), 0) : {}], -1],
  relu: () => [[f32(8), 'cpu'], 1],
  reluGrad: () => [[f32(8), f32(8), 'cpu'], 2],
  sigmoid: () => [[f32(8), 'cpu'], 1],
  sigmoidGrad: () => [[f32(8), f32(8), 'cpu'], 2],
  leakyRelu: () => [[f32(8), 0.1, 'cpu'], 2],
  leakyReluGrad: () => [[f32(8), f32(8), 0.1, 'cpu'], 3],
  conv3d: () => [[f32(54), xs.slice(), f32(162), ws.slice(), f32(3), ...conv(), 'cpu'], 8],
  conv3dBackpropInput: () => [[f32(81), ys.slice(), f32(162), ws.slice(), xs.slice(), ...conv(), 'cpu'], 8],
  conv3dBackpropFilter: () => [[f32(54), xs.slice(), f32(81), ys.slice(), ws.slice(), ...conv(), true, 'cpu'], 9],
  conv3dBnReluMaxPoolInfer: () => [
    [
      f32(54),
      xs.slice(),
      f32(162),
      ws.slice(),
      f32(3),
      f32(3),
      f32(3, 0.5, 2),
      f32(3),
      f32(3),
      1e-5,
      ...conv(),
      ...window(),
      'cpu',
    ],
    16,
  ],
  matmul: () => [[f32(6), [2, 3], f32(12), [3, 4], false, false, 'cpu'], 6],
  maxPool3d: () => [[f32(54), xs.slice(), ...window(), 'cpu'], 5],
  maxPool3dGrad: () => [[f32(16), indices(), pooled.slice(), xs.slice(), 'cpu'], 4],
  avgPool3d: () => [[f32(54), xs.slice(), ...window(), true, 'cpu'], 6],
  avgPool3dGrad: () => [[f32(16), pooled.slice(), xs.slice(), ...window(), false, 'cpu'], 7],
  globalAvgPool3d: () => [[f32(54), xs.slice(), 'cpu'], 2],
  globalAvgPool3dGrad: () => [[f32(2), xs.slice(), 'cpu'], 2],
  batchNormTrain: () => [[...bn(), 1e-5, 'cpu'], 5],
  batchNormReluTrain: () => [[...bn(), 1e-5, 'cpu'], 5],
  batchNormInfer: () => [[...bn(), ...running(), 'cpu'], 7],
  batchNormReluInfer: () => [[...bn(), ...running(), 'cpu'], 7],
  batchNormGrad: () => [[f32(54), xs.slice(), f32(54), ...saved(), 'cpu'], 6],
  batchNormReluGrad: () => [[f32(54), xs.slice(), f32(54), f32(54), ...saved(), 'cpu'], 7],
  batchNormReluMaxPool3dTrain: () => [[...bn(), 1e-5, ...window(), 'cpu'], 8],
  batchNormReluMaxPool3dInfer: () => [[...bn(), ...running(), ...window(), 'cpu'], 10],
  batchNormReluMaxPool3dGrad: () => [
    [f32(54), xs.slice(), f32(16), indices(), f32(16), ...saved(), ...window(), 'cpu'],
    11,
  ],
  axpby: () => [[2, f32(8), 3, f32(8), 'cpu'], 4],
  mul: () => [[f32(8), f32(8), 'cpu'], 2],
  softmax: () => [[f32(6), 2, 3, 'cpu'], 3],
  logSoftmax: () => [[f32(6), 2, 3, 'cpu'], 3],
  softmaxGrad: () => [[f32(6), f32(6), 2, 3, 'cpu'], 4],
  logSoftmaxGrad: () => [[f32(6), f32(6), 2, 3, 'cpu'], 4],
  supConLoss: () => [[f32(12), 4, 3, Int32Array.from([0, 0, 1, 1]), 0.1, 'cpu'], 5],
  svdvals: () => [[f32(12), 2, 3, 2, 'cpu'], 4],
  fillNormal: () => [[f32(16), [1, 2, 3, 4], f32(65536), 1, 'cpu'], 4],
  addCorrelatedNoise: () => [[f32(24), [2, 3, 4], f32(60), f32(3), f32(3), 1, 'cpu'], 6],
  addValueNoise: () => [[f32(24), [2, 3, 4], f32(27), [3, 3, 3], [0.5, 0.5, 0.5], 'cpu'], 5],
};
// Valid only with a CUDA device (a handle from toDevice).
const NEEDS_CUDA = new Set(['toDevice', 'toHost', 'copyDevice', 'freeDevice']);

// ---- hostile values ---------------------------------------------------------------------------------
/** Detaches buf (transfers it away); a no-op for a shared or already detached buffer. */
function detach(buf) {
  try {
    structuredClone(buf, { transfer: [buf] });
  } catch {
    // already detached, or a SharedArrayBuffer (cannot be transferred)
  }
}
function detachedF32(n) {
  const a = new Float32Array(n);
  detach(a.buffer);
  return a;
}
function shared(a) {
  const s = new a.constructor(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}
/** A length-tracking view of a's values on a resizable buffer (a getter can shrink it to nothing). */
function resizable(a) {
  const r = new a.constructor(new ArrayBuffer(a.byteLength, { maxByteLength: a.byteLength * 2 + 8 }));
  r.set(a);
  return r;
}
function sparse() {
  const a = [1, 1, 1, 1, 1];
  delete a[2];
  return a;
}
const BAD = [
  () => undefined,
  () => null,
  () => true,
  () => 'cpu',
  () => 'cuda',
  () => 'bogus',
  () => '',
  () => 0,
  () => -0,
  () => 1,
  () => -1,
  () => 0.5,
  () => NaN,
  () => Infinity,
  () => -Infinity,
  () => 2 ** 31,
  () => 2 ** 32 + 1,
  () => 2 ** 53,
  () => -(2 ** 31),
  () => 1e308,
  () => 10n,
  () => Symbol('s'),
  () => ({}),
  () => ({ length: 5 }),
  () => () => 0,
  () => [],
  () => [1],
  () => [NaN, 1, 1],
  () => [-1, 1, 1, 1, 1],
  () => [1.5, 1, 1, 1, 1],
  () => [2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31],
  () => [2 ** 40, 1, 1, 1, 1],
  () => [1, 1, 0, 3, 3],
  () => ['a', 1, 1],
  () => new Array(1000).fill(1),
  () => sparse(),
  () => new Proxy([1, 2, 3, 3, 3], {}),
  () => new Float32Array(0),
  () => new Float32Array(1),
  () => f32(8),
  () => new Float32Array(27).fill(NaN),
  () => new Float32Array(54).fill(Infinity),
  () => new Float64Array(8),
  () => new Int32Array(16).fill(-5),
  () => new Int32Array(16).fill(2 ** 31 - 1),
  () => new Uint8Array(16),
  () => detachedF32(8),
  () => detachedF32(0),
  () => new DataView(new ArrayBuffer(8)),
  () => new ArrayBuffer(8),
  () => shared(f32(8)),
  () => f32(64).subarray(3, 11),
];

/** An array holding `values` whose first element's getter runs `effect` (each time it is read). */
function withGetter(values, effect) {
  const a = values.slice();
  Object.defineProperty(a, 0, {
    get() {
      effect();
      return values[0];
    },
    enumerable: true,
  });
  return a;
}
const views = (args) => args.filter((v) => ArrayBuffer.isView(v));
const arraySlots = (args) => args.map((v, i) => (Array.isArray(v) ? i : -1)).filter((i) => i >= 0);

// ---- mutations: each breaks a fresh valid call in one way -------------------------------------------
const MUTATIONS = [
  function badValue(args) {
    for (let k = 1 + int(2); k > 0; k--) args[int(args.length + 1)] = pick(BAD)();
  },
  function wrongLength(args) {
    const i = args.findIndex((v) => ArrayBuffer.isView(v));
    if (i < 0) return badValue(args);
    const a = args[i];
    const length = pick([0, 1, a.length - 1, a.length + 1, a.length * 2]);
    args[i] = new a.constructor(Math.max(0, length));
  },
  function detachedBefore(args) {
    const v = views(args);
    if (v.length) detach(pick(v).buffer);
    else args[int(args.length + 1)] = detachedF32(8);
  },
  function getterDetaches(args) {
    // A shape argument (or any, when there is none) whose getter transfers every typed array passed.
    // Once it has run, every array the call could read is gone: returning would mean reading freed memory.
    const slots = arraySlots(args);
    const i = slots.length ? pick(slots) : int(args.length + 1);
    const values = Array.isArray(args[i]) ? args[i] : [1, 1, 1];
    let detached = 0;
    args[i] = withGetter(values, () =>
      views(args).forEach((v) => {
        if (!(v.buffer instanceof SharedArrayBuffer)) detached++;
        detach(v.buffer);
      }),
    );
    return (outcome) =>
      outcome === 'returned' && detached > 0 ? 'returned after a getter detached its arrays' : outcome;
  },
  function getterShrinks(args) {
    // Typed arrays on resizable buffers, shrunk to nothing by a shape argument's getter.
    for (let k = 0; k < args.length; k++) if (ArrayBuffer.isView(args[k])) args[k] = resizable(args[k]);
    const slots = arraySlots(args);
    const i = slots.length ? pick(slots) : int(args.length + 1);
    const values = Array.isArray(args[i]) ? args[i] : [1, 1, 1];
    args[i] = withGetter(values, () => views(args).forEach((v) => v.buffer.resize(0)));
  },
  function getterThrows(args) {
    const slots = arraySlots(args);
    if (!slots.length) return badValue(args);
    const i = pick(slots);
    args[i] = withGetter(args[i], () => {
      throw new RangeError('a getter threw');
    });
  },
  function badShapeEntry(args) {
    const slots = arraySlots(args);
    if (!slots.length) return badValue(args);
    const shape = args[pick(slots)];
    shape[int(shape.length)] = pick([0, -1, 0.5, NaN, Infinity, 2 ** 31, 2 ** 53, 1e308, '3', null]);
  },
  function arity(args) {
    if (rand() < 0.5) args.length = int(args.length);
    else args.push(...BAD.slice(0, 1 + int(4)).map((make) => make()));
  },
  function sharedMemory(args) {
    for (let k = 0; k < args.length; k++) if (ArrayBuffer.isView(args[k])) args[k] = shared(args[k]);
  },
  function aliased(args) {
    // Two array arguments on one buffer (outputs the kernels write must not alias inputs they read).
    const v = args.map((a, i) => (ArrayBuffer.isView(a) ? i : -1)).filter((i) => i >= 0);
    if (v.length < 2) return badValue(args);
    args[v[1]] = new args[v[1]].constructor(args[v[0]].buffer, 0, Math.min(args[v[1]].length, args[v[0]].length));
  },
];
const [badValue] = MUTATIONS;

// ---- the fuzz ------------------------------------------------------------------------------------------
function describe(e) {
  return e === undefined ? 'undefined' : typeof e === 'symbol' ? e.toString() : String(e);
}

/** Calls fn(...args); returns 'returned', 'threw', or a description of what was thrown that is not an Error. */
function attempt(fn, args) {
  try {
    fn(...args);
    return 'returned';
  } catch (e) {
    if (e instanceof Error && typeof e.message === 'string' && e.message.length > 0) return 'threw';
    return `threw a non-Error: ${describe(e)}`;
  }
}

const names = Object.keys(native).filter((k) => typeof native[k] === 'function');
const missing = names.filter((n) => !TEMPLATES[n]);
if (missing.length) {
  console.log(JSON.stringify({ missing }));
  process.exit(2);
}

for (const name of names) {
  process.stderr.write(`fuzzing ${name}\n`);
  const fn = native[name];
  const summary = { name, calls: 0, returned: 0, threw: 0, badCalls: 0, bad: [], templateError: null, cudaError: null };
  const record = (outcome, how) => {
    summary.calls++;
    if (outcome === 'returned') summary.returned++;
    else if (outcome === 'threw') summary.threw++;
    else if (summary.badCalls++ < 5) summary.bad.push(`${how}: ${outcome}`);
  };
  // The valid call itself: it must return (else the mutations start from nothing).
  if (!NEEDS_CUDA.has(name) || hasCuda) {
    const [args] = TEMPLATES[name]();
    try {
      fn(...args);
    } catch (e) {
      summary.templateError = describe(e && e.message);
    }
  }
  // The 'cuda' backend: without a device, a clear error.
  const [cudaArgs, backendIndex] = TEMPLATES[name]();
  if (backendIndex >= 0) {
    cudaArgs[backendIndex] = 'cuda';
    try {
      fn(...cudaArgs);
    } catch (e) {
      summary.cudaError = describe(e && e.message);
    }
  }
  for (let trial = 0; trial < TRIALS; trial++) {
    const [args] = TEMPLATES[name]();
    const mutation = trial === 0 ? MUTATIONS[0] : pick(MUTATIONS);
    const check = mutation(args) || ((outcome) => outcome);
    record(check(attempt(fn, args)), mutation.name);
  }
  // Zero arguments and every argument undefined.
  record(attempt(fn, []), 'no arguments');
  record(attempt(fn, new Array(20).fill(undefined)), 'undefined arguments');
  if (name === 'setNumThreads') native.setNumThreads(2);
  if (name === 'setIsa') native.setIsa(native.getIsa().detected);
  console.log(JSON.stringify(summary));
}
console.log('done');
