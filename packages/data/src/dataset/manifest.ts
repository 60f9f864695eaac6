// manifest.json of a dataset folder: what was generated (spec, resolved spec, seed, split, n, shape,
// spacing, window normalization, storage) and one record per sample (files, label, bbox, centre,
// factors); with a strict validator whose errors name the file and the bad field.
import type { Window } from '../generator/acquisition';
import type { BBox } from '../generator/generator';
import type { FactorRecord } from '../spec/factors';
import type { DatasetSpec, ResolvedSpec } from '../spec/spec';

/** The manifest's format tag and version; readers reject other versions. */
export const MANIFEST_FORMAT = 'nodulab-dataset';
export const MANIFEST_VERSION = 1;

/** How volumes and masks are stored in the folder. */
export type StorageFormat = 'nifti' | 'npz';

/** One sample's record. */
export interface SampleRecord {
  /** The sample's index in its split (the generator's i). */
  index: number;
  /** The per-sample seed derived from (seed, split, index). */
  seed: number;
  /**
   * nifti storage: volume, mask (the spec's segmentation target: the nodule mask unless `spec.segmentation` names
   * structures) and label map (structure ids, `LABEL_IDS`) file names relative to the folder.
   */
  volume?: string;
  mask?: string;
  labels?: string;
  /** npz storage: the row of the arrays. */
  row?: number;
  label: 0 | 1;
  /** The ordinal grade 1–5 of the factors (noduleGrade); absent in folders written before grades existed. */
  grade?: number;
  targetClass: 0 | 1;
  bbox: BBox | null;
  footprint: BBox | null;
  centre: [number, number, number] | null;
  factors: FactorRecord;
  shortcutAgrees: Record<string, boolean>;
}

/**
 * The arrays of an npz-stored folder: one .npz holding images (N, D, H, W), masks (the segmentation
 * targets), class labels (N, 1) and, in folders written since label maps exist, the label maps (N, D, H, W).
 */
export interface NpzStorage {
  file: string;
  images: string;
  masks: string;
  labels: string;
  labelMaps?: string;
}

/** manifest.json. */
export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** The spec as given (validated), so any sample can be regenerated or counterfactually changed. */
  spec: DatasetSpec;
  /** The spec of this split with every default filled in. */
  resolvedSpec: ResolvedSpec;
  seed: number;
  split: string;
  /** First index and number of samples: indices start .. start + n - 1. */
  start: number;
  n: number;
  /** (D, H, W) voxels and (z, y, x) mm. */
  shape: [number, number, number];
  spacing: [number, number, number];
  /** Volumes are stored in `units`; training reads them through `window` to [0, 1]. */
  units: 'HU';
  window: Window;
  normalization: string;
  storage: StorageFormat;
  npz?: NpzStorage;
  labelCounts: { '0': number; '1': number };
  samples: SampleRecord[];
}

/** The normalization sentence stored in every manifest. */
export function normalizationText(window: Window): string {
  return `x = clamp((HU - (${window.center} - ${window.width} / 2)) / ${window.width}, 0, 1)`;
}

const TOP_KEYS = [
  'format',
  'version',
  'spec',
  'resolvedSpec',
  'seed',
  'split',
  'start',
  'n',
  'shape',
  'spacing',
  'units',
  'window',
  'normalization',
  'storage',
  'npz',
  'labelCounts',
  'samples',
];
const RECORD_KEYS = [
  'index',
  'seed',
  'volume',
  'mask',
  'labels',
  'row',
  'label',
  'grade',
  'targetClass',
  'bbox',
  'footprint',
  'centre',
  'factors',
  'shortcutAgrees',
];

/** Checks a parsed manifest; throws one error listing every problem, naming `file`. */
export function validateManifest(doc: unknown, file: string): DatasetManifest {
  const problems: string[] = [];
  const bad = (msg: string): void => {
    if (problems.length < 20) problems.push(msg);
  };
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const isTriple = (x: unknown, ok: (v: number) => boolean): boolean =>
    Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number' && ok(v));
  const isBox = (x: unknown): boolean =>
    x === null || (isObj(x) && isTriple(x.min, Number.isInteger) && isTriple(x.max, Number.isInteger));
  if (!isObj(doc)) throw new Error(`dataset manifest ${file}: must be a JSON object`);
  const m = doc;
  if (m.format !== MANIFEST_FORMAT)
    throw new Error(`dataset manifest ${file}: "format" must be "${MANIFEST_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (m.version !== MANIFEST_VERSION)
    throw new Error(
      `dataset manifest ${file}: unsupported version ${JSON.stringify(m.version)} (this reader knows ${MANIFEST_VERSION})`,
    );
  for (const k of Object.keys(m)) if (!TOP_KEYS.includes(k)) bad(`unknown key "${k}"`);
  if (!isObj(m.spec)) bad('"spec" must be an object');
  if (!isObj(m.resolvedSpec)) bad('"resolvedSpec" must be an object');
  if (!Number.isSafeInteger(m.seed)) bad(`"seed" must be an integer, got ${JSON.stringify(m.seed)}`);
  if (typeof m.split !== 'string' || m.split === '') bad('"split" must be a non-empty string');
  if (!Number.isSafeInteger(m.start) || (m.start as number) < 0)
    bad(`"start" must be a non-negative integer, got ${JSON.stringify(m.start)}`);
  if (!Number.isSafeInteger(m.n) || (m.n as number) < 1)
    bad(`"n" must be a positive integer, got ${JSON.stringify(m.n)}`);
  if (!isTriple(m.shape, (v) => Number.isInteger(v) && v >= 1))
    bad(`"shape" must be 3 positive integers (D, H, W), got ${JSON.stringify(m.shape)}`);
  if (!isTriple(m.spacing, (v) => Number.isFinite(v) && v > 0))
    bad(`"spacing" must be 3 positive numbers (z, y, x) mm, got ${JSON.stringify(m.spacing)}`);
  if (m.units !== 'HU') bad(`"units" must be "HU", got ${JSON.stringify(m.units)}`);
  const w = m.window;
  if (!isObj(w) || !Number.isFinite(w.center) || !Number.isFinite(w.width) || (w.width as number) <= 0)
    bad(`"window" must be {center, width > 0}, got ${JSON.stringify(w)}`);
  if (m.storage !== 'nifti' && m.storage !== 'npz')
    bad(`"storage" must be "nifti" or "npz", got ${JSON.stringify(m.storage)}`);
  if (m.storage === 'npz') {
    const z = m.npz;
    if (!isObj(z) || !['file', 'images', 'masks', 'labels'].every((k) => typeof z[k] === 'string' && z[k] !== ''))
      bad('"npz" must name file, images, masks and labels');
  }
  if (!Array.isArray(m.samples)) {
    bad('"samples" must be an array');
  } else {
    if (m.samples.length !== m.n) bad(`"samples" has ${m.samples.length} records, "n" is ${JSON.stringify(m.n)}`);
    m.samples.forEach((r: unknown, k: number) => {
      const at = `samples[${k}]`;
      if (!isObj(r)) return bad(`${at} must be an object`);
      for (const key of Object.keys(r)) if (!RECORD_KEYS.includes(key)) bad(`${at}: unknown key "${key}"`);
      if (!Number.isSafeInteger(r.index)) bad(`${at}.index must be an integer`);
      if (r.label !== 0 && r.label !== 1) bad(`${at}.label must be 0 or 1, got ${JSON.stringify(r.label)}`);
      if (r.grade !== undefined && !(Number.isInteger(r.grade) && (r.grade as number) >= 1 && (r.grade as number) <= 5))
        bad(`${at}.grade must be an integer in [1, 5], got ${JSON.stringify(r.grade)}`);
      if (r.targetClass !== 0 && r.targetClass !== 1) bad(`${at}.targetClass must be 0 or 1`);
      if (!isBox(r.bbox) || !isBox(r.footprint)) bad(`${at}.bbox / footprint must be {min, max} of 3 integers or null`);
      if (r.centre !== null && !isTriple(r.centre, Number.isFinite)) bad(`${at}.centre must be 3 numbers or null`);
      if (!isObj(r.factors)) bad(`${at}.factors must be an object`);
      if (m.storage === 'nifti') {
        for (const f of ['volume', 'mask', ...(r.labels === undefined ? [] : ['labels'])]) {
          const name = r[f];
          if (typeof name !== 'string' || name === '' || name.startsWith('/') || name.split(/[\\/]/).includes('..')) {
            bad(`${at}.${f} must be a file name inside the folder, got ${JSON.stringify(name)}`);
          }
        }
      } else if (r.row !== k) {
        bad(`${at}.row must be ${k}, got ${JSON.stringify(r.row)}`);
      }
    });
  }
  if (problems.length > 0) throw new Error(`dataset manifest ${file}: ${problems.join('; ')}`);
  return m as unknown as DatasetManifest;
}
