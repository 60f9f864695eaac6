// Hand-made unit results of the calibration-ood study, for testing its logic (summary, claims, report, text,
// files) in milliseconds without training: a resolved two-preset spec and its plan's outcomes.
import type { UnitOutcome } from '../../../src/framework';
import {
  CalibrationOodSpec,
  CalibrationOodUnit,
  CalibrationOodUnitResult,
  OOD_METHODS,
  OodMethod,
  OodResult,
  Regime,
  TrainResult,
  planCalibrationOod,
} from '../../../src/studies/calibration_ood';

export const P = ['seg-nodule', 'seg-vessels'];

/** A resolved spec of two presets and three seeds, built by hand (resolve builds a model; not needed here). */
export const fakeSpec: CalibrationOodSpec = {
  name: 'calibration-ood',
  description: 'fake',
  presets: P,
  transfer: { source: 'seg-nodule', fraction: 0.25 },
  unseen: 'task-subsolid',
  seeds: [0, 1, 2],
  shape: [16, 16, 16],
  trainN: 64,
  valN: 16,
  testN: 16,
  oodN: 16,
  distortions: ['gaussian-blur'],
  severities: [3],
  layers: ['bottleneck', 'encoders.1'],
  ks: [1, 5],
  mcSamples: 10,
  bandRadius: 2,
  config: { model: { kind: 'unet3d', options: { baseChannels: 4, dropout: 0.2 } }, batchSize: 8, epochs: 12 },
  threads: 2,
};

const bins = (acc: number) => [
  { lower: 0, upper: 0.5, count: 0, confidence: NaN, accuracy: NaN },
  { lower: 0.5, upper: 1, count: 10, confidence: 0.9, accuracy: acc },
];

/** A model of `regime` on `datasets` of `seed` whose Dice on each is `dice`, ECE `ece` (halved by scaling). */
export function trainResult(regime: Regime, datasets: string[], seed: number, dice: number, ece: number): TrainResult {
  const cal = (v: number) => ({ before: v, after: v / 2 });
  return {
    kind: 'train',
    regime,
    name: regime === 'joint' ? 'joint' : `${regime}-${datasets.join('+')}`,
    seed,
    trainedOn: datasets,
    n: 8,
    epochs: 12,
    steps: 12,
    temperature: 1.5,
    results: datasets.map((d) => ({
      dataset: d,
      n: 2,
      dice,
      hd95: 3,
      hd95Finite: 2,
      trivialDice: 0,
      calibration: { ece: cal(ece), mce: cal(ece), nll: cal(1), brier: cal(0.1), eceBand: cal(ece), mceBand: cal(ece) },
      bins: { before: bins(0.8), after: bins(0.9), bandBefore: bins(0.7), bandAfter: bins(0.85) },
    })),
    volumes: datasets.flatMap((d) => [
      { dataset: d, index: 0, dice, hd95: 3, truthVoxels: 10, predictedVoxels: 12 },
      { dataset: d, index: 1, dice, hd95: null, truthVoxels: 0, predictedVoxels: 3 },
    ]),
  };
}

/**
 * An OOD run of `model` of `seed` on two sets: 'shift', spectral at `spectral` and each baseline as `baseline(m)`;
 * 'noise' (the positive control), every method at `positive`.
 */
export function oodResult(
  model: OodResult['run']['model'],
  seed: number,
  spectral: number,
  baseline: (m: OodMethod) => number,
  positive = 0.99,
): OodResult {
  const at = (auroc: number) => ({ auroc, fpr95: 1 - auroc });
  const scores = (v: number) =>
    Object.fromEntries(OOD_METHODS.map((m) => [m, [v, v + 0.1]])) as Record<OodMethod, number[]>;
  return {
    kind: 'ood',
    run: {
      model,
      seed,
      detector: {
        layer: 'bottleneck',
        k: 1,
        validationAuroc: 0.95,
        candidates: [
          { layer: 'bottleneck', k: 1, auroc: 0.95 },
          { layer: 'encoders.1', k: 1, auroc: 0.9 },
        ],
      },
      sets: {
        shift: Object.fromEntries(OOD_METHODS.map((m) => [m, at(m === 'spectral' ? spectral : baseline(m))])),
        noise: Object.fromEntries(OOD_METHODS.map((m) => [m, at(positive)])),
      } as never,
      separation: model === 'joint' ? 0.9 : null,
      chance: model === 'joint' ? 0.5 : null,
    },
    setNames: ['shift', 'noise'],
    scores: [
      { set: 'in-distribution', ood: 0, scores: scores(0.1) },
      { set: 'shift', ood: 1, scores: scores(0.5) },
      { set: 'noise', ood: 1, scores: scores(0.9) },
    ],
    roc: null,
    pca: null,
  };
}

/** The outcomes of the fake spec's plan: each unit's result from `result(unit)`. */
export function outcomesOf(
  result: (u: CalibrationOodUnit) => CalibrationOodUnitResult,
): UnitOutcome<CalibrationOodUnit, CalibrationOodUnitResult>[] {
  return planCalibrationOod(fakeSpec).map((unit) => ({ unit, result: result(unit), dir: `runs/${unit.id}` }));
}

/**
 * Outcomes where the joint model's Dice per seed is `jointDice`, each dedicated model's `dedicatedDice`, transfer
 * 0.2 below dedicated; ECE joint 0.05 + 0.001 s, dedicated 0.1 + 0.002 s; OOD as in the summary test, and every
 * method at `positive` on the positive control's noise volumes.
 */
export function fakeOutcomes(jointDice: number[], dedicatedDice: number[], positive = 0.99) {
  return outcomesOf((u) => {
    const s = u.seed;
    if (u.kind === 'train') {
      if (u.regime === 'joint') return trainResult('joint', u.datasets, s, jointDice[s], 0.05 + 0.001 * s);
      if (u.regime === 'dedicated') return trainResult('dedicated', u.datasets, s, dedicatedDice[s], 0.1 + 0.002 * s);
      return trainResult('transfer', u.datasets, s, dedicatedDice[s] - 0.2, 0.2);
    }
    if (u.model === 'joint')
      // Spectral beats max softmax, entropy and the ensemble by 0.35 − 0.01 s, MC dropout not at all (≈ equal).
      return oodResult(
        'joint',
        s,
        0.95 - 0.01 * s,
        (m) => (m === 'mc-dropout' ? 0.95 - 0.01 * s + 0.001 * s : 0.6),
        positive,
      );
    if (u.model === 'dedicated:seg-nodule') return oodResult(u.model, s, 0.9 + 0.01 * s, () => 0.6, positive);
    return oodResult(u.model, s, 0.7, () => 0.5 + 0.02 * s, positive);
  });
}
