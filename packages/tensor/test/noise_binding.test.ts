// The generator's noise kernels through the binding: each bad argument is rejected with an error that
// names it, cpu agrees with ref, and the filter's result does not depend on the CPU ISA.
import { native } from '../src';
import { TOLERANCES } from './tolerances';

const tol = TOLERANCES.kernels.default;

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

function expectClose(got: Float32Array, want: Float32Array): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol.atol + tol.rtol * Math.abs(want[i])))
      throw new Error(`element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

const table = filled(65536, 1);
const k3 = Float32Array.of(0.25, 0.5, 0.25);

describe('noise kernels reject bad arguments', () => {
  it.each<[string, () => void, RegExp]>([
    [
      'fillNormal seed of 3',
      () => native.fillNormal(new Float32Array(4), [1, 2, 3], table, 1),
      /FillNormal: seed must hold 4 integers/,
    ],
    [
      'fillNormal seed >= 2^32',
      () => native.fillNormal(new Float32Array(4), [1, 2, 3, 2 ** 32], table, 1),
      /seed\[3\] must be below 2\^32/,
    ],
    [
      'fillNormal short table',
      () => native.fillNormal(new Float32Array(4), [1, 2, 3, 4], new Float32Array(100), 1),
      /table must hold 65536 values/,
    ],
    [
      'fillNormal out inside table',
      () => native.fillNormal(table.subarray(0, 8), [1, 2, 3, 4], table, 1),
      /must not share memory/,
    ],
    [
      'fillNormal NaN scale',
      () => native.fillNormal(new Float32Array(4), [1, 2, 3, 4], table, NaN),
      /scale must be finite/,
    ],
    [
      'addCorrelatedNoise zero dim',
      () => native.addCorrelatedNoise(new Float32Array(0), [0, 2, 2], new Float32Array(16), k3, k3, 1),
      /shape must have sizes >= 1/,
    ],
    [
      'addCorrelatedNoise wrong white',
      () => native.addCorrelatedNoise(new Float32Array(8), [2, 2, 2], new Float32Array(8), k3, k3, 1),
      /white has 8 elements but shape \[2, 4, 4\] needs 32/,
    ],
    [
      'addCorrelatedNoise no taps',
      () => native.addCorrelatedNoise(new Float32Array(8), [2, 2, 2], new Float32Array(8), new Float32Array(0), k3, 1),
      /ky must hold 1 to 255 taps/,
    ],
    [
      'addCorrelatedNoise hu is white',
      () => {
        const a = new Float32Array(8);
        native.addCorrelatedNoise(a, [2, 2, 2], a, Float32Array.of(1), Float32Array.of(1), 1);
      },
      /hu and white must not share memory/,
    ],
    [
      'addValueNoise small lattice',
      () => native.addValueNoise(new Float32Array(27), [3, 3, 3], new Float32Array(8), [2, 2, 2], [1, 1, 1]),
      /latticeShape \[2, 2, 2\] is too small for shape \[3, 3, 3\]/,
    ],
    [
      'addValueNoise negative step',
      () => native.addValueNoise(new Float32Array(27), [3, 3, 3], new Float32Array(64), [4, 4, 4], [1, -1, 1]),
      /step\[1\] must be finite and >= 0/,
    ],
    [
      'addValueNoise huge step',
      () => native.addValueNoise(new Float32Array(27), [3, 3, 3], new Float32Array(27), [3, 3, 3], [1e300, 1, 1]),
      /too small/,
    ],
    [
      'addValueNoise step of 2',
      () => native.addValueNoise(new Float32Array(27), [3, 3, 3], new Float32Array(27), [3, 3, 3], [1, 1] as never),
      /step must be an array of 3 numbers/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('noise kernels: cpu matches ref', () => {
  it.each([
    [[1, 1, 1], 1, 1],
    [[3, 5, 7], 3, 5],
    [[4, 32, 32], 7, 7],
    [[2, 9, 40], 1, 9],
  ] as [[number, number, number], number, number][])(
    'addCorrelatedNoise %j with %d x %d taps, the same bits on every ISA',
    (shape, ny, nx) => {
      const [D, H, W] = shape;
      const white = filled(D * (H + ny - 1) * (W + nx - 1), 2),
        ky = filled(ny, 3).map(Math.abs),
        kx = filled(nx, 4).map(Math.abs);
      const want = filled(D * H * W, 5),
        got = want.slice();
      native.addCorrelatedNoise(want, shape, white, ky, kx, 3.5, 'ref');
      native.addCorrelatedNoise(got, shape, white, ky, kx, 3.5);
      expectClose(got, want);
      const { active } = native.getIsa();
      try {
        for (const isa of ['scalar', 'avx2', 'avx512'] as const) {
          native.setIsa(isa);
          const other = filled(D * H * W, 5);
          native.addCorrelatedNoise(other, shape, white, ky, kx, 3.5);
          expect(Buffer.from(other.buffer).equals(Buffer.from(got.buffer))).toBe(true);
        }
      } finally {
        native.setIsa(active);
      }
    },
  );

  it('fillNormal: the same stream from ref and cpu, values from the table', () => {
    for (const n of [0, 1, 2, 101]) {
      const a = new Float32Array(n),
        b = new Float32Array(n);
      native.fillNormal(a, [5, 6, 7, 8], table, 2, 'ref');
      native.fillNormal(b, [5, 6, 7, 8], table, 2);
      expect(Array.from(b)).toEqual(Array.from(a));
      const values = new Set(Array.from(table, (v) => Math.fround(v * 2)));
      for (const v of b) expect(values.has(v)).toBe(true);
    }
  });

  it('addValueNoise: cpu matches ref; at lattice points the noise is the lattice value', () => {
    const shape: [number, number, number] = [5, 9, 13];
    const step: [number, number, number] = [1.25, 0.35, 1 / 6];
    const g: [number, number, number] = [
      Math.floor(4 * step[0]) + 2,
      Math.floor(8 * step[1]) + 2,
      Math.floor(12 * step[2]) + 2,
    ];
    const lattice = filled(g[0] * g[1] * g[2], 6);
    const want = filled(5 * 9 * 13, 7),
      got = want.slice();
    native.addValueNoise(want, shape, lattice, g, step, 'ref');
    native.addValueNoise(got, shape, lattice, g, step);
    expectClose(got, want);
    const out = new Float32Array(27);
    native.addValueNoise(out, [3, 3, 3], lattice.subarray(0, 64), [4, 4, 4], [1, 1, 1]);
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++) expect(out[(z * 3 + y) * 3 + x]).toBe(lattice[(z * 4 + y) * 4 + x]);
  });
});
