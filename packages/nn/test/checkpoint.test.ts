// saveCheckpoint / loadCheckpoint with optimizer and scheduler state: an interrupted run resumes
// bit-identically; the file stays a plain safetensors state dict; mismatches name the file; an
// incomplete or inconsistent optimizer / scheduler state fails at load, naming the file and the key.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, mul, sum } from '@nodulab/tensor';
import {
  Module,
  Adam,
  SGD,
  StepLR,
  saveCheckpoint,
  loadCheckpoint,
  loadSafetensors,
  encodeSafetensors,
  copyModelCheckpoint,
} from '../src';

/** loss = sum((w * x - 1)^2)-like toy: y = w * x, with a buffer, trained by hand-made gradients. */
class Toy extends Module {
  readonly w: Tensor;
  constructor(init: number[]) {
    super();
    this.w = this.registerParameter('w', Tensor.from(init, [init.length]));
    this.registerBuffer('steps', Tensor.zeros([]));
  }
  override forward(x: Tensor): Tensor {
    return mul(this.w, x);
  }
}

const X = Tensor.from([1, -2, 0.5], [3]);

function trainSteps(model: Toy, opt: Adam, sched: StepLR, n: number): void {
  for (let s = 0; s < n; s++) {
    opt.zeroGrad();
    const y = model.forward(X);
    sum(mul(y, y)).backward();
    opt.step();
    sched.step();
  }
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-ckpt-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('checkpoint', () => {
  it('saves auxiliary modules beside the model, restores them by name, and a model-only load ignores them', () => {
    const file = path.join(dir, 'aux.safetensors');
    const model = new Toy([1, 2, 3]);
    const momentum = new Toy([4, 5, 6]);
    momentum.w.data[0] = 7;
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    saveCheckpoint(model, file, { optimizer: opt, auxiliary: { moco: momentum } });
    expect(Object.keys(loadSafetensors(file).tensors).sort()).toEqual([
      'auxiliary.moco.steps',
      'auxiliary.moco.w',
      'steps',
      'w',
    ]);

    const plain = new Toy([0, 0, 0]);
    loadCheckpoint(plain, file);
    expect(Array.from(plain.w.data)).toEqual([1, 2, 3]);
    const restored = new Toy([0, 0, 0]);
    loadCheckpoint(new Toy([0, 0, 0]), file, { auxiliary: { moco: restored } });
    expect(Array.from(restored.w.data)).toEqual([7, 5, 6]);

    // A missing or mismatched auxiliary module fails naming it, and nothing changes.
    const other = new Toy([0, 0, 0]);
    expect(() => loadCheckpoint(other, file, { auxiliary: { ema: new Toy([0, 0, 0]) } })).toThrow(
      `loadCheckpoint(${file}): no auxiliary module "ema" was saved`,
    );
    const wrong = new Toy([0, 0]);
    expect(() =>
      loadCheckpoint(other, file, {
        optimizer: new SGD(other.parameters(), { lr: 0.1, momentum: 0.9 }),
        auxiliary: { moco: wrong },
      }),
    ).toThrow(/auxiliary module "moco": .*w/);
    expect(Array.from(other.w.data)).toEqual([0, 0, 0]);
    expect(Array.from(wrong.w.data)).toEqual([0, 0]);

    const copy = path.join(dir, 'model.safetensors');
    copyModelCheckpoint(file, copy);
    expect(Object.keys(loadSafetensors(copy).tensors).sort()).toEqual(['steps', 'w']);
  });

  it('resumes model, optimizer and schedule exactly', () => {
    const make = (init: number[]) => {
      const model = new Toy(init);
      const opt = new Adam(model.parameters(), { lr: 0.1, amsgrad: true });
      return { model, opt, sched: new StepLR(opt, 2, 0.5) };
    };
    const straight = make([1, 2, 3]);
    trainSteps(straight.model, straight.opt, straight.sched, 6);

    const a = make([1, 2, 3]);
    trainSteps(a.model, a.opt, a.sched, 3);
    const file = path.join(dir, 'run.safetensors');
    saveCheckpoint(a.model, file, { optimizer: a.opt, scheduler: a.sched, metadata: { epoch: '3' } });

    const b = make([9, 9, 9]);
    expect(loadCheckpoint(b.model, file, { optimizer: b.opt, scheduler: b.sched })).toEqual({ epoch: '3' });
    expect(b.opt.paramGroups[0].lr).toBe(a.opt.paramGroups[0].lr);
    trainSteps(b.model, b.opt, b.sched, 3);
    expect(Array.from(b.model.w.data)).toEqual(Array.from(straight.model.w.data));
    expect(b.opt.paramGroups[0].lr).toBe(straight.opt.paramGroups[0].lr);

    // Still an ordinary state dict: model keys plus namespaced optimizer buffers.
    expect(Object.keys(loadSafetensors(file).tensors).sort()).toEqual([
      'optimizer.state.0.exp_avg',
      'optimizer.state.0.exp_avg_sq',
      'optimizer.state.0.max_exp_avg_sq',
      'steps',
      'w',
    ]);
  });

  it('explains what is missing or mismatched, naming the file', () => {
    const file = path.join(dir, 'model-only.safetensors');
    const model = new Toy([1, 2, 3]);
    saveCheckpoint(model, file);
    expect(() => loadCheckpoint(new Toy([0, 0, 0]), file, { optimizer: new Adam(model.parameters()) })).toThrow(
      `loadCheckpoint(${file}): no optimizer state was saved`,
    );
    const withSgd = path.join(dir, 'sgd.safetensors');
    saveCheckpoint(model, withSgd, { optimizer: new SGD(model.parameters(), { lr: 0.1 }) });
    expect(() => loadCheckpoint(new Toy([0, 0, 0]), withSgd, { optimizer: new Adam(model.parameters()) })).toThrow(
      /saved optimizer is SGD, not Adam/,
    );
    // A checkpoint whose optimizer state does not fit leaves the model untouched.
    const small = new Toy([5, 5]);
    const withAdam = path.join(dir, 'adam.safetensors');
    const big = new Toy([1, 2]);
    const bigOpt = new Adam(big.parameters(), { amsgrad: true });
    big.w.grad = Tensor.from([1, 1], [2]);
    bigOpt.step();
    saveCheckpoint(big, withAdam, { optimizer: bigOpt });
    const shrunk = new Adam([small.w, Tensor.zeros([3])], { amsgrad: true });
    expect(() => loadCheckpoint(small, withAdam, { optimizer: shrunk })).toThrow(
      /group 0 has 1 parameters, optimizer has 2/,
    );
    expect(Array.from(small.w.data)).toEqual([5, 5]);
    expect(() => loadCheckpoint(new Toy([0, 0]), file)).toThrow(
      /shape mismatch for "w": checkpoint has \[3\], model has \[2\]/,
    );
  });

  /** A checkpoint of a Toy after 2 steps of Adam (AMSGrad) + StepLR, edited by `edit` before it is written. */
  function editedCheckpoint(
    edit: (tensors: Record<string, Tensor>, metadata: Record<string, string>) => void,
    sgd = false,
  ): string {
    const model = new Toy([1, 2, 3]);
    const opt = sgd
      ? new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
      : new Adam(model.parameters(), { lr: 0.1, amsgrad: true });
    const sched = new StepLR(opt, 2, 0.5);
    for (let s = 0; s < 2; s++) {
      opt.zeroGrad();
      sum(mul(model.forward(X), model.forward(X))).backward();
      opt.step();
      sched.step();
    }
    const good = path.join(dir, 'good.safetensors');
    saveCheckpoint(model, good, { optimizer: opt, scheduler: sched });
    const { tensors, metadata } = loadSafetensors(good);
    edit(tensors, metadata);
    const file = path.join(dir, 'edited.safetensors');
    fs.writeFileSync(file, encodeSafetensors(tensors, metadata));
    return file;
  }

  /** Edits the JSON held in metadata `key` (the parsed JSON is loosely typed on purpose: tests break it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const editMeta = (key: string) => (m: Record<string, string>, edit: (o: Json) => void) => {
    const o = JSON.parse(m[key]);
    edit(o);
    m[key] = JSON.stringify(o);
  };
  const optimizerMeta = editMeta('nodulab.optimizer');
  const schedulerMeta = editMeta('nodulab.scheduler');
  type Edit = (t: Record<string, Tensor>, m: Record<string, string>) => void;

  it.each<[string, Edit, RegExp, boolean]>([
    [
      'exp_avg removed',
      (t) => delete t['optimizer.state.0.exp_avg'],
      /state "exp_avg" of parameter 0 is missing/,
      false,
    ],
    [
      'exp_avg_sq removed',
      (t) => delete t['optimizer.state.0.exp_avg_sq'],
      /state "exp_avg_sq" of parameter 0 is missing/,
      false,
    ],
    [
      'max_exp_avg_sq removed (AMSGrad)',
      (t) => delete t['optimizer.state.0.max_exp_avg_sq'],
      /state "max_exp_avg_sq" of parameter 0 is missing/,
      false,
    ],
    [
      'step removed',
      (_t, m) => optimizerMeta(m, (o) => delete o.scalars['0'].step),
      /state "step" of parameter 0 is missing/,
      false,
    ],
    [
      'step 0',
      (_t, m) => optimizerMeta(m, (o) => (o.scalars['0'].step = 0)),
      /"step" of parameter 0 must be a positive integer, got 0/,
      false,
    ],
    [
      'step 1.5',
      (_t, m) => optimizerMeta(m, (o) => (o.scalars['0'].step = 1.5)),
      /"step" of parameter 0 must be a positive integer, got 1.5/,
      false,
    ],
    [
      'step a string',
      (_t, m) => optimizerMeta(m, (o) => (o.scalars['0'].step = '2')),
      /"scalars.0.step" is not a number/,
      false,
    ],
    [
      'exp_avg of another shape',
      (t) => (t['optimizer.state.0.exp_avg'] = Tensor.zeros([1, 3])),
      /state "exp_avg" of parameter 0 does not match its shape \[3\]/,
      false,
    ],
    [
      'an unexpected buffer',
      (t) => (t['optimizer.state.0.momentum_buffer'] = Tensor.zeros([3])),
      /unexpected state "momentum_buffer" of parameter 0/,
      false,
    ],
    [
      'state of a parameter the optimizer lacks',
      (t) => (t['optimizer.state.5.exp_avg'] = Tensor.zeros([3])),
      /state for parameter 5, but the optimizer has 1/,
      false,
    ],
    [
      'a malformed buffer name',
      (t) => (t['optimizer.state.x'] = Tensor.zeros([3])),
      /"optimizer.state.x" is not/,
      false,
    ],
    ['optimizer metadata removed', (_t, m) => delete m['nodulab.optimizer'], /no optimizer state was saved/, false],
    [
      'optimizer metadata not JSON',
      (_t, m) => (m['nodulab.optimizer'] = '{'),
      /"nodulab.optimizer" is not JSON/,
      false,
    ],
    [
      'scalars removed',
      (_t, m) => optimizerMeta(m, (o) => delete o.scalars),
      /"nodulab.optimizer" is malformed: "scalars" is not an object/,
      false,
    ],
    [
      'paramGroups removed',
      (_t, m) => optimizerMeta(m, (o) => delete o.paramGroups),
      /"paramGroups" is not a list of objects/,
      false,
    ],
    ['lr removed', (_t, m) => optimizerMeta(m, (o) => (o.paramGroups[0].lr = null)), /lr must be a number/, false],
    ['scheduler metadata removed', (_t, m) => delete m['nodulab.scheduler'], /no scheduler state was saved/, false],
    [
      'scheduler lastEpoch removed',
      (_t, m) => schedulerMeta(m, (o) => delete o.lastEpoch),
      /StepLR.loadStateDict: expected \{ lastEpoch, baseLrs\[1\] \}/,
      false,
    ],
    ['scheduler lastEpoch -3', (_t, m) => schedulerMeta(m, (o) => (o.lastEpoch = -3)), /StepLR.loadStateDict/, false],
    ['scheduler baseLrs removed', (_t, m) => schedulerMeta(m, (o) => delete o.baseLrs), /StepLR.loadStateDict/, false],
    ['scheduler baseLrs NaN', (_t, m) => schedulerMeta(m, (o) => (o.baseLrs = ['x'])), /StepLR.loadStateDict/, false],
    [
      'SGD momentum_buffer removed',
      (t) => delete t['optimizer.state.0.momentum_buffer'],
      /SGD.loadStateDict: state "momentum_buffer" of parameter 0 is missing/,
      true,
    ],
  ])('rejects a checkpoint with %s at load, naming the file, and changes nothing', (_name, edit, message, sgd) => {
    const file = editedCheckpoint(edit, sgd);
    const model = new Toy([7, 7, 7]);
    const opt = sgd
      ? new SGD(model.parameters(), { lr: 0.3, momentum: 0.5 })
      : new Adam(model.parameters(), { lr: 0.3 });
    const sched = new StepLR(opt, 2, 0.5);
    let error: Error | null = null;
    try {
      loadCheckpoint(model, file, { optimizer: opt, scheduler: sched });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error!.message).toContain(`loadCheckpoint(${file}): `);
    expect(error!.message).toMatch(message);
    // Nothing was half-loaded: model, optimizer state, rates and schedule are as before.
    expect(Array.from(model.w.data)).toEqual([7, 7, 7]);
    expect(opt.stateDict().state).toEqual({});
    expect(opt.paramGroups[0].lr).toBe(0.3);
    expect(sched.lastEpoch).toBe(0);
    // The unedited checkpoint loads into the same objects.
    expect(() =>
      loadCheckpoint(model, path.join(dir, 'good.safetensors'), { optimizer: opt, scheduler: sched }),
    ).not.toThrow();
    expect(sched.lastEpoch).toBe(2);
  });
});
