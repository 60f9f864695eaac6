// Pooling ops: 'cpu' vs 'ref' kernels through the binding, output shapes and values, autograd vs
// float32 finite differences, NaN propagation, batch 1, and clear errors for bad shapes and options.
import { Tensor, Generator, rand, native, maxPool3d, avgPool3d, globalAvgPool3d, mul, sum } from '../src';
import type { Shape5, Triple } from '../src/binding';
import { gradientMismatches } from './gradcheck';
import { expectClose } from './kernel_close';

/** Distinct values 0.05 apart in a seeded order: no ties, and far apart relative to the FD step. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new Generator(seed);
  const v = Array.from({ length: n }, (_, i) => i * 0.05 - n * 0.025);
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return Tensor.from(v, shape, { requiresGrad: true });
}

// (name, x shape, kernel, stride, padding)
const CASES: [string, Shape5, Triple, Triple, Triple][] = [
  ['2x2x2 stride 2', [2, 3, 8, 8, 8], [2, 2, 2], [2, 2, 2], [0, 0, 0]],
  ['odd sizes', [1, 2, 7, 9, 11], [2, 2, 2], [2, 2, 2], [0, 0, 0]],
  ['long rows', [1, 1, 2, 2, 70], [2, 2, 2], [2, 2, 2], [0, 0, 0]],
  ['k3 s2 p1', [2, 2, 7, 8, 9], [3, 3, 3], [2, 2, 2], [1, 1, 1]],
  ['stride 1 (!= kernel)', [1, 2, 5, 6, 7], [3, 3, 3], [1, 1, 1], [0, 0, 0]],
  ['1x2x2 kernel', [2, 2, 3, 6, 6], [1, 2, 2], [1, 2, 2], [0, 0, 0]],
  ['1x3x3 same', [1, 1, 2, 5, 5], [1, 3, 3], [1, 1, 1], [0, 1, 1]],
  ['anisotropic', [1, 2, 5, 4, 9], [3, 1, 2], [2, 1, 3], [1, 0, 1]],
];

describe('pool kernels: cpu matches ref', () => {
  it.each(CASES)('%s', (_name, xs, k, s, p) => {
    const g = new Generator(xs.reduce((a, b) => a * b, 1));
    const x = rand(xs, g).data.map((v) => Math.round(v * 8) / 8); // coarse grid: ties happen
    x[3] = NaN;
    const ref = native.maxPool3d(x, xs, k, s, p, 'ref');
    const cpu = native.maxPool3d(x, xs, k, s, p, 'cpu');
    expectClose('MaxPool3D', cpu.y, ref.y);
    expect(Array.from(cpu.indices)).toEqual(Array.from(ref.indices));
    const ys = maxPool3d(new Tensor(x, xs), k, { stride: s, padding: p }).shape as unknown as Shape5;
    const dy = rand(ys, g).data;
    expectClose(
      'MaxPool3DGrad',
      native.maxPool3dGrad(dy, ref.indices, ys, xs, 'cpu'),
      native.maxPool3dGrad(dy, ref.indices, ys, xs, 'ref'),
    );
    for (const include of [true, false]) {
      expectClose(
        'AvgPool3D',
        native.avgPool3d(x, xs, k, s, p, include, 'cpu'),
        native.avgPool3d(x, xs, k, s, p, include, 'ref'),
      );
      expectClose(
        'AvgPool3DGrad',
        native.avgPool3dGrad(dy, ys, xs, k, s, p, include, 'cpu'),
        native.avgPool3dGrad(dy, ys, xs, k, s, p, include, 'ref'),
      );
    }
    expectClose('GlobalAvgPool3D', native.globalAvgPool3d(x, xs, 'cpu'), native.globalAvgPool3d(x, xs, 'ref'));
    const dg = rand([xs[0] * xs[1]], g).data;
    expectClose(
      'GlobalAvgPool3DGrad',
      native.globalAvgPool3dGrad(dg, xs, 'cpu'),
      native.globalAvgPool3dGrad(dg, xs, 'ref'),
    );
  });
});

describe('pool ops', () => {
  // (x shape, kernel, options, expected output shape)
  it.each([
    [[1, 2, 7, 9, 11], 2, {}, [1, 2, 3, 4, 5]],
    [[2, 1, 7, 8, 9], 3, { stride: 2, padding: 1 }, [2, 1, 4, 4, 5]],
    [[1, 3, 4, 8, 8], [1, 2, 2], {}, [1, 3, 4, 4, 4]],
    [[1, 1, 5, 5, 5], 3, { stride: 1 }, [1, 1, 3, 3, 3]],
  ] as [number[], number | Triple, object, number[]][])('x %j kernel %j %j -> %j', (xs, k, opts, want) => {
    const x = Tensor.zeros(xs);
    expect(maxPool3d(x, k, opts).shape).toEqual(want);
    expect(avgPool3d(x, k, opts).shape).toEqual(want);
  });

  it('computes max, mean and global mean of a 2x2x2 window, batch 1', () => {
    const x = Tensor.from([1, 5, 3, 2, 0, 4, -1, 2], [1, 1, 2, 2, 2]);
    expect(Array.from(maxPool3d(x, 2).data)).toEqual([5]);
    expect(avgPool3d(x, 2).data[0]).toBeCloseTo(2, 6);
    const gap = globalAvgPool3d(x);
    expect(gap.shape).toEqual([1, 1, 1, 1, 1]);
    expect(gap.data[0]).toBeCloseTo(2, 6);
  });

  it('divides by the padded window unless countIncludePad is false', () => {
    const x = Tensor.ones([1, 1, 2, 2, 2]);
    expect(avgPool3d(x, 3, { stride: 1, padding: 1 }).data[0]).toBeCloseTo(8 / 27, 6);
    expect(avgPool3d(x, 3, { stride: 1, padding: 1, countIncludePad: false }).data[0]).toBeCloseTo(1, 6);
  });

  it('routes the max-pool gradient to the first maximum and accumulates overlaps', () => {
    // 1-D along W: [1, 3, 3, 0], kernel 2 stride 1 -> windows pick index 1, 1 (tie: first), 2.
    const x = Tensor.from([1, 3, 3, 0], [1, 1, 1, 1, 4], { requiresGrad: true });
    sum(maxPool3d(x, [1, 1, 2], { stride: 1 })).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 2, 1, 0]);
  });

  it.each(CASES)('gradients match finite differences: %s', (_name, xs, k, s, p) => {
    const x = distinct(xs, 17);
    const ys = maxPool3d(x, k, { stride: s, padding: p }).shape;
    // Upstream weights centred on 0 keep the float32 loss small, so its rounding stays below the FD signal.
    const gen = new Generator(5);
    const centred = (shape: number[]) =>
      new Tensor(
        rand(shape, gen).data.map((v) => v - 0.5),
        shape,
      );
    const w = centred(ys as number[]);
    expect(gradientMismatches('maxPool3d', [x], () => sum(mul(maxPool3d(x, k, { stride: s, padding: p }), w)))).toEqual(
      [],
    );
    for (const countIncludePad of [true, false]) {
      expect(
        gradientMismatches('avgPool3d', [x], () =>
          sum(mul(avgPool3d(x, k, { stride: s, padding: p, countIncludePad }), w)),
        ),
      ).toEqual([]);
    }
    const wg = centred([xs[0], xs[1], 1, 1, 1]);
    expect(gradientMismatches('globalAvgPool3d', [x], () => sum(mul(globalAvgPool3d(x), wg)))).toEqual([]);
  });

  it('propagates NaN without crashing', () => {
    const x = Tensor.from([1, NaN, 3, 2, 0, 4, -1, 2, 7], [1, 1, 1, 1, 9], { requiresGrad: true });
    const y = maxPool3d(x, [1, 1, 3]);
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(Array.from(y.data.slice(1))).toEqual([4, 7]);
    sum(y).backward(Tensor.ones([]));
    expect(Number.isNaN(avgPool3d(x, [1, 1, 3]).data[0])).toBe(true);
    expect(Number.isNaN(globalAvgPool3d(x).data[0])).toBe(true);
  });

  it('explains bad shapes and options', () => {
    const x = Tensor.zeros([1, 1, 4, 4, 4]);
    expect(() => maxPool3d(Tensor.zeros([4, 4, 4]), 2)).toThrow(
      /maxPool3d: x must be 5-D \(N, C, D, H, W\), got shape \[4, 4, 4\]/,
    );
    expect(() => maxPool3d(x, 0)).toThrow(/maxPool3d: kernelSize must be an integer >= 1/);
    expect(() => maxPool3d(x, 2, { stride: 0 })).toThrow(/maxPool3d: stride must be an integer >= 1/);
    expect(() => maxPool3d(x, 2, { padding: 2 })).toThrow(
      /maxPool3d: padding \[2, 2, 2\] must be at most half the kernel \[2, 2, 2\]/,
    );
    expect(() => avgPool3d(x, [5, 1, 1])).toThrow(/avgPool3d: output size \[0, 4, 4\] is too small/);
    expect(() => avgPool3d(x, 2, { countIncludePad: 'yes' as unknown as boolean })).toThrow(
      /countIncludePad must be a boolean/,
    );
    expect(() => globalAvgPool3d(Tensor.zeros([1, 0, 2, 2, 2]))).toThrow(
      /globalAvgPool3d: x shape \[1, 0, 2, 2, 2\] has a zero dimension/,
    );
  });

  it('the binding rejects inconsistent arguments with the kernel name', () => {
    const x = new Float32Array(64);
    expect(() => native.maxPool3d(x, [1, 1, 4, 4, 5], [2, 2, 2], [2, 2, 2], [0, 0, 0])).toThrow(
      /MaxPool3D: x has 64 elements but shape \[1, 1, 4, 4, 5\] needs 80/,
    );
    expect(() => native.maxPool3d(x, [1, 1, 4, 4, 4], [2, 2, 2], [2, 2, 2], [2, 0, 0])).toThrow(
      /MaxPool3D: padding \[2, 0, 0\] must be at most half/,
    );
    expect(() => native.maxPool3d(x, [1, 1, 4, 4, 4], [2, 2], [2, 2, 2], [0, 0, 0])).toThrow(
      /MaxPool3D: kernel must hold 3 integers/,
    );
    expect(() => native.maxPool3d(x, [1, 1, 4, 4, 4], [9, 2, 2], [1, 1, 1], [0, 0, 0])).toThrow(
      /MaxPool3D: output size \[0, 3, 3\] is too small/,
    );
    const { indices } = native.maxPool3d(x, [1, 1, 4, 4, 4], [2, 2, 2], [2, 2, 2], [0, 0, 0]);
    const dy = new Float32Array(8);
    expect(() => native.maxPool3dGrad(dy, indices.subarray(1), [1, 1, 2, 2, 2], [1, 1, 4, 4, 4])).toThrow(
      /MaxPool3DGrad: indices has 7 elements/,
    );
    const bad = indices.slice();
    bad[5] = 64;
    expect(() => native.maxPool3dGrad(dy, bad, [1, 1, 2, 2, 2], [1, 1, 4, 4, 4])).toThrow(
      /MaxPool3DGrad: indices\[5\] = 64 is outside the input volume of 64 elements/,
    );
    expect(() => native.maxPool3dGrad(dy, indices, [1, 2, 2, 2, 1], [1, 1, 4, 4, 4])).toThrow(
      /MaxPool3DGrad: dyShape \[1, 2, 2, 2, 1\] and xShape \[1, 1, 4, 4, 4\] differ in N or C/,
    );
    expect(() =>
      native.avgPool3dGrad(dy, [1, 1, 2, 2, 2], [1, 1, 4, 4, 4], [2, 2, 2], [1, 1, 1], [0, 0, 0], true),
    ).toThrow(/AvgPool3DGrad: dyShape \[1, 1, 2, 2, 2\] is not the pooled shape \[1, 1, 3, 3, 3\]/);
    expect(() => native.globalAvgPool3dGrad(new Float32Array(3), [1, 2, 2, 2, 2])).toThrow(
      /GlobalAvgPool3DGrad: dy has 3 elements but xShape \[1, 2, 2, 2, 2\] needs N\*C = 2/,
    );
    expect(() => native.maxPool3d(x, [1, 1, 4, 4, 4], [2, 2, 2], [2, 2, 2], [0, 0, 0], 'gpu' as never)).toThrow(
      /unknown backend 'gpu'/,
    );
  });
});
