// saveCheckpoint / loadCheckpoint with optimizer and scheduler state: an interrupted run resumes
// bit-identically; the file stays a plain safetensors state dict; mismatches name the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, mul, sum } from '@nodulab/tensor';
import { Module, Adam, SGD, StepLR, saveCheckpoint, loadCheckpoint, loadSafetensors } from '../src';

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
});
