// Noise helpers: table normals have unit moments; the axis convolution matches a direct reference on
// every axis, including the repeated-edge borders.
import { Generator } from '@nodulab/tensor';
import { convolveAxis, fillNormal, gaussianKernel } from '../src/generator/noise';

it('fillNormal draws mean 0, variance 1, the same for the same generator state', () => {
  const a = new Float32Array(100001);
  fillNormal(a, new Generator(3), 2);
  let m = 0,
    v = 0;
  for (const x of a) m += x;
  m /= a.length;
  for (const x of a) v += (x - m) ** 2;
  expect(Math.abs(m)).toBeLessThan(0.03);
  expect(Math.abs(Math.sqrt(v / a.length) - 2)).toBeLessThan(0.03);
  const b = new Float32Array(100001);
  fillNormal(b, new Generator(3), 2);
  expect(Array.from(b)).toEqual(Array.from(a));
});

it.each([[0], [1], [2]] as const)('convolveAxis along axis %d matches a direct sum with clamped borders', (axis) => {
  const shape = [5, 6, 7];
  const src = new Float32Array(5 * 6 * 7);
  fillNormal(src, new Generator(1));
  const k = gaussianKernel(1.1);
  const r = (k.length - 1) / 2;
  const dst = new Float32Array(src.length);
  convolveAxis(src, dst, shape, axis, k);
  for (let z = 0; z < 5; z++)
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 7; x++) {
        let want = 0;
        for (let j = -r; j <= r; j++) {
          const p = [z, y, x];
          p[axis] = Math.min(shape[axis] - 1, Math.max(0, p[axis] + j));
          want += k[j + r] * src[(p[0] * 6 + p[1]) * 7 + p[2]];
        }
        expect(dst[(z * 6 + y) * 7 + x]).toBeCloseTo(want, 5);
      }
});
