// conv3d / convTranspose3d: 'cpu' vs 'ref' kernels through the binding, autograd against float32
// finite differences, PyTorch shape rules, and clear errors for bad inputs.
import { Tensor, conv3d, convTranspose3d, native, sum, mul, Generator, randn } from '../src';
import type { Shape5, Triple } from '../src/binding';
import { autogradTolerance, gradientMismatches } from './gradcheck';
import { TOLERANCES } from './tolerances';

const kernelTol = TOLERANCES.kernels;

function expectClose(got: Float32Array, want: Float32Array, tol: { atol: number; rtol: number }): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (tol.atol + tol.rtol * Math.abs(want[i]));
    worst = Math.max(worst, excess);
  }
  expect(worst).toBeLessThanOrEqual(0);
}

function randData(n: number, g: Generator): Float32Array {
  return randn([n], g).data;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('conv3d kernels: cpu matches ref', () => {
  // [name, xShape, wShape, stride, padding, dilation, bias]
  const cases: [string, Shape5, Shape5, Triple, Triple, Triple, boolean][] = [
    ['k3 p1 odd sizes', [2, 3, 5, 7, 3], [5, 3, 3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], true],
    ['stride 2, Co 17', [2, 2, 7, 6, 5], [17, 2, 3, 3, 3], [2, 2, 2], [0, 0, 0], [1, 1, 1], false],
    ['1x3x3 kernel, batch 1', [1, 4, 1, 9, 10], [9, 4, 1, 3, 3], [1, 1, 1], [0, 1, 1], [1, 1, 1], true],
    ['dilation 2', [1, 2, 7, 7, 7], [6, 2, 3, 3, 3], [1, 1, 1], [2, 2, 2], [2, 2, 2], false],
    ['Ci 1, Co 16 (first layer)', [2, 1, 8, 8, 8], [16, 1, 3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], false],
    ['mixed stride/padding', [2, 3, 6, 7, 8], [7, 3, 3, 2, 3], [1, 2, 1], [0, 1, 2], [1, 1, 1], true],
    // the Winograd path (3x3x3, stride 1, >= 32 channels each way): partial tiles, channels not a vector multiple
    ['Winograd: Ci 33, Co 34, odd sizes', [2, 33, 3, 6, 5], [34, 33, 3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], true],
  ];
  it.each(cases)('%s', (_name, xs, ws, s, p, d, withBias) => {
    const g = new Generator(5);
    const x = randData(prod(xs), g);
    const w = randData(prod(ws), g);
    const b = withBias ? randData(ws[0], g) : null;
    const yRef = native.conv3d(x, xs, w, ws, b, s, p, d, 'ref');
    const y = native.conv3d(x, xs, w, ws, b, s, p, d, 'cpu');
    expectClose(y, yRef, kernelTol.Conv3D);
    const ys = [xs[0], ws[0], 0, 0, 0] as Shape5;
    for (let a = 0; a < 3; a++) ys[2 + a] = Math.floor((xs[2 + a] + 2 * p[a] - d[a] * (ws[2 + a] - 1) - 1) / s[a]) + 1;
    expect(y.length).toBe(prod(ys));
    const dy = randData(prod(ys), g);
    expectClose(
      native.conv3dBackpropInput(dy, ys, w, ws, xs, s, p, d, 'cpu'),
      native.conv3dBackpropInput(dy, ys, w, ws, xs, s, p, d, 'ref'),
      kernelTol.Conv3DBackpropInput,
    );
    const f = native.conv3dBackpropFilter(x, xs, dy, ys, ws, s, p, d, withBias, 'cpu');
    const fRef = native.conv3dBackpropFilter(x, xs, dy, ys, ws, s, p, d, withBias, 'ref');
    expectClose(f.dw, fRef.dw, kernelTol.Conv3DBackpropFilter);
    if (withBias) expectClose(f.db!, fRef.db!, kernelTol.Conv3DBackpropFilter);
    else expect(f.db).toBeNull();
  });
});

describe('conv3d autograd', () => {
  it.each([
    ['k3 p1 with bias', [2, 2, 3, 4, 3], [3, 2, 3, 3, 3], { padding: 1 }, true],
    [
      'stride 2 dilation (1,1,2)',
      [1, 2, 5, 4, 6],
      [2, 2, 2, 2, 3],
      { stride: [2, 1, 2], padding: [1, 0, 2], dilation: [1, 1, 2] },
      true,
    ],
    ['batch 1, no bias', [1, 1, 4, 4, 4], [2, 1, 3, 3, 3], { padding: 1 }, false],
  ] as [string, number[], number[], object, boolean][])('%s', (_name, xs, ws, opts, withBias) => {
    const g = new Generator(11);
    const x = randn(xs, g, { requiresGrad: true });
    const w = randn(ws, g, { requiresGrad: true });
    const b = withBias ? randn([ws[0]], g, { requiresGrad: true }) : null;
    const probe = randn(conv3d(x, w, b, opts).shape, g);
    const inputs = b ? [x, w, b] : [x, w];
    expect(gradientMismatches('conv3d', inputs, () => sum(mul(conv3d(x, w, b, opts), probe)))).toEqual([]);
  });

  it('skips the input gradient when the input needs none', () => {
    const g = new Generator(2);
    const x = randn([1, 1, 4, 4, 4], g); // an image: no gradient
    const w = randn([2, 1, 3, 3, 3], g, { requiresGrad: true });
    const spy = jest.spyOn(native, 'conv3dBackpropInput');
    sum(conv3d(x, w, null, { padding: 1 })).backward();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(w.grad!.shape).toEqual([2, 1, 3, 3, 3]);
    expect(x.grad).toBeNull();
  });

  it('propagates NaN without crashing', () => {
    const x = Tensor.zeros([1, 1, 3, 3, 3]);
    x.data[13] = NaN;
    const y = conv3d(x, Tensor.ones([1, 1, 3, 3, 3]), null, { padding: 1 });
    expect(Array.from(y.data).every(Number.isNaN)).toBe(true);
  });
});

describe('convTranspose3d', () => {
  /** The transposed conv by definition: scatter x[n,ci,i] * w[ci,co,k] to output o = i*s - p + k*d. */
  function naive(
    x: Tensor,
    w: Tensor,
    b: Tensor | null,
    s: number[],
    p: number[],
    d: number[],
    ys: number[],
  ): Float32Array {
    const [n, ci, D, H, W] = x.shape;
    const [, co, kd, kh, kw] = w.shape;
    const out = new Float64Array(prod(ys));
    for (let i = 0; i < n; i++)
      for (let c = 0; c < ci; c++)
        for (let z = 0; z < D; z++)
          for (let yy = 0; yy < H; yy++)
            for (let xx = 0; xx < W; xx++) {
              const v = x.data[(((i * ci + c) * D + z) * H + yy) * W + xx];
              for (let o = 0; o < co; o++)
                for (let a = 0; a < kd; a++)
                  for (let bb = 0; bb < kh; bb++)
                    for (let cc = 0; cc < kw; cc++) {
                      const od = z * s[0] - p[0] + a * d[0],
                        oh = yy * s[1] - p[1] + bb * d[1],
                        ow = xx * s[2] - p[2] + cc * d[2];
                      if (od < 0 || oh < 0 || ow < 0 || od >= ys[2] || oh >= ys[3] || ow >= ys[4]) continue;
                      out[(((i * co + o) * ys[2] + od) * ys[3] + oh) * ys[4] + ow] +=
                        v * w.data[(((c * co + o) * kd + a) * kh + bb) * kw + cc];
                    }
            }
    if (b) for (let i = 0; i < out.length; i++) out[i] += b.data[Math.floor(i / prod(ys.slice(2))) % co];
    return Float32Array.from(out);
  }

  it.each([
    ['stride 2 upsampling with bias', [2, 3, 3, 4, 2], [3, 2, 2, 2, 2], { stride: 2 }, [2, 2, 6, 8, 4], true],
    [
      'k3 s2 p1 outputPadding 1',
      [1, 2, 3, 3, 3],
      [2, 4, 3, 3, 3],
      { stride: 2, padding: 1, outputPadding: 1 },
      [1, 4, 6, 6, 6],
      false,
    ],
    ['stride 1 dilation 2', [1, 2, 4, 3, 5], [2, 3, 3, 2, 3], { dilation: 2, padding: 1 }, [1, 3, 6, 3, 7], true],
  ] as [
    string,
    number[],
    number[],
    { stride?: number; padding?: number; outputPadding?: number; dilation?: number },
    number[],
    boolean,
  ][])('%s: values and gradients', (_name, xs, ws, opts, ys, withBias) => {
    const g = new Generator(7);
    const x = randn(xs, g, { requiresGrad: true });
    const w = randn(ws, g, { requiresGrad: true });
    const b = withBias ? randn([ws[1]], g, { requiresGrad: true }) : null;
    const y = convTranspose3d(x, w, b, opts);
    expect(y.shape).toEqual(ys);
    const trip = (v: number | undefined, dflt: number) => [v ?? dflt, v ?? dflt, v ?? dflt];
    expectClose(
      y.data,
      naive(x, w, b, trip(opts.stride, 1), trip(opts.padding, 0), trip(opts.dilation, 1), ys),
      kernelTol.Conv3DBackpropInput,
    );
    const probe = randn(ys, g);
    const inputs = b ? [x, w, b] : [x, w];
    expect(
      gradientMismatches('convTranspose3d', inputs, () => sum(mul(convTranspose3d(x, w, b, opts), probe))),
    ).toEqual([]);
  });
});

describe('conv errors', () => {
  const x = Tensor.zeros([1, 2, 4, 4, 4]);
  const w = Tensor.zeros([3, 2, 3, 3, 3]);
  it.each([
    ['4-D input', () => conv3d(Tensor.zeros([2, 4, 4, 4]), w), /conv3d: input must be 5-D .* got shape \[2, 4, 4, 4\]/],
    ['4-D weight', () => conv3d(x, Tensor.zeros([3, 2, 3, 3])), /conv3d: weight must be 5-D/],
    [
      'channel mismatch',
      () => conv3d(x, Tensor.zeros([3, 5, 3, 3, 3])),
      /conv3d: input \[1, 2, 4, 4, 4\] has 2 channels but weight \[3, 5, 3, 3, 3\] expects 5/,
    ],
    [
      'kernel larger than input',
      () => conv3d(x, Tensor.zeros([3, 2, 5, 5, 5])),
      /conv3d: kernel \[3, 2, 5, 5, 5\] .* larger than input \[1, 2, 4, 4, 4\]/,
    ],
    ['stride 0', () => conv3d(x, w, null, { stride: 0 }), /conv3d: stride must be an integer >= 1/],
    ['negative padding', () => conv3d(x, w, null, { padding: -1 }), /conv3d: padding must be an integer >= 0/],
    ['fractional dilation', () => conv3d(x, w, null, { dilation: 1.5 }), /conv3d: dilation must be an integer >= 1/],
    [
      'a pair instead of a triple',
      () => conv3d(x, w, null, { stride: [1, 2] }),
      /conv3d: stride must be .* three of them/,
    ],
    ['bias of the wrong size', () => conv3d(x, w, Tensor.zeros([2])), /conv3d: bias must have shape \[3\], got \[2\]/],
    [
      'transposed channel mismatch',
      () => convTranspose3d(x, Tensor.zeros([3, 2, 3, 3, 3])),
      /convTranspose3d: input .* has 2 channels/,
    ],
    [
      'outputPadding >= stride',
      () => convTranspose3d(x, Tensor.zeros([2, 2, 3, 3, 3]), null, { outputPadding: 1 }),
      /outputPadding .* must be smaller than stride/,
    ],
  ] as [string, () => unknown, RegExp][])('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  const xs: Shape5 = [1, 2, 4, 4, 4];
  const ws: Shape5 = [3, 2, 3, 3, 3];
  const one: Triple = [1, 1, 1];
  const zero: Triple = [0, 0, 0];
  it.each([
    [
      'x shorter than its shape',
      () => native.conv3d(new Float32Array(5), xs, w.data, ws, null, one, zero, one),
      /conv3d: x has 5 elements but shape \[1, 2, 4, 4, 4\] needs 128/,
    ],
    [
      'w not a Float32Array',
      () => native.conv3d(x.data, xs, [1, 2] as unknown as Float32Array, ws, null, one, zero, one),
      /conv3d: w must be a Float32Array/,
    ],
    [
      'zero-size dimension',
      () => native.conv3d(new Float32Array(0), [0, 2, 4, 4, 4], w.data, ws, null, one, zero, one),
      /conv3d: input shape \[0, 2, 4, 4, 4\] has a zero dimension/,
    ],
    [
      'kernel larger than padded input',
      () => native.conv3d(x.data, xs, new Float32Array(3 * 2 * 125), [3, 2, 5, 5, 5], null, one, zero, one),
      /conv3d: kernel \[3, 2, 5, 5, 5\] .* larger than the padded input/,
    ],
    [
      'stride 0 in the binding',
      () => native.conv3d(x.data, xs, w.data, ws, null, zero, zero, one),
      /conv3d: stride entries must be >= 1/,
    ],
    [
      'bias length',
      () => native.conv3d(x.data, xs, w.data, ws, new Float32Array(2), one, zero, one),
      /conv3d: bias has 2 elements/,
    ],
    [
      'dy of the wrong shape',
      () => native.conv3dBackpropInput(new Float32Array(36), [1, 3, 2, 2, 3], w.data, ws, xs, one, zero, one),
      /conv3dBackpropInput: dy shape \[1, 3, 2, 2, 3\] does not match the output shape \[1, 3, 2, 2, 2\]/,
    ],
    [
      'dy length vs its shape',
      () => native.conv3dBackpropInput(new Float32Array(5), [1, 3, 2, 2, 2], w.data, ws, xs, one, zero, one),
      /conv3dBackpropInput: dy has 5 elements but shape \[1, 3, 2, 2, 2\] needs 24/,
    ],
    [
      'dy of the wrong shape (filter)',
      () => native.conv3dBackpropFilter(x.data, xs, new Float32Array(27), [1, 1, 3, 3, 3], ws, one, zero, one, false),
      /conv3dBackpropFilter: dy shape \[1, 1, 3, 3, 3\] does not match the output shape \[1, 3, 2, 2, 2\]/,
    ],
    [
      'unknown backend',
      () => native.conv3d(x.data, xs, w.data, ws, null, one, zero, one, 'gpu' as never),
      /unknown backend 'gpu'/,
    ],
  ] as [string, () => unknown, RegExp][])('binding: %s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  it('reads the autograd tolerance from tolerances.json', () => {
    expect(autogradTolerance('conv3d').eps).toBeGreaterThan(0);
  });
});
