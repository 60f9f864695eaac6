// conv3dBatchNormReluInfer (the fused inference Conv-BN-ReLU-MaxPool block): against the same ops run
// one by one on a table of shapes, on the 'cpu' and 'ref' kernels, and its errors.
import {
  Generator,
  Tensor,
  batchNorm3d,
  conv3d,
  conv3dBatchNormReluInfer,
  maxPool3d,
  native,
  noGrad,
  rand,
  randn,
  relu,
} from '../src';
import type { Shape5 } from '../src/binding';
import { TOLERANCES } from './tolerances';

const tol = TOLERANCES.kernels.Conv3D ?? TOLERANCES.kernels.default;

function maxExcess(got: Float32Array, want: Float32Array): number {
  let worst = -Infinity;
  for (let i = 0; i < got.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) - (tol.atol + tol.rtol * Math.abs(want[i])));
  return worst;
}

describe('conv3dBatchNormReluInfer matches conv3d -> batchNorm3d (eval) -> relu -> maxPool3d', () => {
  // [name, xShape, Co, stride, padding, conv bias, bn affine, pool (kernel, stride, padding) or null]
  const cases: [string, Shape5, number, number, number, boolean, boolean, [number, number, number] | null][] = [
    ['first layer, pool 2', [2, 1, 8, 8, 8], 16, 1, 1, false, true, [2, 2, 0]],
    ['odd sizes, pool 2 floor', [2, 3, 7, 5, 9], 5, 1, 1, true, true, [2, 2, 0]],
    ['no pool, Co 17', [1, 4, 6, 6, 6], 17, 1, 1, true, false, null],
    ['stride 2 conv, pool 3 stride 2 padding 1', [2, 2, 9, 9, 9], 6, 2, 0, false, true, [3, 2, 1]],
    ['rows of 8, batch 5', [5, 8, 8, 8, 8], 12, 1, 1, false, true, [2, 2, 0]],
  ];
  it.each(cases)('%s', (_name, xs, co, stride, padding, convBias, affine, pool) => {
    const g = new Generator(11);
    const x = randn(xs, g);
    const w = randn([co, xs[1], 3, 3, 3], g);
    const b = convBias ? randn([co], g) : null;
    const mean = randn([co], g);
    const variance = Tensor.from(
      rand([co], g).data.map((v) => 0.2 + v),
      [co],
    );
    const gamma = affine ? randn([co], g) : null;
    const beta = affine ? randn([co], g) : null;
    const eps = 1e-3;
    const want = noGrad(() => {
      const z = relu(
        batchNorm3d(conv3d(x, w, b, { stride, padding }), mean, variance, gamma, beta, { training: false, eps }),
      );
      return pool ? maxPool3d(z, pool[0], { stride: pool[1], padding: pool[2] }) : z;
    });
    const bn = { runningMean: mean, runningVar: variance, weight: gamma, bias: beta, eps };
    const poolOpt = pool ? { kernelSize: pool[0], stride: pool[1], padding: pool[2] } : null;
    const got = noGrad(() => conv3dBatchNormReluInfer(x, w, b, bn, { stride, padding }, poolOpt));
    expect(got.shape).toEqual(want.shape);
    expect(maxExcess(got.data, want.data)).toBeLessThanOrEqual(0);
    expect(want.data.some((v) => v === 0) || pool !== null).toBe(true); // the ReLU clipped something

    // The reference kernel through the binding gives the same result.
    const refY = native.conv3dBnReluMaxPoolInfer(
      x.data,
      xs,
      w.data,
      w.shape as Shape5,
      b ? b.data : null,
      mean.data,
      variance.data,
      gamma ? gamma.data : null,
      beta ? beta.data : null,
      eps,
      [stride, stride, stride],
      [padding, padding, padding],
      [1, 1, 1],
      pool ? [pool[0], pool[0], pool[0]] : null,
      pool ? [pool[1], pool[1], pool[1]] : [1, 1, 1],
      pool ? [pool[2], pool[2], pool[2]] : [0, 0, 0],
      'ref',
    );
    expect(maxExcess(refY, want.data)).toBeLessThanOrEqual(0);
  });
});

describe('conv3dBatchNormReluInfer errors', () => {
  const g = new Generator(3);
  const x = randn([1, 2, 4, 4, 4], g);
  const bn = (c: number) => ({
    runningMean: Tensor.zeros([c]),
    runningVar: Tensor.ones([c]),
    weight: null,
    bias: null,
    eps: 1e-5,
  });

  it('refuses inputs that need a gradient while gradients are enabled', () => {
    const w = randn([3, 2, 3, 3, 3], g);
    w.requiresGrad = true;
    expect(() => conv3dBatchNormReluInfer(x, w, null, bn(3), { padding: 1 })).toThrow(/computes no gradient.*noGrad/);
    expect(() => noGrad(() => conv3dBatchNormReluInfer(x, w, null, bn(3), { padding: 1 }))).not.toThrow();
  });

  it('names per-channel lengths that do not match the output channels', () => {
    const w = randn([3, 2, 3, 3, 3], g);
    expect(() => conv3dBatchNormReluInfer(x, w, null, bn(4), { padding: 1 })).toThrow(
      /mean has 4 elements.*3 output channels/,
    );
  });

  it('names a channel mismatch and a bad pool window', () => {
    expect(() => conv3dBatchNormReluInfer(x, randn([3, 5, 3, 3, 3], g), null, bn(3))).toThrow(/has 2 channels/);
    const w = randn([3, 2, 3, 3, 3], g);
    expect(() => conv3dBatchNormReluInfer(x, w, null, bn(3), { padding: 1 }, { kernelSize: 2, padding: 2 })).toThrow(
      /padding/,
    );
  });
});
