// prune(): magnitude pruning reaches the requested sparsity exactly (per layer and globally), prunes the
// smallest |w|, keeps its masks through Adam steps, checkpoint save -> load (also into a model built
// unpruned) and the forward-pass worker, and names a bad sparsity or mask.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Generator, Tensor, crossEntropy, noGrad, randn } from '@nodulab/tensor';
import {
  Adam,
  Conv3d,
  Flatten,
  ForwardWorker,
  Linear,
  Module,
  NoduleNet3D,
  Sequential,
  SGD,
  createModel,
  formatSparsityReport,
  loadCheckpoint,
  prune,
  pruningMask,
  saveCheckpoint,
  saveSafetensors,
  sparsityReport,
} from '../../src';

jest.setTimeout(60_000);

/** A conv and two linear layers of different sizes (3*2*27 = 162, 40*12 = 480, 12*3 = 36 weights). */
function toy(seed = 1): Sequential {
  const g = new Generator(seed);
  return new Sequential(
    new Conv3d(2, 3, 3, { generator: g }),
    new Flatten(),
    new Linear(40, 12, { generator: g }),
    new Linear(12, 3, { generator: g }),
  );
}

const weights = (m: Module) => m.namedParameters().filter(([n]) => n.endsWith('weight'));
const zeroCount = (t: Tensor) => t.data.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
const zeroSet = (t: Tensor) =>
  Array.from(t.data)
    .flatMap((v, i) => (v === 0 ? [i] : []))
    .join();

describe('prune', () => {
  it('prunes exactly the smallest weights of a hand-written layer, ties in index order', () => {
    const lin = new Linear(6, 1, { bias: false });
    lin.weight.data.set([0.5, -0.1, 0.3, -0.2, 0.05, 0.9]);
    prune(lin, { sparsity: 0.5, scope: 'layer' });
    expect(Array.from(lin.weight.data)).toEqual([0.5, 0, 0.3, 0, 0, 0.9].map(Math.fround));
    expect(Array.from(pruningMask(lin.weight)!.data)).toEqual([1, 0, 1, 0, 0, 1]);
    const tied = new Linear(4, 1, { bias: false });
    tied.weight.data.fill(1);
    prune(tied, { sparsity: 0.5 });
    expect(Array.from(tied.weight.data)).toEqual([0, 0, 1, 1]);
  });

  it.each([0.1, 0.3, 0.5, 0.9])(
    "scope 'layer' at sparsity %p: each layer exactly round(s n), the smallest |w|",
    (s) => {
      const model = toy();
      const before = weights(model).map(([, w]) => Float32Array.from(w.data));
      const report = prune(model, { sparsity: s, scope: 'layer' });
      weights(model).forEach(([name, w], i) => {
        expect(zeroCount(w)).toBe(Math.round(s * w.size));
        const pruned = before[i].filter((_, k) => w.data[k] === 0).map(Math.abs);
        const kept = before[i].filter((_, k) => w.data[k] !== 0).map(Math.abs);
        expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
        const row = report.layers.find((l) => `${l.name}.weight` === name)!;
        expect(row.pruned).toBe(Math.round(s * w.size));
        expect(row.masked).toBe(true);
      });
      const biases = model.namedParameters().filter(([n]) => n.endsWith('bias'));
      for (const [, b] of biases) expect(zeroCount(b)).toBe(0);
    },
  );

  it.each([0.2, 0.5, 0.75])("scope 'global' at sparsity %p: exactly round(s N) over all layers, one threshold", (s) => {
    const model = toy();
    const all = weights(model).flatMap(([, w]) => Array.from(w.data, Math.abs));
    const report = prune(model, { sparsity: s, scope: 'global' });
    const total = all.length;
    expect(report.total.size).toBe(total);
    expect(report.total.pruned).toBe(Math.round(s * total));
    expect(report.total.sparsity).toBeCloseTo(Math.round(s * total) / total, 12);
    const after = weights(model).flatMap(([, w]) => Array.from(w.data));
    const pruned = all.filter((_, k) => after[k] === 0);
    const kept = all.filter((_, k) => after[k] !== 0);
    expect(Math.max(...pruned)).toBeLessThanOrEqual(Math.min(...kept));
    // One ranking over all layers: the layers end up with different sparsities.
    const perLayer = report.layers.map((l) => l.sparsity);
    expect(Math.max(...perLayer) - Math.min(...perLayer)).toBeGreaterThan(0.01);
  });

  it('pruning again keeps the old zeros and reaches the new sparsity; pruning less is an error', () => {
    const model = toy();
    prune(model, { sparsity: 0.3, scope: 'layer' });
    const first = weights(model).map(([, w]) => zeroSet(w).split(','));
    prune(model, { sparsity: 0.6, scope: 'layer' });
    weights(model).forEach(([, w], i) => {
      expect(zeroCount(w)).toBe(Math.round(0.6 * w.size));
      const now = new Set(zeroSet(w).split(','));
      for (const k of first[i]) expect(now.has(k)).toBe(true);
    });
    expect(() => prune(model, { sparsity: 0.5, scope: 'layer' })).toThrow(
      /sparsity 0\.5 is below the 0\.5988 of 0\.weight pruned already/,
    );
  });

  it.each([1, -0.1, 1.5, NaN, '0.5'])('a sparsity of %p is an error naming it', (s) => {
    const model = toy();
    expect(() => prune(model, { sparsity: s as number })).toThrow(
      `prune: sparsity must be a number in [0, 1), got ${s}`,
    );
    expect(sparsityReport(model).total.pruned).toBe(0);
  });

  it('names a bad scope and a model without prunable layers', () => {
    expect(() => prune(toy(), { sparsity: 0.5, scope: 'row' as 'layer' })).toThrow(
      /scope must be 'global' or 'layer', got "row"/,
    );
    expect(() => prune(new Flatten(), { sparsity: 0.5 })).toThrow(
      /Flatten has no Conv3d, ConvTranspose3d or Linear layer/,
    );
  });

  it('formats the report as a table with one row per layer and a total', () => {
    const model = toy();
    prune(model, { sparsity: 0.5, scope: 'layer' });
    const text = formatSparsityReport(sparsityReport(model));
    const lines = text.split('\n');
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(lines[1]).toMatch(/^0\s+Conv3d\s+162\s+81\s+0\.5000$/);
    expect(lines[4]).toMatch(/^total\s+678\s+339\s+0\.5000$/);
  });
});

describe('masks through training, checkpoints and the worker', () => {
  const x = () => randn([4, 1, 16, 16, 16], new Generator(7));
  const labels = [0, 1, 1, 0];

  function adamSteps(model: Module, n: number, lr = 0.05): void {
    const opt = new Adam(model.parameters(), { lr });
    model.train();
    for (let i = 0; i < n; i++) {
      opt.zeroGrad();
      crossEntropy(model.forward(x()), labels).backward();
      opt.step();
    }
  }

  it('pruned weights stay zero after Adam and SGD steps while the others train', () => {
    const model = new NoduleNet3D({ seed: 3, widthMultiplier: 0.5 });
    prune(model, { sparsity: 0.7, scope: 'global' });
    const zeros = weights(model).map(([, w]) => zeroSet(w));
    const kept = weights(model).map(([, w]) => Float32Array.from(w.data));
    adamSteps(model, 3);
    const sgd = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
    sgd.zeroGrad();
    crossEntropy(model.forward(x()), labels).backward();
    sgd.step();
    weights(model).forEach(([, w], i) => expect(zeroSet(w)).toBe(zeros[i]));
    const changed = weights(model).filter(([, w], i) => w.data.some((v, k) => v !== kept[i][k]));
    expect(changed.length).toBe(weights(model).length);
    expect(sparsityReport(model).total.pruned).toBe(Math.round(0.7 * sparsityReport(model).total.size));
  });

  it('save -> load keeps the masks, also into a model built unpruned, and they hold in training after', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-prune-'));
    try {
      const model = new NoduleNet3D({ seed: 4, widthMultiplier: 0.5 });
      prune(model, { sparsity: 0.5, scope: 'layer' });
      adamSteps(model, 2);
      const file = path.join(dir, 'pruned.safetensors');
      saveCheckpoint(model, file);
      expect(Object.keys(model.stateDict())).toContain('features.0.weight_mask');

      const fresh = createModel(model.spec); // unpruned, other weights
      loadCheckpoint(fresh, file);
      expect(fresh.stateDict()).toEqual(model.stateDict());
      expect(sparsityReport(fresh)).toEqual(sparsityReport(model));
      const zeros = weights(fresh).map(([, w]) => zeroSet(w));
      adamSteps(fresh, 2);
      weights(fresh).forEach(([, w], i) => expect(zeroSet(w)).toBe(zeros[i]));

      // A dense state dict loaded into the pruned model non-strictly is masked on the way in.
      const dense = createModel(model.spec).stateDict();
      fresh.loadStateDict(dense, { strict: false });
      weights(fresh).forEach(([, w], i) => expect(zeroSet(w)).toBe(zeros[i]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a mask that is not 0/1 or has the wrong shape fails the load naming its key, and changes nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-prune-'));
    try {
      const model = new NoduleNet3D({ seed: 5, widthMultiplier: 0.5 });
      prune(model, { sparsity: 0.5 });
      const sd = model.stateDict();
      sd['classifier.weight_mask'].data[3] = 0.5;
      const file = path.join(dir, 'bad.safetensors');
      saveSafetensors(file, sd);
      const fresh = createModel(model.spec);
      const before = fresh.stateDict();
      expect(() => loadCheckpoint(fresh, file)).toThrow(
        /bad\.safetensors.*pruning mask "classifier\.weight_mask"\[3\] is 0\.5, not 0 or 1/,
      );
      expect(fresh.stateDict()).toEqual(before);
      expect(sparsityReport(fresh).total.pruned).toBe(0);
      sd['classifier.weight_mask'] = Tensor.ones([2, 3]);
      saveSafetensors(file, sd);
      expect(() => loadCheckpoint(fresh, file)).toThrow(
        /pruning mask "classifier\.weight_mask" does not have its weight's shape \[2, 32\]/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a ForwardWorker of a pruned model (its replica pruned alike) gives the synchronous bits', async () => {
    const model = new NoduleNet3D({ seed: 6, widthMultiplier: 0.5 });
    prune(model, { sparsity: 0.8 });
    model.eval();
    const worker = new ForwardWorker(model);
    try {
      const sync = noGrad(() => model.forward(x()));
      const got = await worker.forward(x());
      expect(Array.from(got.data)).toEqual(Array.from(sync.data));
    } finally {
      await worker.close();
    }
  });
});
