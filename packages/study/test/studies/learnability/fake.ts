// Fake unit results for the learnability study's logic tests: every unit of a plan with chosen numbers,
// no training.
import type { UnitOutcome } from '../../../src/framework/study';
import {
  LearnabilitySpec,
  LearnabilityUnit,
  LearnabilityUnitResult,
  learnabilityPlan,
  resolveLearnabilitySpec,
} from '../../../src/studies/learnability';

/** What a fake model unit scores and what a fake race side's curve is. */
export interface FakeNumbers {
  balancedAccuracy(u: { loss: string; seed: number; separation: number; budget: number }): number | null;
  auroc(task: 'shortcut' | 'core', seed: number): (number | null)[];
}

/** Balanced accuracy that grows with separation and budget, a shade below 1, varying by seed. */
export const DEFAULT_FAKE: FakeNumbers = {
  balancedAccuracy: ({ loss, seed, separation, budget }) =>
    Math.min(0.999, 0.6 + 0.25 * separation * budget + (loss === 'simclr' ? -0.05 : 0.02) + 0.003 * seed),
  auroc: (task, seed) =>
    task === 'shortcut' ? [0.93 + 0.01 * seed, 0.97, 0.99] : [0.7, 0.8 + 0.02 * seed, 0.92, 0.95],
};

/** A resolved spec from `input` over the defaults (three seeds unless given). */
export const fakeSpec = (input: Record<string, unknown> = {}): LearnabilitySpec =>
  resolveLearnabilitySpec({ seeds: 3, ...input });

/** Every unit of the spec's plan with a fake result, in plan order. */
export function fakeOutcomes(
  spec: LearnabilitySpec,
  f: FakeNumbers = DEFAULT_FAKE,
): UnitOutcome<LearnabilityUnit, LearnabilityUnitResult>[] {
  return learnabilityPlan(spec).map((unit) => {
    const result: LearnabilityUnitResult =
      unit.kind === 'model'
        ? {
            kind: 'model',
            loss: unit.loss,
            seed: unit.seed,
            separation: unit.separation,
            budget: unit.budget,
            epochs: Math.max(1, Math.round(10 * unit.budget)),
            balancedAccuracy: f.balancedAccuracy(unit),
            auroc: f.balancedAccuracy(unit),
            testN: spec.testN,
            predictions: 'predictions/test.csv',
            // Every model's validation curve is the core side's (the race reads the CE model at `separation`).
            validation: {
              stepsPerEpoch: 32,
              auroc: f.auroc('core', unit.seed),
              balancedAccuracy: f.auroc('core', unit.seed),
            },
          }
        : {
            kind: 'race',
            task: unit.task,
            seed: unit.seed,
            stepsPerEpoch: 32,
            auroc: f.auroc(unit.task, unit.seed),
            balancedAccuracy: f.auroc(unit.task, unit.seed),
          };
    return { unit, result, dir: `runs/${unit.id}` };
  });
}
