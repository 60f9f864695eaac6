// No input from JS may crash the process: every native function is called with wrong types, wrong
// lengths, empty arrays, impossible shapes and NaN, and must either return or throw an Error.
import { native, Generator } from '../src';

// Values an argument slot is tried with: arrays of several lengths and kinds, shapes good and bad,
// numbers good and bad, backends good and bad, and things of the wrong type entirely.
const POOL: unknown[] = [
  undefined,
  null,
  {},
  true,
  'cpu',
  'ref',
  'bogus',
  0,
  1,
  2,
  -1,
  0.5,
  NaN,
  Infinity,
  1e12,
  new Float32Array(0),
  new Float32Array(1),
  new Float32Array(8),
  new Float32Array(27).fill(NaN),
  new Float64Array(8),
  new Int32Array(8),
  new Int32Array([-5, 99, 0, 1, 2, 3, 4, 5]),
  [],
  [1],
  [2, 2],
  [1, 1, 1],
  [2, 2, 2],
  [1, 1, 2, 2, 2],
  [1, 1, 1, 1, 1],
  [1, 1, 3, 3, 3],
  [0, 1, 2, 2, 2],
  [-1, 1, 1, 1, 1],
  [1.5, 1, 1, 1, 1],
  [2 ** 40, 2 ** 40, 2 ** 40, 2 ** 40, 2 ** 40],
  [NaN, 1, 1],
  ['a', 1, 1],
];
// Functions that change process-wide settings are exercised by their own tests.
const SKIP = new Set(['setNumThreads', 'setIsa']);

describe('native binding robustness', () => {
  const names = Object.keys(native).filter(
    (k) => typeof (native as unknown as Record<string, unknown>)[k] === 'function' && !SKIP.has(k),
  );

  it('exports the kernels', () => {
    expect(names.length).toBeGreaterThan(5);
  });

  it.each(names)('%s never crashes on bad arguments', (name) => {
    const fn = (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    const g = new Generator(name.length * 7919);
    let threw = 0;
    for (let trial = 0; trial < 400; trial++) {
      const arity = trial === 0 ? 0 : 1 + g.randint(12);
      const callArgs = Array.from({ length: arity }, () => POOL[g.randint(POOL.length)]);
      try {
        fn(...callArgs);
      } catch (e) {
        threw++;
        // Errors thrown by the addon come from Node's own realm, not jest's sandbox: check the tag.
        expect(Object.prototype.toString.call(e)).toBe('[object Error]');
        expect(String((e as Error).message).length).toBeGreaterThan(5);
      }
    }
    const getters = ['getNumThreads', 'getIsa', 'kernels', 'cudaStatus', 'cudaDeviceCount', 'deviceAllocatorStats'];
    if (!getters.includes(name)) expect(threw).toBeGreaterThan(300);
  });

  it('rejects bad thread counts and ISAs with clear errors', () => {
    expect(() => native.setNumThreads(0)).toThrow(/n must be an integer in \[1, 256\]/);
    expect(() => native.setNumThreads(1.5)).toThrow(/setNumThreads/);
    expect(() => native.setIsa('sse9' as never)).toThrow(/unknown ISA 'sse9'/);
  });
});
