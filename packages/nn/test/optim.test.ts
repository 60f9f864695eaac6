// Optimizers against the update rules of torch.optim's documentation, computed here in float64:
// a few steps on a tiny quadratic f(p) = sum(a p^2 / 2 - b p), whose gradient is a p - b.
import { Tensor } from '@nodulab/tensor';
import { SGD, Adam, AdamW, SGDOptions, AdamOptions } from '../src';

const A = [1, 3, 0.5, 2];
const B = [0.5, -1, 2, 0];
const P0 = [1, -2, 0.5, 3];
const STEPS = 6;

function grad(p: ArrayLike<number>): number[] {
  return A.map((a, i) => a * p[i] - B[i]);
}

/** Runs `steps` optimizer steps on the quadratic and returns the parameter. */
function run(make: (p: Tensor[]) => { step(): void }, steps = STEPS): Float32Array {
  const p = Tensor.from(P0, [4]);
  const opt = make([p]);
  for (let t = 0; t < steps; t++) {
    p.grad = Tensor.from(grad(p.data), [4]);
    opt.step();
  }
  return p.data;
}

/** torch.optim.SGD's documented algorithm, elementwise in float64. */
function sgdReference(o: Partial<SGDOptions> & { lr: number }): number[] {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = o;
  const p = [...P0];
  let b: number[] | null = null;
  for (let t = 0; t < STEPS; t++) {
    let g = grad(p).map((gi, i) => gi + weightDecay * p[i]);
    if (momentum !== 0) {
      b = b ? b.map((bi, i) => momentum * bi + (1 - dampening) * g[i]) : [...g];
      g = nesterov ? g.map((gi, i) => gi + momentum * b![i]) : [...b];
    }
    for (let i = 0; i < 4; i++) p[i] -= lr * g[i];
  }
  return p;
}

/** torch.optim.Adam / AdamW's documented algorithm (bias-corrected moments), in float64. */
function adamReference(o: Partial<AdamOptions>, decoupled: boolean): number[] {
  const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = decoupled ? 1e-2 : 0, amsgrad = false } = o;
  const p = [...P0];
  const m = [0, 0, 0, 0],
    v = [0, 0, 0, 0],
    vmax = [0, 0, 0, 0];
  for (let t = 1; t <= STEPS; t++) {
    const g = grad(p);
    for (let i = 0; i < 4; i++) {
      if (decoupled) p[i] -= lr * weightDecay * p[i];
      else g[i] += weightDecay * p[i];
      m[i] = betas[0] * m[i] + (1 - betas[0]) * g[i];
      v[i] = betas[1] * v[i] + (1 - betas[1]) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      const mHat = m[i] / (1 - betas[0] ** t);
      const vHat = (amsgrad ? vmax[i] : v[i]) / (1 - betas[1] ** t);
      p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return p;
}

function expectClose(actual: Float32Array, expected: number[]): void {
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(e))));
}

describe('SGD', () => {
  it.each([
    ['plain', { lr: 0.1 }],
    ['weight decay', { lr: 0.1, weightDecay: 0.05 }],
    ['momentum', { lr: 0.05, momentum: 0.9 }],
    ['momentum + dampening', { lr: 0.05, momentum: 0.9, dampening: 0.3 }],
    ['nesterov + weight decay', { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }],
  ])('%s follows torch.optim.SGD', (_name, o) => {
    const expected = sgdReference(o as SGDOptions);
    expect(expected).not.toEqual(P0);
    expectClose(
      run((p) => new SGD(p, o as SGDOptions)),
      expected,
    );
  });

  it('rejects nesterov without momentum and bad hyperparameters', () => {
    const p = [Tensor.zeros([1])];
    expect(() => new SGD(p, { lr: 0.1, nesterov: true })).toThrow(
      /nesterov momentum requires momentum > 0 and dampening = 0/,
    );
    expect(() => new SGD(p, { lr: -1 })).toThrow(/SGD: lr must be a number in \[0, Infinity\]/);
    expect(() => new SGD([{ params: p, lr: 0.1, mommentum: 0.9 } as never], { lr: 0.1 })).toThrow(
      /unknown option "mommentum"/,
    );
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
  });

  it('uses per-group hyperparameters and skips parameters without a gradient', () => {
    const a = Tensor.from([1], [1]),
      b = Tensor.from([1], [1]),
      c = Tensor.from([1], [1]);
    const opt = new SGD([{ params: [a] }, { params: [b, c], lr: 0.5 }], { lr: 0.1 });
    a.grad = Tensor.from([1], [1]);
    b.grad = Tensor.from([1], [1]);
    opt.step();
    expect([a.data[0], b.data[0], c.data[0]]).toEqual([Math.fround(0.9), 0.5, 1]);
  });
});

describe('Adam and AdamW', () => {
  it.each([
    ['Adam', false, { lr: 0.1 }],
    ['Adam + L2 weight decay', false, { lr: 0.1, weightDecay: 0.1, betas: [0.8, 0.99] }],
    ['Adam amsgrad', false, { lr: 0.1, amsgrad: true }],
    ['AdamW default decay', true, { lr: 0.1 }],
    ['AdamW strong decay', true, { lr: 0.1, weightDecay: 0.5, eps: 1e-6 }],
  ])('%s follows torch.optim', (_name, decoupled, o) => {
    const expected = adamReference(o as AdamOptions, decoupled as boolean);
    const Ctor = decoupled ? AdamW : Adam;
    expectClose(
      run((p) => new Ctor(p, o as AdamOptions)),
      expected,
    );
  });

  it('AdamW and Adam differ exactly by decoupling the decay', () => {
    const o = { lr: 0.1, weightDecay: 0.2 };
    expect(Array.from(run((p) => new AdamW(p, o)))).not.toEqual(Array.from(run((p) => new Adam(p, o))));
  });
});

describe('optimizer state dict', () => {
  it.each([
    ['SGD nesterov', (p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['AdamW amsgrad', (p: Tensor[]) => new AdamW(p, { lr: 0.05, amsgrad: true })],
  ])('%s resumes bit-identically', (_name, make) => {
    const straight = run(make, 6);
    const p = Tensor.from(P0, [4]);
    const first = make([p]);
    for (let t = 0; t < 3; t++) {
      p.grad = Tensor.from(grad(p.data), [4]);
      first.step();
    }
    const sd = first.stateDict();
    const q = Tensor.from(p.data, [4]);
    const second = make([q]);
    second.loadStateDict(sd);
    first.step(); // the snapshot must not change with the original
    for (let t = 0; t < 3; t++) {
      q.grad = Tensor.from(grad(q.data), [4]);
      second.step();
    }
    expect(Array.from(q.data)).toEqual(Array.from(straight));
  });

  it('restores hyperparameters and rejects a state of another shape', () => {
    const p = Tensor.zeros([2]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = Tensor.ones([2]);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, params: [0] });
    const other = new SGD([Tensor.zeros([3])], { lr: 0.5, momentum: 0.9 });
    expect(() => other.loadStateDict(sd)).toThrow(/momentum_buffer" of parameter 0 does not match its shape \[3\]/);
    const same = new SGD([Tensor.zeros([2])], { lr: 0.5, momentum: 0.9 });
    same.loadStateDict(sd);
    expect(same.paramGroups[0].lr).toBe(0.1);
  });
});
