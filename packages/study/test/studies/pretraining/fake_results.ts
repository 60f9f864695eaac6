// Fake unit results of the pretraining-robustness study, made from its plan without training: each target's
// kappa is a base per initialisation plus a per-seed wobble, so the claims' effects are known in advance.
import type { UnitOutcome } from '../../../src/framework/study';
import { planPretraining } from '../../../src/studies/pretraining/plan';
import type {
  GradeScores,
  PretrainingUnit,
  PretrainingUnitResult,
  SamplePredictions,
} from '../../../src/studies/pretraining/results';
import type { PretrainingSpec } from '../../../src/studies/pretraining/spec';

export interface FakeLevels {
  /** Kappa in distribution by initialisation (fine-tuned; a probe scores 0.1 less), before the wobble. */
  kappa: Record<string, number>;
  /** Per-seed wobble added to every kappa of that seed's position. */
  wobble: number[];
  /** Accuracy under every distortion by initialisation. */
  distortedAccuracy: Record<string, number>;
  effectiveRank: Record<string, number>;
  satellites: Record<string, number>;
}

const scores = (kappa: number): GradeScores => ({ accuracy: 0.5 + kappa / 2, kappa, auroc: 0.6 + kappa / 4 });

const predictions = (n: number, seed: number): SamplePredictions => ({
  predicted: Array.from({ length: n }, (_, i) => 1 + ((i + seed) % 5)),
  pHigh: Array.from({ length: n }, (_, i) => (i % 10) / 10),
});

/** The outcome of every unit of `spec`'s plan. */
export function fakeOutcomes(
  spec: PretrainingSpec,
  levels: FakeLevels,
): UnitOutcome<PretrainingUnit, PretrainingUnitResult>[] {
  const n = spec.testN;
  return planPretraining(spec).map((unit) => {
    const k = spec.seeds.indexOf('seed' in unit ? unit.seed : 0);
    const w = levels.wobble[k] ?? 0;
    let result: PretrainingUnitResult;
    switch (unit.kind) {
      case 'pretrain':
        result = {
          kind: 'pretrain',
          init: unit.init,
          runSeed: unit.runSeed,
          checkpoint: 'run/checkpoints/last.safetensors',
        };
        break;
      case 'facts': {
        const facts = {
          index: Array.from({ length: n }, (_, i) => i),
          grade: Array.from({ length: n }, (_, i) => 1 + (i % 5)),
          diameter: Array.from({ length: n }, (_, i) => 4 + i),
          satelliteCount: Array.from({ length: n }, (_, i) => i % 3),
        };
        result = {
          kind: 'facts',
          seed: unit.seed,
          factorProbe: scores(0.99),
          samples: { test: facts, shift: facts },
        };
        break;
      }
      case 'target': {
        const kappa = levels.kappa[unit.init] - (unit.mode === 'linear' ? 0.1 : 0) - (1 - unit.fraction) * 0.1 + w;
        result = {
          kind: 'target',
          init: unit.init,
          mode: unit.mode,
          fraction: unit.fraction,
          seed: unit.seed,
          n: Math.round(unit.fraction * spec.targetN),
          run: 'run',
          scores: { test: scores(kappa), shift: scores(kappa - 0.1) },
          predictions: { test: predictions(n, unit.seed), shift: predictions(n, unit.seed + 1) },
        };
        break;
      }
      case 'analysis': {
        const acc = levels.distortedAccuracy[unit.init] + w / 10;
        const grid = (v: () => unknown) =>
          Object.fromEntries(
            spec.distortions.map((d) => [d, Object.fromEntries(spec.severities.map((s) => [String(s), v()]))]),
          );
        result = {
          kind: 'analysis',
          init: unit.init,
          mode: unit.mode,
          seed: unit.seed,
          distorted: grid(() => ({ accuracy: acc, kappa: 0.1, auroc: 0.6 })) as never,
          distortedPredictions: grid(() => predictions(n, unit.seed)) as never,
          effectiveRank: levels.effectiveRank[unit.init] + w,
          explainedVariance: [0.5, 0.3, 0.2],
          ckaToScratch: { 'features.2': 0.9, 'features.6': 0.8, 'features.10': 0.7, embedding: 0.6 },
          ckaWithin: [
            [1, 0.8, 0.6, 0.5],
            [0.8, 1, 0.7, 0.6],
            [0.6, 0.7, 1, 0.9],
            [0.5, 0.6, 0.9, 1],
          ],
          saliency: {
            main: { '< 8 mm': 3, '8-12 mm': 2.5, '>= 12 mm': null },
            satellites: { '< 8 mm': levels.satellites[unit.init] + w, '8-12 mm': 1, '>= 12 mm': null },
            mainAll: 2.8,
            satellitesAll: levels.satellites[unit.init] + w,
            n: 10,
          },
          embedding: 'embedding.npy',
        };
        break;
      }
    }
    return { unit, result, dir: `runs/${unit.id}` };
  });
}
