// The calibration-ood study's control and claims as data for the claims engine: each claim's primary effect is a
// paired per-seed difference in its metric's units (every regime of a seed trains and tests on the same volumes),
// with a direction and a smallest effect of interest (SESOI) and its reason. Every claim depends on the control
// that every model learned to segment; the OOD claims also on a positive control (the spectral score flags
// uniform-noise volumes), and the calibration claim is tested after its premise, that the dedicated models are
// miscalibrated (temperature scaling lowers their ECE). No verdicts here: the engine decides them.
import type { StudyClaims } from '../../framework/study';
import type { ClaimInput, ControlInput } from '../../claims';
import { finiteMean } from '../../kit/aggregate';
import { fmtCI } from '../../kit/report/html';
import { NOISE_SET } from './data';
import { transferTargets } from './plan';
import { BASELINES, CalibrationOodSpec, CalibrationOodSummary, Regime } from './results';
import { auroc, aurocGap, dedicatedModels, num, perSeed } from './summary';

/** The control every claim depends on. */
export const SEGMENTS_CONTROL = 'segments';

/** The positive control the OOD claims depend on. */
export const OOD_POSITIVE_CONTROL = 'ood-positive';

/**
 * The OOD set of the positive control: uniform noise over the volumes' intensity range. Not `empty` (parenchyma
 * with no structure drawn): seg-vessels holds nodule-free volumes much like it, so for the joint model it is close
 * to in-distribution, and a control must be unambiguous.
 */
export const POSITIVE_OOD_SET = NOISE_SET;

/**
 * The positive control's bar, fixed before any run: noise with no anatomy is not a subtle shift, and a detector
 * that separates it from real volumes with AUROC below 0.9 is not working, whatever it does on the harder sets.
 */
export const POSITIVE_OOD_MIN_AUROC = 0.9;

/** The SESOI of each claim, in its metric's units, and why. The paper (Karimi & Gholipour) states none. */
export const SESOI = {
  dice: {
    value: 0.05,
    reason:
      'stated (the paper gives none): 0.05 Dice, the margin this study read as "no effect" before the claims engine, ' +
      'kept so the claim means what it meant; a smaller gain would not change which regime a user trains',
  },
  ece: {
    value: 0.005,
    reason:
      'stated (the paper gives none): voxel-wise ECE averages over every voxel, most of them confidently right ' +
      'background, so it is small, and a margin of 0.05 would call almost any difference "none"; half a percentage ' +
      'point of confidence–accuracy gap (0.005) is the least we call a calibration gain',
  },
  separation: {
    value: 0.1,
    reason:
      'stated (the paper gives none): 10 points of 1-NN accuracy above chance (1 / number of datasets) is the ' +
      'least that counts as identifying the dataset rather than leaning towards it',
  },
  auroc: {
    value: 0.05,
    reason:
      'stated (the paper gives none): 0.05 AUROC, the margin this study read as "no effect" before the claims ' +
      'engine; a smaller gain would not make a user replace a free softmax-based score with the spectral one',
  },
} as const;

/**
 * The control: every model's Dice on each of its datasets beats predicting background everywhere (the 95% CI of
 * Dice − all-background Dice over seeds lies above 0); with one seed there is no CI and the control fails to show it.
 */
export function segmentsControl(s: CalibrationOodSummary): ControlInput {
  const failing: string[] = [];
  let noCi = false;
  const cells: string[] = [];
  for (const [regime, byD] of Object.entries(s.margins))
    for (const [d, a] of Object.entries(byD)) {
      cells.push(`${regime} on ${d} ${fmtCI(a)}`);
      if (a.lower === null) noCi = true;
      if (a.lower === null ? !((a.mean ?? -1) > 0) : !(a.lower > 0)) failing.push(`${regime} on ${d}`);
    }
  const passed = failing.length === 0 && !noCi && cells.length > 0;
  const detail =
    failing.length > 0
      ? `the Dice of ${failing.join(', ')} is not shown to beat predicting background everywhere (95% CI of Dice − ` +
        `all-background Dice not above 0); the comparisons rest on models that did not learn to segment`
      : noCi
        ? 'a single seed gives no CI, so it is not shown that every model beats the all-background prediction'
        : `Dice − all-background Dice, 95% CI above 0 for every model: ${cells.join('; ')}`;
  return {
    id: SEGMENTS_CONTROL,
    statement: 'Every model segments: its Dice on each of its datasets beats predicting background everywhere',
    passed,
    detail,
  };
}

/**
 * The positive control: in every model (joint and dedicated), the spectral score's mean AUROC over seeds on the
 * positive-control set (POSITIVE_OOD_SET, uniform noise) reaches POSITIVE_OOD_MIN_AUROC.
 */
export function oodPositiveControl(spec: CalibrationOodSpec, s: CalibrationOodSummary): ControlInput {
  const models = [...new Set(s.ood.map((o) => o.model))];
  const cells = models.map((m) => {
    const values = spec.seeds.map((seed) =>
      auroc(
        s.ood.find((o) => o.model === m && o.seed === seed),
        POSITIVE_OOD_SET,
        'spectral',
      ),
    );
    return { model: m, mean: finiteMean(values) };
  });
  const failing = cells.filter((c) => !(c.mean >= POSITIVE_OOD_MIN_AUROC));
  const list = cells.map((c) => `${c.model} ${Number.isFinite(c.mean) ? c.mean.toFixed(3) : 'n/a'}`).join(', ');
  return {
    id: OOD_POSITIVE_CONTROL,
    statement: `The spectral score flags the positive-control OOD set (${POSITIVE_OOD_SET}: uniform noise, no anatomy) in every model`,
    passed: cells.length > 0 && failing.length === 0,
    detail: `spectral AUROC on ${POSITIVE_OOD_SET}, mean over seeds: ${list || 'none measured'}; bar ${POSITIVE_OOD_MIN_AUROC}`,
  };
}

/** The controls and the claims, from the summary. */
export function calibrationOodClaims(spec: CalibrationOodSpec, s: CalibrationOodSummary): StudyClaims {
  const S = spec.seeds.length;
  // Per seed, the mean over datasets `ds` of metric `key` of regime a minus that of regime b.
  const meanDiff = (a: Regime, b: Regime, ds: readonly string[], key: string): number[] =>
    spec.seeds.map((_, i) =>
      finiteMean(
        ds.map((d) => perSeed(s.performance[a]?.[d]?.[key], S)[i] - perSeed(s.performance[b]?.[d]?.[key], S)[i]),
      ),
    );
  const targets = transferTargets(spec);
  const dedicated = dedicatedModels(spec, s.ood);
  // The claims read every OOD set but the positive control's, which tests the detector, not the claim.
  const evidenceSets = s.oodSets.filter((x) => x !== POSITIVE_OOD_SET);
  const gaps = (models: readonly string[]) =>
    BASELINES.map((b) => ({
      name: `spectral − ${b}`,
      values: spec.seeds.map((seed) => aurocGap(s.ood, models, evidenceSets, b, seed)),
    }));
  const needs = [SEGMENTS_CONTROL];
  const oodNeeds = [SEGMENTS_CONTROL, OOD_POSITIVE_CONTROL];
  const claims: ClaimInput[] = [
    {
      id: 'joint-dice',
      statement: 'A jointly trained model segments more accurately than dedicated models',
      measure: 'Dice, mean over datasets (paired difference, joint − dedicated)',
      direction: 'greater',
      sesoi: SESOI.dice.value,
      sesoiReason: SESOI.dice.reason,
      dependsOn: needs,
      comparisons: [{ name: 'joint − dedicated', values: meanDiff('joint', 'dedicated', spec.presets, 'dice') }],
    },
    {
      id: 'miscalibrated',
      statement:
        'Premise: dedicated models are miscalibrated (temperature scaling, fitted on validation, lowers their ECE)',
      measure: 'ECE before − after temperature scaling, dedicated models, mean over datasets (paired per seed)',
      direction: 'greater',
      sesoi: SESOI.ece.value,
      sesoiReason: SESOI.ece.reason,
      dependsOn: needs,
      comparisons: [
        {
          name: 'dedicated: before − after',
          values: spec.seeds.map((_, i) =>
            finiteMean(
              spec.presets.map(
                (d) =>
                  perSeed(s.performance.dedicated?.[d]?.ece, S)[i] -
                  perSeed(s.performance.dedicated?.[d]?.eceAfter, S)[i],
              ),
            ),
          ),
        },
      ],
    },
    {
      id: 'joint-calibration',
      after: 'miscalibrated',
      statement: 'A jointly trained model is better calibrated than dedicated models',
      measure:
        'ECE before temperature scaling, mean over datasets (paired difference, joint − dedicated), whole volume or band around the structure',
      direction: 'less',
      sesoi: SESOI.ece.value,
      sesoiReason: SESOI.ece.reason,
      rule: 'any',
      dependsOn: needs,
      comparisons: [
        { name: 'joint − dedicated, whole volume', values: meanDiff('joint', 'dedicated', spec.presets, 'ece') },
        { name: 'joint − dedicated, band', values: meanDiff('joint', 'dedicated', spec.presets, 'eceBand') },
      ],
    },
    {
      id: 'joint-vs-transfer',
      statement: 'A jointly trained model segments more accurately than transfer learning',
      measure: `Dice on the fine-tuning targets (${targets.join(', ')}), mean over them (paired difference, joint − transfer)`,
      direction: 'greater',
      sesoi: SESOI.dice.value,
      sesoiReason: SESOI.dice.reason,
      dependsOn: needs,
      comparisons: targets.length
        ? [{ name: 'joint − transfer', values: meanDiff('joint', 'transfer', targets, 'dice') }]
        : [],
    },
    {
      id: 'signature-identifies-dataset',
      statement: "The spectral signature of a layer's feature map identifies the dataset",
      measure: `leave-one-out 1-NN accuracy of the dataset from the signatures of the layer each joint model chose on validation (test volumes) − chance ${s.chance.toFixed(3)}`,
      direction: 'greater',
      sesoi: SESOI.separation.value,
      sesoiReason: SESOI.separation.reason,
      dependsOn: needs,
      comparisons: [{ name: 'accuracy − chance', values: s.separation.values.map((v) => num(v) - s.chance) }],
    },
    {
      id: 'spectral-ood-joint',
      statement: 'Spectral OOD detection beats the uncertainty baselines (joint model)',
      measure: `AUROC(spectral) − AUROC(baseline), mean over the ${evidenceSets.length} OOD sets other than the positive control; every baseline must be beaten`,
      direction: 'greater',
      sesoi: SESOI.auroc.value,
      sesoiReason: SESOI.auroc.reason,
      rule: 'all',
      dependsOn: oodNeeds,
      comparisons: gaps(['joint']),
    },
    {
      id: 'spectral-ood-dedicated',
      statement: 'Spectral OOD detection beats the uncertainty baselines (dedicated models)',
      measure:
        `AUROC(spectral) − AUROC(baseline), mean over the ${dedicated.length} dedicated models (each on its own ` +
        `preset's test volumes and OOD sets) and the ${evidenceSets.length} OOD sets other than the positive control; ` +
        'every baseline must be beaten',
      direction: 'greater',
      sesoi: SESOI.auroc.value,
      sesoiReason: SESOI.auroc.reason,
      rule: 'all',
      dependsOn: oodNeeds,
      comparisons: gaps(dedicated),
    },
  ];
  return { controls: [segmentsControl(s), oodPositiveControl(spec, s)], claims };
}
