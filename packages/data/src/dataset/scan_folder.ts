// A folder of scans (DICOM series folders and/or NIfTI files) with a labels.csv, as a Dataset: each item is its
// scan read by readVolume, brought to RAS at the asked spacing (resampleToRas), then centre cropped / padded to
// the asked shape (centerCropOrPad) — the path predictVolume takes a scan into a classifier. Read lazily.
import { centerCropOrPad } from '../augment/center_crop';
import { readVolume } from '../dicom/read_volume';
import { InputLimits, inputLimits, voxelLimitError } from '../formats/input_limits';
import { resampleToRas } from '../volume/ras_grid';
import { Dataset, DatasetRecipe, Item, checkIndex } from './dataset';
import { ScanLabel, readScanLabels } from './scan_labels';

/** Options of {@link ScanFolderDataset}. */
export interface ScanFolderOptions {
  /** Voxel size (z, y, x) mm every scan is resampled to (on the RAS grid). */
  spacing: [number, number, number];
  /** (D, H, W) voxels every item is centre cropped / padded to. */
  shape: [number, number, number];
  /**
   * What padding fills: a number (in the scan's units, e.g. -1024 HU) or 'min' (default), each scan's smallest
   * value after resampling — as `predictVolume` pads, so items equal what a model sees in `nodulab infer`.
   */
  padValue?: number | 'min';
  /** The labels file inside the folder (default "labels.csv"). */
  labels?: string;
  /** Keep each item once read (n · D·H·W float32 at most; default false: every `get` reads its scan again). */
  cache?: boolean;
  /** Bounds on each scan as read and as resampled, and on labels.csv (see `inputLimits`). */
  limits?: Partial<InputLimits>;
}

function triple(v: unknown, what: string, integer: boolean): [number, number, number] {
  const ok =
    Array.isArray(v) &&
    v.length === 3 &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0 && (!integer || Number.isInteger(x)));
  if (!ok) throw new Error(`${what} must be 3 positive ${integer ? 'integers' : 'numbers'}, got ${JSON.stringify(v)}`);
  return [v[0], v[1], v[2]];
}

/**
 * Labelled scans in a folder: `labels.csv` (header `scan,label`) lists each scan — a DICOM series folder or a
 * .nii / .nii.gz file, by a path relative to the folder — with its integer class. Items are (1, ...shape) in the
 * scan's own units (HU for CT: apply a model's window, e.g. `units: 'HU'` in evaluate), on the RAS grid at
 * `spacing`. The CSV and every path are checked when the dataset opens (errors name the file and line); a scan
 * is read on `get`, lazily — a folder of CT series is far larger than memory, and each read is bounded by the
 * input limits — and an unreadable one throws naming its row with the reader's message.
 *
 * @example
 * const ds = new ScanFolderDataset('scans', { spacing: [1, 1, 1], shape: [32, 32, 32], padValue: -1024 });
 * const { volume, label } = ds.get(0); // volume: (1, 32, 32, 32) HU
 */
export class ScanFolderDataset implements Dataset {
  readonly name: string;
  readonly channels = 1;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly hasMasks = false;
  readonly padValue: number | 'min';
  /** The rows of labels.csv, in its order. */
  readonly rows: readonly ScanLabel[];
  private readonly labelsFile: string;
  private readonly limits: InputLimits;
  private readonly cached: (Float32Array | undefined)[] | null;

  /** Opens `dir`: reads and checks labels.csv and that every scan it lists exists inside `dir`. */
  constructor(dir: string, options: ScanFolderOptions) {
    this.name = dir;
    this.spacing = triple(options?.spacing, `ScanFolderDataset ${dir}: spacing`, false);
    this.shape = triple(options.shape, `ScanFolderDataset ${dir}: shape`, true);
    this.padValue = options.padValue ?? 'min';
    if (this.padValue !== 'min' && !Number.isFinite(this.padValue))
      throw new Error(`ScanFolderDataset ${dir}: padValue must be a finite number or 'min', got ${this.padValue}`);
    this.limits = inputLimits(options.limits);
    const over = voxelLimitError(this.shape, this.limits, 'the item shape');
    if (over !== null) throw new Error(`ScanFolderDataset ${dir}: ${over}`);
    this.labelsFile = options.labels ?? 'labels.csv';
    this.rows = readScanLabels(dir, this.labelsFile, this.limits);
    this.cached = options.cache ? new Array(this.rows.length) : null;
  }

  get length(): number {
    return this.rows.length;
  }

  /** The labels, in item order. */
  get labels(): Int32Array {
    return Int32Array.from(this.rows, (r) => r.label);
  }

  get(i: number): Item {
    checkIndex(this, i);
    const volume = this.cached?.[i] ?? this.load(i);
    if (this.cached) this.cached[i] = volume;
    return { index: i, volume, shape: [1, ...this.shape], label: this.rows[i].label };
  }

  recipe(): DatasetRecipe {
    const { name: dir, spacing, shape, padValue, labelsFile: labels, limits } = this;
    return { kind: 'scans', dir, spacing, shape, padValue, labels, cache: this.cached !== null, limits };
  }

  private load(i: number): Float32Array {
    const row = this.rows[i];
    const at = `${this.name}: ${this.labelsFile} line ${row.line}: ${row.scan}`;
    let grid;
    try {
      grid = resampleToRas(readVolume(row.file, this.limits), this.spacing, row.file, this.limits);
    } catch (e) {
      throw new Error(`ScanFolderDataset ${at}: ${(e as Error).message}`);
    }
    let pad = this.padValue;
    if (pad === 'min') {
      pad = Infinity;
      for (const v of grid.data) if (v < pad) pad = v;
    }
    return centerCropOrPad(grid.data, grid.shape, this.shape, pad);
  }
}
