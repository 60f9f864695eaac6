// Initializers: PyTorch's fan computation and gains, seeded reproducibility, and the moments of the draws.
import { Generator, Tensor } from '@nodulab/tensor';
import {
  calculateFanInAndFanOut,
  calculateGain,
  kaimingNormal_,
  kaimingUniform_,
  uniform_,
  zeros_,
  ones_,
} from '../src';

function moments(t: Tensor): { mean: number; std: number; maxAbs: number } {
  let s = 0,
    s2 = 0,
    maxAbs = 0;
  for (const v of t.data) {
    s += v;
    s2 += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = s / t.size;
  return { mean, std: Math.sqrt(s2 / t.size - mean * mean), maxAbs };
}

describe('init', () => {
  it.each([
    ['Conv3d weight', [16, 8, 3, 3, 3], 8 * 27, 16 * 27],
    ['Linear weight', [10, 64], 64, 10],
    ['ConvTranspose3d weight (Ci,Co,k)', [32, 16, 2, 2, 2], 16 * 8, 32 * 8],
  ])('fans of a %s', (_name, shape, fanIn, fanOut) => {
    expect(calculateFanInAndFanOut(Tensor.zeros(shape as number[]))).toEqual({ fanIn, fanOut });
  });

  it('gains follow torch.nn.init.calculate_gain', () => {
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(calculateGain('conv3d')).toBe(1);
  });

  it.each([
    [
      'kaimingNormal_ fan_in relu',
      (t: Tensor, g: Generator) => kaimingNormal_(t, { nonlinearity: 'relu' }, g),
      Math.sqrt(2 / (64 * 27)),
      Infinity,
    ],
    [
      'kaimingNormal_ fan_out relu',
      (t: Tensor, g: Generator) => kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' }, g),
      Math.sqrt(2 / (32 * 27)),
      Infinity,
    ],
    [
      'kaimingUniform_ a=sqrt(5) (PyTorch conv default)',
      (t: Tensor, g: Generator) => kaimingUniform_(t, { a: Math.sqrt(5) }, g),
      1 / Math.sqrt(3 * 64 * 27),
      1 / Math.sqrt(64 * 27),
    ],
    ['uniform_(-2, 2)', (t: Tensor, g: Generator) => uniform_(t, -2, 2, g), 2 / Math.sqrt(3), 2],
  ])('%s has the expected spread and is seeded', (_name, init, std, bound) => {
    const t = init(Tensor.zeros([32, 64, 3, 3, 3]), new Generator(5));
    const m = moments(t);
    expect(Math.abs(m.mean)).toBeLessThan(0.02 * std);
    expect(Math.abs(m.std / std - 1)).toBeLessThan(0.02);
    expect(m.maxAbs).toBeLessThanOrEqual(bound);
    expect(init(Tensor.zeros([32, 64, 3, 3, 3]), new Generator(5)).data).toEqual(t.data);
    expect(init(Tensor.zeros([32, 64, 3, 3, 3]), new Generator(6)).data).not.toEqual(t.data);
  });

  it('fills constants and rejects impossible fans', () => {
    expect(Array.from(ones_(Tensor.zeros([2])).data)).toEqual([1, 1]);
    expect(Array.from(zeros_(Tensor.ones([2])).data)).toEqual([0, 0]);
    expect(() => kaimingNormal_(Tensor.zeros([4]))).toThrow(/fan in and fan out need a tensor with >= 2 dimensions/);
    expect(() => kaimingNormal_(Tensor.zeros([4, 0]))).toThrow(/zero fan/);
  });
});
