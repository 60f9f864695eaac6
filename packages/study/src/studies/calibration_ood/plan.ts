// The calibration-ood study's grid. Per seed: the joint model, one dedicated model per preset, and the source
// preset's dedicated model fine-tuned on each other preset (needs that dedicated model). Then OOD detection per
// model and seed: the joint model of each seed, and each preset's dedicated model of each seed; each needs that
// model of every seed (the deep-ensemble baseline), so OOD units come after every training unit they read.
import type { CalibrationOodSpec, CalibrationOodUnit, OodUnit, TrainUnit } from './results';

/** The unit id of a model of `seed`: "joint-s0", "dedicated-seg-nodule-s0", "transfer-seg-nodule-to-seg-cavity-s0". */
export const trainUnitId = (name: string, seed: number): string => `${name}-s${seed}`;

/** The model name of a dedicated model and of a transfer model. */
export const dedicatedName = (preset: string): string => `dedicated-${preset}`;
export const transferName = (source: string, target: string): string => `transfer-${source}-to-${target}`;

/** The presets the transfer regime fine-tunes on: every preset but the source. */
export const transferTargets = (spec: CalibrationOodSpec): string[] =>
  spec.presets.filter((p) => p !== spec.transfer.source);

/** The grid in the order the in-process runner runs it. */
export function planCalibrationOod(spec: CalibrationOodSpec): CalibrationOodUnit[] {
  const units: CalibrationOodUnit[] = [];
  const src = spec.transfer.source;
  for (const seed of spec.seeds) {
    const train = (u: Omit<TrainUnit, 'kind' | 'seed'>): TrainUnit => ({ kind: 'train', seed, ...u });
    units.push(train({ id: trainUnitId('joint', seed), regime: 'joint', datasets: [...spec.presets] }));
    for (const p of spec.presets)
      units.push(train({ id: trainUnitId(dedicatedName(p), seed), regime: 'dedicated', datasets: [p] }));
    for (const p of transferTargets(spec))
      units.push(
        train({
          id: trainUnitId(transferName(src, p), seed),
          regime: 'transfer',
          datasets: [p],
          needs: [trainUnitId(dedicatedName(src), seed)],
        }),
      );
  }
  const ood = (model: OodUnit['model'], name: string, presets: string[], seed: number): OodUnit => ({
    id: `ood-${name}-s${seed}`,
    kind: 'ood',
    model,
    seed,
    presets,
    needs: spec.seeds.map((s) => trainUnitId(name, s)),
    scored: trainUnitId(name, seed),
    showcase: model === 'joint' && seed === spec.seeds[0],
  });
  for (const seed of spec.seeds) units.push(ood('joint', 'joint', [...spec.presets], seed));
  for (const p of spec.presets)
    for (const seed of spec.seeds) units.push(ood(`dedicated:${p}`, dedicatedName(p), [p], seed));
  return units;
}
