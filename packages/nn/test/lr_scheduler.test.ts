// Learning-rate schedules against their closed forms, composition with warm-up, and resume.
import { Tensor } from '@nodulab/tensor';
import { SGD, StepLR, CosineAnnealingLR, LinearWarmup, LRScheduler } from '../src';

function optimizer(lr = 0.1): SGD {
  return new SGD([{ params: [Tensor.zeros([1])] }, { params: [Tensor.zeros([1])], lr: lr * 2 }], { lr });
}

/** The rates of every group over `epochs` scheduler steps, starting with epoch 0. */
function trace(s: LRScheduler, epochs: number): number[][] {
  const out = [s.getLastLr()];
  for (let e = 1; e < epochs; e++) {
    s.step();
    out.push(s.getLastLr());
  }
  return out;
}

describe('LR schedulers', () => {
  it.each([
    ['StepLR', (o: SGD) => new StepLR(o, 3, 0.5), (base: number, e: number) => base * 0.5 ** Math.floor(e / 3)],
    [
      'CosineAnnealingLR',
      (o: SGD) => new CosineAnnealingLR(o, 10, 0.001),
      (base: number, e: number) => 0.001 + ((base - 0.001) * (1 + Math.cos((Math.PI * e) / 10))) / 2,
    ],
    [
      'LinearWarmup alone',
      (o: SGD) => new LinearWarmup(o, 4),
      (base: number, e: number) => base * Math.min(1, (e + 1) / 4),
    ],
    [
      'LinearWarmup then cosine',
      (o: SGD) => new LinearWarmup(o, 3, new CosineAnnealingLR(o, 8)),
      (base: number, e: number) =>
        e < 3 ? (base * (e + 1)) / 3 : (base * (1 + Math.cos((Math.PI * (e - 3)) / 8))) / 2,
    ],
  ])('%s matches its closed form', (_name, make, closed) => {
    const got = trace(make(optimizer()), 14);
    got.forEach((lrs, e) => {
      expect(lrs[0]).toBeCloseTo(closed(0.1, e), 12);
      expect(lrs[1]).toBeCloseTo(closed(0.2, e), 12);
    });
  });

  it('resumes from a state dict', () => {
    const a = new CosineAnnealingLR(optimizer(), 20);
    const full = trace(a, 12);
    const b = new CosineAnnealingLR(optimizer(), 20);
    trace(b, 5);
    const c = new CosineAnnealingLR(optimizer(), 20);
    c.loadStateDict(b.stateDict());
    expect(c.getLastLr()).toEqual(full[4]);
    expect(trace(c, 8).slice(1)).toEqual(full.slice(5));
  });

  it('rejects bad arguments', () => {
    expect(() => new StepLR(optimizer(), 0)).toThrow(/StepLR: stepSize must be a positive integer/);
    expect(() => new CosineAnnealingLR(optimizer(), 5, -1)).toThrow(/etaMin must be a finite number >= 0/);
    expect(() => new LinearWarmup(optimizer(), 2, new StepLR(optimizer(), 2))).toThrow(/same optimizer/);
    expect(() => new StepLR(optimizer(), 2).loadStateDict({ lastEpoch: 1.5, baseLrs: [1, 2] })).toThrow(
      /loadStateDict: expected/,
    );
  });
});
