// The calibration-ood study's volumes as @nodulab/data Datasets held in memory: each preset at the study's shape,
// the dataset seed every regime of a seed shares, the in-distribution sets of a split, and the OOD sets (the
// positive control's noise volumes, an unseen preset, empty volumes, the scanner shift, and each distortion x
// severity applied to a share of every preset's test volumes). Generated sets are kept in the unit context's
// per-process cache, keyed by what draws them.
import {
  ConcatDataset,
  Dataset,
  DatasetSpec,
  InMemoryDataset,
  SCANNER_SHIFT_FACTORS,
  distortBatch,
  preset,
} from '@nodulab/data';
import { Generator, Tensor } from '@nodulab/tensor';
import { generateSet } from '../../measures/test_data';
import type { CalibrationOodSpec } from './results';

/** Preset `name` at the study's volume shape (its own spacing). */
export function datasetSpec(spec: Pick<CalibrationOodSpec, 'shape'>, name: string): DatasetSpec {
  const p = preset(name);
  return { ...p, volume: { shape: spec.shape, spacing: p.volume?.spacing ?? [1, 1, 1] } };
}

/**
 * The dataset seed of preset k in study seed s: 1000 + 10 s + k. Joint training draws dataset k with data.seed + k,
 * so with data.seed = dataSeed(s) it draws what the dedicated and transfer models of preset k draw. The OOD
 * presets use k = 7 (unseen) and 8 (empty); the noise of the positive control draws from k = 9.
 */
export const dataSeed = (seed: number, k = 0): number => 1000 + 10 * seed + k;

/** A set of volumes under the name the report and ood_scores.csv give it. */
export interface NamedSet {
  name: string;
  data: Dataset;
}

/** The per-process cache of generated sets (a unit context's `cache`). */
export type SetCache = Map<string, unknown>;

/** `make()` once per process and key. */
async function cached<T>(cache: SetCache, key: unknown[], make: () => Promise<T>): Promise<T> {
  const k = `calibration-ood:${JSON.stringify(key)}`;
  if (!cache.has(k)) cache.set(k, await make());
  return cache.get(k) as T;
}

/** Volumes 0..n-1 of `split` of training preset `name` (index k in spec.presets), with masks. */
export function presetSet(
  spec: CalibrationOodSpec,
  seed: number,
  name: string,
  split: string,
  n: number,
  cache: SetCache,
): Promise<InMemoryDataset> {
  const k = spec.presets.indexOf(name);
  return cached(cache, ['preset', spec.shape, name, dataSeed(seed, k), split, n], () =>
    generateSet(`${name}/${split}`, datasetSpec(spec, name), dataSeed(seed, k), split, n, { masks: true }),
  );
}

/**
 * The first `n` volumes of `ds` (at most all), each distorted by `distortion` at `severity` (volume k from stream
 * seed + 7919 k), at the set's own spacing.
 */
export function distortSet(
  ds: InMemoryDataset,
  n: number,
  distortion: string,
  severity: number,
  seed: number,
): InMemoryDataset {
  const k = Math.min(n, ds.length);
  const C = ds.channels;
  const V = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const x = new Tensor(ds.volumes.slice(0, k * C * V), [k, C, ...ds.shape]);
  const y = distortBatch(x, distortion, severity, new Generator(seed), { spacing: ds.spacing });
  return new InMemoryDataset({
    name: `${ds.name}:${distortion}-${severity}`,
    shape: ds.shape,
    spacing: ds.spacing,
    channels: C,
    volumes: y.data,
    labels: ds.labels.slice(0, k),
  });
}

/** The name of the positive control's OOD set: uniform noise, no anatomy at all. */
export const NOISE_SET = 'noise';

/**
 * `n` volumes of independent uniform noise over the intensity range of `like`'s volumes (its lowest to its highest
 * voxel), at its shape and spacing, from Generator(seed): as far from any CT volume as a set can be while staying in
 * the model's input range, so that any working OOD detector flags it (the study's positive control).
 */
export function noiseSet(like: InMemoryDataset, n: number, seed: number): InMemoryDataset {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of like.volumes) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const g = new Generator(seed);
  const V = like.channels * like.shape[0] * like.shape[1] * like.shape[2];
  const volumes = new Float32Array(n * V);
  for (let i = 0; i < volumes.length; i++) volumes[i] = g.uniformRange(lo, hi);
  return new InMemoryDataset({
    name: NOISE_SET,
    shape: like.shape,
    spacing: like.spacing,
    channels: like.channels,
    volumes,
    labels: new Int32Array(n),
  });
}

/**
 * The OOD sets of seed `seed` for a model trained on `presets` (the joint model: every training preset; a
 * dedicated model: its own), in report order: `noise` (the positive control: oodN volumes of uniform noise over the
 * range of the first preset's test volumes), `unseen: <preset>`, `empty`, `scanner-shift` (each of `presets`'
 * factors with SCANNER_SHIFT_FACTORS, the same sample indices as its test set), then `<distortion>-<severity>` for
 * each distortion and severity. The shifted and distorted sets take ⌈oodN / presets⌉ volumes of each of `presets`
 * (at most its test volumes), each distorted at its own spacing. A volume of preset p gets the same shift and
 * distortion whichever model it is scored under, so the joint model's sets hold the first volumes of each
 * dedicated model's; the unseen and empty sets are the same for every model.
 */
export async function oodSets(
  spec: CalibrationOodSpec,
  seed: number,
  presets: readonly string[],
  cache: SetCache,
): Promise<NamedSet[]> {
  const m = Math.ceil(spec.oodN / presets.length);
  const other = (name: string, k: number) =>
    cached(cache, ['other', spec.shape, name, dataSeed(seed, k), spec.oodN], () =>
      generateSet(name, datasetSpec(spec, name), dataSeed(seed, k), 'test', spec.oodN),
    );
  const shifted = (p: string) =>
    cached(cache, ['shifted', spec.shape, p, dataSeed(seed, spec.presets.indexOf(p)), m], () => {
      const s = datasetSpec(spec, p);
      const shiftedSpec = { ...s, name: `${p}-scanner-shift`, factors: { ...s.factors, ...SCANNER_SHIFT_FACTORS } };
      return generateSet(p, shiftedSpec, dataSeed(seed, spec.presets.indexOf(p)), 'test', m);
    });
  const distorted = async (p: string, d: string, j: number, sev: number) => {
    const k = spec.presets.indexOf(p);
    const test = await presetSet(spec, seed, p, 'test', spec.testN, cache);
    return cached(cache, ['distorted', spec.shape, p, dataSeed(seed, k), spec.testN, m, d, sev, j], async () =>
      distortSet(test, m, d, sev, 7919 * seed + 1009 * k + 101 * j + sev),
    );
  };
  const noise = await cached(cache, [NOISE_SET, spec.shape, presets[0], dataSeed(seed, 9), spec.oodN], async () =>
    noiseSet(await presetSet(spec, seed, presets[0], 'test', spec.testN, cache), spec.oodN, dataSeed(seed, 9)),
  );
  const sets: NamedSet[] = [
    { name: NOISE_SET, data: noise },
    { name: `unseen: ${spec.unseen}`, data: await other(spec.unseen, 7) },
    { name: 'empty', data: await other('empty', 8) },
    { name: 'scanner-shift', data: new ConcatDataset(await Promise.all(presets.map(shifted))) },
  ];
  for (const [j, d] of spec.distortions.entries())
    for (const sev of spec.severities)
      sets.push({
        name: `${d}-${sev}`,
        data: new ConcatDataset(await Promise.all(presets.map((p) => distorted(p, d, j, sev)))),
      });
  return sets;
}
