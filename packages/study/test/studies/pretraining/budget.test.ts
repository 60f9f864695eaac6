// The target budget's rule, chosen on validation kappa: the cheapest candidate (fewest samples seen, then fewest
// labels) at which every seed reaches the bar; a missing kappa or one seed below the bar rules a budget out.
import { BUDGET_MIN_KAPPA, BudgetTrial, chooseTargetBudget, withBudget } from '../../../src/studies/pretraining/budget';
import { resolvePretrainingSpec } from '../../../src/studies/pretraining/spec';

const trial = (targetN: number, epochs: number, seed: number, validationKappa: number | null): BudgetTrial => ({
  targetN,
  epochs,
  seed,
  validationKappa,
  seconds: 1,
});

describe('chooseTargetBudget', () => {
  it('is the cheapest budget at which every seed reaches the bar', () => {
    const trials = [
      trial(2048, 8, 0, 0.6),
      trial(2048, 8, 1, 0.5),
      trial(512, 12, 0, 0.4),
      trial(512, 12, 1, 0.3),
      trial(256, 4, 0, 0.5),
      trial(256, 4, 1, 0.1),
    ];
    expect(chooseTargetBudget(trials)).toEqual({ targetN: 512, epochs: 12 });
    expect(chooseTargetBudget(trials, 0.45)).toEqual({ targetN: 2048, epochs: 8 });
    expect(chooseTargetBudget(trials, 0.7)).toBeNull();
  });

  it('rules out a budget with a missing kappa, and breaks a tie in samples seen by fewer labels', () => {
    const trials = [
      trial(1024, 4, 0, 0.5),
      trial(1024, 4, 1, null),
      trial(2048, 2, 0, 0.5),
      trial(2048, 2, 1, 0.5),
      trial(512, 8, 0, 0.5),
      trial(512, 8, 1, 0.5),
    ];
    expect(chooseTargetBudget(trials)).toEqual({ targetN: 512, epochs: 8 });
  });

  it('holds the bar at fair agreement, exactly', () => {
    expect(BUDGET_MIN_KAPPA).toBe(0.21);
    expect(chooseTargetBudget([trial(64, 2, 0, 0.21)])).toEqual({ targetN: 64, epochs: 2 });
    expect(chooseTargetBudget([trial(64, 2, 0, 0.2099)])).toBeNull();
  });
});

it('withBudget sets the labelled samples and epochs and nothing else', () => {
  const spec = resolvePretrainingSpec({});
  const b = withBudget(spec, { targetN: 512, epochs: 12 });
  expect([b.targetN, b.config.epochs]).toEqual([512, 12]);
  expect({ ...b, targetN: spec.targetN, config: { ...b.config, epochs: spec.config.epochs } }).toEqual(spec);
});
