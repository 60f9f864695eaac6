// Layers: parameter shapes and PyTorch default init bounds, BatchNorm3d buffers and modes,
// Dropout in train/eval, containers, and argument errors.
import { Generator, Tensor, noGrad, randn } from '@nodulab/tensor';
import {
  Conv3d,
  ConvTranspose3d,
  Linear,
  BatchNorm3d,
  Dropout,
  ReLU,
  LeakyReLU,
  Sigmoid,
  MaxPool3d,
  AvgPool3d,
  GlobalAvgPool3d,
  Sequential,
  Flatten,
  Identity,
} from '../src';

function maxAbs(t: Tensor): number {
  return t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('parameterized layers', () => {
  it.each([
    ['Conv3d', () => new Conv3d(4, 6, [3, 1, 2], { generator: new Generator(1) }), [6, 4, 3, 1, 2], 4 * 6],
    [
      'ConvTranspose3d',
      () => new ConvTranspose3d(4, 6, 2, { stride: 2, generator: new Generator(1) }),
      [4, 6, 2, 2, 2],
      6 * 8,
    ],
    ['Linear', () => new Linear(10, 3, { generator: new Generator(1) }), [3, 10], 10],
  ])('%s has PyTorch shapes and default init bounds 1/sqrt(fan_in)', (_name, build, wShape, fanIn) => {
    const layer = build();
    const [w, b] = [layer.weight, layer.bias!];
    expect(w.shape).toEqual(wShape);
    expect(b.shape).toEqual([wShape[_name === 'ConvTranspose3d' ? 1 : 0]]);
    const bound = 1 / Math.sqrt(fanIn);
    expect(maxAbs(w)).toBeLessThanOrEqual(bound);
    expect(maxAbs(w)).toBeGreaterThan(0.5 * bound);
    expect(maxAbs(b)).toBeLessThanOrEqual(bound);
    expect(build().weight.data).toEqual(w.data);
  });

  it('computes the shapes of a small pipeline', () => {
    const g = new Generator(2);
    const net = new Sequential(
      new Conv3d(1, 4, 3, { padding: 1, bias: false, generator: g }),
      new BatchNorm3d(4),
      new LeakyReLU(0.2),
      new MaxPool3d(2),
      new ConvTranspose3d(4, 2, 2, { stride: 2, generator: g }),
      new Sigmoid(),
      new AvgPool3d(2, { stride: 1 }),
      new ReLU(),
      new GlobalAvgPool3d(),
      new Flatten(),
      new Linear(2, 3, { generator: g }),
      new Identity(),
    );
    expect(net.forward(randn([2, 1, 6, 4, 4], g)).shape).toEqual([2, 3]);
    expect(net.length).toBe(12);
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '4.weight',
      '4.bias',
      '10.weight',
      '10.bias',
    ]);
    expect(new Conv3d(1, 1, 1, { bias: false }).bias).toBeNull();
  });

  it.each([
    [() => new Conv3d(0, 4, 3), /Conv3d: inChannels must be a positive integer, got 0/],
    [
      () => new Conv3d(1, 4, [3, 3] as unknown as [number, number, number]),
      /Conv3d: kernelSize must be an integer >= 1 or three of them, got \[3,3\]/,
    ],
    [() => new ConvTranspose3d(1, 4, 2, { stride: 0 }), /ConvTranspose3d: stride must be an integer >= 1/],
    [() => new Linear(3, 1.5), /Linear: outFeatures must be a positive integer, got 1.5/],
    [() => new BatchNorm3d(4, { momentum: 2 }), /BatchNorm3d: momentum must be in \[0, 1\] or null/],
    [() => new Dropout(1.5), /Dropout: p must be in \[0, 1\]/],
    [
      () => new BatchNorm3d(3).forward(Tensor.zeros([2, 4, 2, 2, 2])),
      /BatchNorm3d: expected input \(N, 3, D, H, W\), got shape \[2, 4, 2, 2, 2\]/,
    ],
  ])('rejects bad arguments %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('BatchNorm3d', () => {
  /** Per-channel mean and unbiased variance of x (N,C,D,H,W). */
  function stats(x: Tensor): { mean: number[]; unbiasedVar: number[] } {
    const [n, c] = x.shape;
    const s = x.size / (n * c);
    const mean: number[] = [],
      unbiasedVar: number[] = [];
    for (let ch = 0; ch < c; ch++) {
      const vals: number[] = [];
      for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) vals.push(x.data[(b * c + ch) * s + i]);
      const m = vals.reduce((a, v) => a + v, 0) / vals.length;
      mean.push(m);
      unbiasedVar.push(vals.reduce((a, v) => a + (v - m) ** 2, 0) / (vals.length - 1));
    }
    return { mean, unbiasedVar };
  }

  it('tracks running statistics with momentum and counts batches, like PyTorch', () => {
    const bn = new BatchNorm3d(3, { momentum: 0.25 });
    const g = new Generator(4);
    const xs = [randn([2, 3, 2, 3, 2], g), randn([2, 3, 2, 3, 2], g)];
    let rm = [0, 0, 0],
      rv = [1, 1, 1];
    for (const x of xs) {
      bn.forward(x);
      const { mean, unbiasedVar } = stats(x);
      rm = rm.map((r, i) => 0.75 * r + 0.25 * mean[i]);
      rv = rv.map((r, i) => 0.75 * r + 0.25 * unbiasedVar[i]);
    }
    rm.forEach((r, i) => expect(bn.runningMean!.data[i]).toBeCloseTo(r, 5));
    rv.forEach((r, i) => expect(bn.runningVar!.data[i]).toBeCloseTo(r, 5));
    expect(bn.numBatchesTracked!.data[0]).toBe(2);
    // eval: running statistics, nothing updated
    bn.eval();
    const y = bn.forward(xs[0]);
    expect(y.data[0]).toBeCloseTo((xs[0].data[0] - rm[0]) / Math.sqrt(rv[0] + 1e-5), 4);
    expect(bn.numBatchesTracked!.data[0]).toBe(2);
  });

  it('uses a cumulative average when momentum is null, and batch statistics without tracking', () => {
    const bn = new BatchNorm3d(1, { momentum: null });
    const g = new Generator(8);
    const xs = [randn([2, 1, 2, 2, 2], g), randn([2, 1, 2, 2, 2], g), randn([2, 1, 2, 2, 2], g)];
    xs.forEach((x) => bn.forward(x));
    const avg = xs.map((x) => stats(x).mean[0]).reduce((a, b) => a + b, 0) / 3;
    expect(bn.runningMean!.data[0]).toBeCloseTo(avg, 5);
    const untracked = new BatchNorm3d(1, { trackRunningStats: false }).eval();
    expect(untracked.buffers()).toEqual([]);
    const y = untracked.forward(xs[0]);
    expect(stats(y).mean[0]).toBeCloseTo(0, 5);
  });
});

describe('Sequential runs Conv3d, BatchNorm3d, ReLU (, MaxPool3d) as one inference call', () => {
  // The block in eval mode under noGrad (fused: BN folded into the conv) against the same modules with a
  // no-op hook on the conv (which keeps the conv on its own), from the same weights and statistics.
  it.each([
    ['with MaxPool3d', true],
    ['without a pool', false],
  ])('same values as the modules one by one: %s', (_n, withPool) => {
    const g = new Generator(21);
    const conv = new Conv3d(2, 4, 3, { padding: 1, bias: true, generator: g });
    const bn = new BatchNorm3d(4);
    bn.weight!.data.set([0.5, 1.5, -1, 2]);
    bn.bias!.data.set([0.2, -0.3, 0.1, 0]);
    bn.runningMean!.data.set([0.1, -0.2, 0.3, 0]);
    bn.runningVar!.data.set([0.8, 1.2, 1.5, 0.5]);
    const layers = [conv, bn, new ReLU(), ...(withPool ? [new MaxPool3d(2)] : [])];
    const seq = new Sequential(...layers).eval();
    const x = randn([2, 2, 5, 6, 4], g);
    const fused = noGrad(() => seq.forward(x));
    const handle = conv.registerForwardHook(() => undefined);
    const plain = noGrad(() => seq.forward(x));
    handle.remove();
    expect(fused.shape).toEqual(withPool ? [2, 4, 2, 3, 2] : [2, 4, 5, 6, 4]);
    expect(plain.shape).toEqual(fused.shape);
    expect(fused.data.some((v) => v > 0) && (withPool || fused.data.some((v) => v === 0))).toBe(true);
    Array.from(fused.data).forEach((v, i) => expect(v).toBeCloseTo(plain.data[i], 5));
    expect(fused.gradFn).toBeFalsy(); // inference: no graph
  });

  it('stays unfused in training mode and when gradients are wanted', () => {
    const g = new Generator(22);
    const conv = new Conv3d(1, 2, 3, { padding: 1, generator: g });
    const seq = new Sequential(conv, new BatchNorm3d(2), new ReLU()).eval();
    const x = randn([1, 1, 4, 4, 4], g);
    const y = seq.forward(x); // gradients enabled and the weights require them: the ops run one by one
    expect(y.gradFn!.name).toBe('batchNormRelu3d');
    y.backward(Tensor.ones(y.shape));
    expect(conv.weight.grad!.data.some((v) => v !== 0)).toBe(true);
    // Training mode under noGrad: BatchNorm normalises with the batch's statistics, so no folding.
    seq.train();
    const handle = conv.registerForwardHook(() => undefined); // keeps the conv on its own
    const plain = noGrad(() => seq.forward(x));
    handle.remove();
    expect(noGrad(() => seq.forward(x)).data).toEqual(plain.data);
  });
});

describe('Dropout', () => {
  it('drops and rescales in training, reproducibly, and is the identity in eval', () => {
    const x = Tensor.ones([1000]);
    const y = new Dropout(0.3, new Generator(1)).forward(x);
    const kept = y.data.filter((v) => v !== 0);
    expect(kept.length).toBeGreaterThan(620);
    expect(kept.length).toBeLessThan(780);
    kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.7, 5));
    expect(new Dropout(0.3, new Generator(1)).forward(x).data).toEqual(y.data);
    expect(new Dropout(0.3).eval().forward(x).data).toEqual(x.data);
  });
});

describe('Sequential fuses BatchNorm3d + ReLU', () => {
  // Runs (bn, relu) fused inside a Sequential and unfused (each module alone), in training then
  // evaluation mode, from the same starting state; values, gradients and running statistics agree.
  it.each([['training'], ['evaluation']])('same results as running the modules one by one: %s', (mode) => {
    const make = () => {
      const bn = new BatchNorm3d(3);
      bn.weight!.data.set([0.5, 1.5, -1]);
      bn.bias!.data.set([0.2, -0.3, 0.1]);
      bn.runningMean!.data.set([0.1, -0.2, 0.3]);
      bn.runningVar!.data.set([0.8, 1.2, 1.5]);
      return { bn, relu: new ReLU() };
    };
    const x = randn([2, 3, 3, 4, 2], new Generator(4));
    const w = randn([2, 3, 3, 4, 2], new Generator(5));
    const runOnce = (fused: boolean) => {
      const { bn, relu } = make();
      const seq = new Sequential(bn, relu);
      if (mode === 'evaluation') seq.eval();
      const xi = new Tensor(x.data.slice(), x.shape, { requiresGrad: true });
      const y = fused ? seq.forward(xi) : relu.forward(bn.forward(xi));
      let loss = 0;
      y.data.forEach((v, i) => (loss += v * w.data[i]));
      y.backward(w);
      return {
        y: y.data,
        loss,
        dx: xi.grad!.data,
        dw: bn.weight!.grad!.data,
        db: bn.bias!.grad!.data,
        rm: bn.runningMean!.data,
        keys: Object.keys(seq.stateDict()),
        op: y.gradFn!.name,
      };
    };
    const a = runOnce(true),
      b = runOnce(false);
    expect([a.op, b.op]).toEqual(['batchNormRelu3d', 'relu']); // one fused node vs two ops
    expect(a.y.some((v) => v === 0) && a.y.some((v) => v > 0)).toBe(true);
    for (const k of ['y', 'dx', 'dw', 'db', 'rm'] as const) {
      Array.from(a[k]).forEach((v, i) => expect(v).toBeCloseTo(b[k][i], 5));
    }
    expect(a.keys).toEqual(['0.weight', '0.bias', '0.running_mean', '0.running_var', '0.num_batches_tracked']);
  });

  it.each([['training'], ['evaluation']])(
    'BatchNorm3d, ReLU, MaxPool3d fuse into one block with the same results: %s',
    (mode) => {
      const x = randn([2, 3, 4, 6, 4], new Generator(8));
      const w = randn([2, 3, 2, 3, 2], new Generator(9));
      const runOnce = (fused: boolean) => {
        const bn = new BatchNorm3d(3),
          relu = new ReLU(),
          pool = new MaxPool3d(2);
        bn.weight!.data.set([0.5, 1.5, -1]);
        bn.runningVar!.data.set([0.8, 1.2, 1.5]);
        const seq = new Sequential(bn, relu, pool);
        if (mode === 'evaluation') seq.eval();
        const xi = new Tensor(x.data.slice(), x.shape, { requiresGrad: true });
        const y = fused ? seq.forward(xi) : pool.forward(relu.forward(bn.forward(xi)));
        y.backward(w);
        return {
          y: y.data,
          shape: y.shape,
          dx: xi.grad!.data,
          dw: bn.weight!.grad!.data,
          rv: bn.runningVar!.data,
          op: y.gradFn!.name,
        };
      };
      const a = runOnce(true),
        b = runOnce(false);
      expect([a.op, b.op]).toEqual(['batchNormReluMaxPool3d', 'maxPool3d']);
      expect(a.shape).toEqual([2, 3, 2, 3, 2]);
      for (const k of ['y', 'dx', 'dw', 'rv'] as const) {
        Array.from(a[k]).forEach((v, i) => expect(v).toBeCloseTo(b[k][i], 5));
      }
    },
  );

  it('does not fuse a ReLU whose forward was replaced', () => {
    const relu = new ReLU();
    relu.forward = (t: Tensor) => t; // e.g. a feature probe: must run as written
    const seq = new Sequential(new BatchNorm3d(2), relu);
    const y = seq.forward(randn([2, 2, 2, 2, 2], new Generator(6)));
    expect(y.data.some((v) => v < 0)).toBe(true);
  });
});
