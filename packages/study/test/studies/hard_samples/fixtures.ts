// Fake unit results of the hard-samples study, built by hand so that every summary number is known: 3 seeds, 4
// training and 2 test samples, 3 models per population at sparsities 0.3 and 0.9, settings supervised and weak
// (weak: every IoU 0.3 lower). In every setting sample 0 (a 5 mm nodule beside the wall) is the one whose pruned
// boxes diverge from the dense ones, so it is the HTL sample; at sparsity 0.9 the pruned classifiers flip the
// first 1 + seed samples (PIE fraction (1 + seed) / 4), at 0.3 none.
import { FactorRecord, NoduleGenerator, preset } from '@nodulab/data';
import { box3d } from '@nodulab/eval';
import {
  HardSamplesSpec,
  HardSamplesUnit,
  HardSamplesUnitResult,
  ModelOutputs,
  RETRAINED_ARMS,
  Setting,
  hardSamplesPlan,
  resolveHardSamplesSpec,
} from '../../../src';

export const SPEC: HardSamplesSpec = resolveHardSamplesSpec({
  seeds: 3,
  n: 8,
  testN: 2,
  sparsities: [0.3, 0.9],
  htlFraction: 0.25,
  settings: ['supervised', 'weak'],
  classifier: { n: 8 },
  config: { batchSize: 4 },
});
/** The fixtures' 4 training samples (the spec needs n >= 8 to resolve; the fakes carry 4 per set). */
const N = 4;

const base = new NoduleGenerator(preset('iid'), 0).sample('train', 0).factors;
const f = (diameter: number, pleuralWall: boolean) => ({ ...base, diameter, pleuralWall }) as FactorRecord;

/** Per seed: test IoUs of each arm, the dense localizers' mean test IoU, the mean box's test IoUs, dense AUROC. */
export interface SeedFake {
  arms: Record<'baseline' | 'htl' | 'random' | 'mining', number[]>;
  dense: number;
  meanBox: number[];
  auroc: number;
}

export const arms = (b: number, htl: number): SeedFake['arms'] => ({
  baseline: [b, b],
  htl: [htl, htl + 0.02],
  random: [b, b],
  mining: [b - 0.01, b - 0.01],
});

export const SEEDS: SeedFake[] = [
  { arms: arms(0.5, 0.55), dense: 0.5, meanBox: [0.1, 0.1], auroc: 0.8 },
  { arms: arms(0.4, 0.46), dense: 0.45, meanBox: [0.1, 0.2], auroc: 0.75 },
  { arms: arms(0.45, 0.5), dense: 0.4, meanBox: [0.2, 0.1], auroc: 0.85 },
];

const A = box3d([4, 4, 4], [2, 2, 2]);
const FAR = box3d([10, 10, 10], [2, 2, 2]);
const SHIFT: Record<Setting, number> = { supervised: 0, weak: 0.3, semi: 0.15 };

function classifiers(seed: number, k: number, auroc: number): ModelOutputs[] {
  return [0, 0.3, 0.9].map((sparsity) => ({
    name: sparsity ? `ce-dense${k}-pruned${sparsity * 100}` : `ce-dense${k}`,
    sparsity,
    dir: sparsity ? `ce-dense${k}-pruned${sparsity * 100}` : `ce-dense${k}`,
    train: { classes: Array.from({ length: N }, (_, i) => (sparsity === 0.9 && i < 1 + seed ? 1 : 0)) },
    test: {
      classes: [0, 1],
      metrics: sparsity
        ? { auroc: 0.5, balancedAccuracy: 0.5 }
        : { auroc: auroc + 0.01 * k, balancedAccuracy: auroc - 0.05 },
    },
  }));
}

/** Dense localizer k: model 0's test IoUs are the baseline arm's; the 3 dense models average `dense`. */
function localizers(seed: number, k: number, s: SeedFake, shift: number): ModelOutputs[] {
  const b = s.arms.baseline[0];
  const denseTest = k === 0 ? s.arms.baseline : [0, 0].map(() => (3 * s.dense - b) / 2);
  return [0, 0.3, 0.9].map((sparsity) => ({
    name: sparsity ? `box-dense${k}-pruned${sparsity * 100}` : `box-dense${k}`,
    sparsity,
    dir: sparsity ? `box-dense${k}-pruned${sparsity * 100}` : `box-dense${k}`,
    train: {
      boxes: Array.from({ length: N }, (_, i) => (sparsity && i === 0 ? FAR : A)),
      ious: Array.from({ length: N }, (_, i) => (i === 0 ? 0.2 : 0.5 + 0.01 * seed) - shift),
    },
    test: { ious: (sparsity ? denseTest.map((v) => v - 0.2 - 0.01 * seed) : denseTest).map((v) => v - shift) },
  }));
}

/** The fake result of one unit. */
function resultOf(unit: HardSamplesUnit, seeds: SeedFake[]): HardSamplesUnitResult {
  const s = seeds[unit.seed];
  const shift = 'setting' in unit ? SHIFT[unit.setting] : 0;
  switch (unit.kind) {
    case 'data':
      return {
        kind: 'data',
        seed: unit.seed,
        factors: { train: [f(5, true), f(12, false), f(12, false), f(12, true)], test: [f(5, true), f(12, false)] },
      };
    case 'classifier':
      return {
        kind: 'classifier',
        seed: unit.seed,
        setting: null,
        model: unit.model,
        models: classifiers(unit.seed, unit.model, s.auroc),
      };
    case 'targets':
      return {
        kind: 'targets',
        seed: unit.seed,
        setting: unit.setting,
        labeled: [1, 1, 1, 1],
        targetIoUs: [1, 1, 1, 1],
        train: [A, A, A, A],
        val: [A],
        meanBoxIoUs: s.meanBox,
      };
    case 'localizer':
      return {
        kind: 'localizer',
        seed: unit.seed,
        setting: unit.setting,
        model: unit.model,
        models: localizers(unit.seed, unit.model, s, shift),
      };
    case 'arm':
      return {
        kind: 'arm',
        seed: unit.seed,
        setting: unit.setting,
        arm: unit.arm,
        upweighted: [1, 0, 0, 0],
        ious: s.arms[unit.arm].map((v) => v - shift),
      };
  }
}

/** The plan's outcomes with fake results (folders as the runner names them). */
export function fakeOutcomes(seeds: SeedFake[] = SEEDS, spec: HardSamplesSpec = SPEC) {
  return hardSamplesPlan(spec).map((unit) => ({ unit, result: resultOf(unit, seeds), dir: `runs/${unit.id}` }));
}

export { RETRAINED_ARMS };
