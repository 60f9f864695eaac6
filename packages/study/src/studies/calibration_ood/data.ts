// The calibration-ood study's volumes: each preset at the study's shape, the dataset seed every regime of a seed
// shares, the in-distribution sets of a split, and the OOD sets (an unseen preset, empty volumes, the scanner
// shift, and each distortion x severity applied to a share of every preset's test volumes).
import { DatasetSpec, SCANNER_SHIFT_FACTORS, SyntheticDataset, preset } from '@nodulab/data';
import { VolumeSet, concatSets, distortSet, headOf, loadVolumes } from './measure';
import type { CalibrationOodSpec } from './spec';

/** Preset `name` at the study's volume shape (its own spacing). */
export function datasetSpec(spec: CalibrationOodSpec, name: string): DatasetSpec {
  const p = preset(name);
  return { ...p, volume: { shape: spec.shape, spacing: p.volume?.spacing ?? [1, 1, 1] } };
}

/**
 * The dataset seed of preset k in study seed s: 1000 + 10 s + k. Joint training draws dataset k with data.seed + k,
 * so with data.seed = dataSeed(s) it draws what the dedicated and transfer models of preset k draw. The OOD
 * presets use k = 7 (unseen) and 8 (empty).
 */
export const dataSeed = (seed: number, k = 0): number => 1000 + 10 * seed + k;

/** Volumes 0..n-1 of `split` of training preset `name` (index k in spec.presets), with masks. */
export function presetVolumes(
  spec: CalibrationOodSpec,
  seed: number,
  name: string,
  split: string,
  n: number,
): Promise<VolumeSet> {
  const k = spec.presets.indexOf(name);
  return loadVolumes(
    `${name}/${split}`,
    new SyntheticDataset(datasetSpec(spec, name), dataSeed(seed, k), split, n),
    n,
    true,
  );
}

/**
 * The OOD sets of seed `seed` for a model trained on `presets` (default: every training preset; a dedicated model:
 * its own), in report order: `unseen: <preset>`, `empty`, `scanner-shift` (each of `presets`' factors with
 * SCANNER_SHIFT_FACTORS, the same sample indices as its test set), then `<distortion>-<severity>` for each
 * distortion and severity. The shifted and distorted sets take ⌈oodN / presets⌉ volumes of each of `presets`
 * (at most its test volumes), each distorted at its own spacing. A volume of preset p gets the same shift and
 * distortion whichever model it is scored under, so the joint model's sets hold the first volumes of each
 * dedicated model's; the unseen and empty sets are the same for every model.
 */
export async function oodSets(
  spec: CalibrationOodSpec,
  seed: number,
  tests: ReadonlyMap<string, VolumeSet>,
  presets: readonly string[] = spec.presets,
): Promise<VolumeSet[]> {
  const m = Math.ceil(spec.oodN / presets.length);
  const other = async (name: string, k: number, label: string): Promise<VolumeSet> => ({
    ...(await loadVolumes(
      name,
      new SyntheticDataset(datasetSpec(spec, name), dataSeed(seed, k), 'test', spec.oodN),
      spec.oodN,
      false,
    )),
    name: label,
  });
  const shifted: VolumeSet[] = [];
  for (const p of presets) {
    const k = spec.presets.indexOf(p);
    const s = datasetSpec(spec, p);
    const shiftedSpec = { ...s, name: `${p}-scanner-shift`, factors: { ...s.factors, ...SCANNER_SHIFT_FACTORS } };
    shifted.push(await loadVolumes(p, new SyntheticDataset(shiftedSpec, dataSeed(seed, k), 'test', m), m, false));
  }
  const heads = presets.map((p) => ({ k: spec.presets.indexOf(p), head: headOf(tests.get(p)!, m) }));
  return [
    await other(spec.unseen, 7, `unseen: ${spec.unseen}`),
    await other('empty', 8, 'empty'),
    concatSets('scanner-shift', shifted),
    ...spec.distortions.flatMap((d, j) =>
      spec.severities.map((sev) =>
        concatSets(
          `${d}-${sev}`,
          heads.map(({ k, head }) => distortSet(head, d, sev, 7919 * seed + 1009 * k + 101 * j + sev)),
        ),
      ),
    ),
  ];
}
