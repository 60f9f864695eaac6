// Reads a dataset folder written by writeDataset: validates manifest.json (and that every listed file
// exists), then serves volumes normalized through the manifest's window, masks and labels. Errors name
// the file.
import * as fs from 'fs';
import * as path from 'path';
import { parseJsonBounded } from '@nodulab/platform';
import { applyWindow } from '../generator/acquisition';
import { readNifti } from '../formats/nifti';
import { NpyArray } from '../formats/npy';
import { readNpz } from '../formats/npz';
import { DatasetManifest, SampleRecord, validateManifest } from './manifest';
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/** Reads and validates `<dir>/manifest.json`. */
export function readManifest(dir: string): DatasetManifest {
  const file = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `dataset ${dir}: cannot read manifest.json (${(e as Error).message}); is this a nodulab dataset folder?`,
    );
  }
  return validateManifest(parseJsonBounded(text, `dataset manifest ${file}`), file);
}

/** A dataset folder: manifest plus volumes/masks as NIfTI files or one .npz; items carry their factor records. */
export class DatasetFolder implements Dataset {
  readonly name: string;
  readonly manifest: DatasetManifest;
  readonly n: number;
  readonly channels = 1;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly labels: Int32Array;
  readonly hasMasks = true;
  private readonly npz: { images: NpyArray; masks: NpyArray; labelMaps: NpyArray | null } | null = null;

  /** Opens `dir`; throws naming the file for a bad manifest, a missing file or a bad .npz. */
  constructor(dir: string) {
    this.name = dir;
    this.manifest = readManifest(dir);
    const m = this.manifest;
    this.n = m.n;
    this.shape = [...m.shape];
    this.spacing = [...m.spacing];
    this.labels = Int32Array.from(m.samples, (r) => r.label);
    if (m.storage === 'nifti') {
      for (const r of m.samples) {
        for (const f of [r.volume, r.mask, ...(r.labels === undefined ? [] : [r.labels])] as string[]) {
          if (!fs.existsSync(path.join(dir, f)))
            throw new Error(`dataset ${dir}: ${f} listed in manifest.json is missing`);
        }
      }
    } else {
      const z = m.npz as NonNullable<DatasetManifest['npz']>;
      const file = path.join(dir, z.file);
      const arrays = readNpz(file);
      const dims = [m.n, ...m.shape];
      for (const key of [z.images, z.masks, z.labels]) {
        if (arrays[key] === undefined)
          throw new Error(`dataset ${file}: no array "${key}" (has ${Object.keys(arrays).join(', ') || 'none'})`);
      }
      const check = (key: string, dtype: string, shape: number[]): void => {
        const a = arrays[key];
        if (a.dtype !== dtype || a.shape.join() !== shape.join()) {
          throw new Error(
            `dataset ${file}: "${key}" is ${a.dtype} (${a.shape.join(', ')}), the manifest needs ${dtype} (${shape.join(', ')})`,
          );
        }
      };
      check(z.images, 'float32', dims);
      check(z.masks, 'uint8', dims);
      check(z.labels, 'uint8', [m.n, 1]);
      if (z.labelMaps !== undefined) {
        if (arrays[z.labelMaps] === undefined) throw new Error(`dataset ${file}: no array "${z.labelMaps}"`);
        check(z.labelMaps, 'uint8', dims);
      }
      const labels = arrays[z.labels].data;
      m.samples.forEach((r, k) => {
        if (labels[k] !== r.label)
          throw new Error(`dataset ${file}: "${z.labels}"[${k}] = ${labels[k]} but manifest.json says ${r.label}`);
      });
      this.npz = {
        images: arrays[z.images],
        masks: arrays[z.masks],
        labelMaps: z.labelMaps === undefined ? null : arrays[z.labelMaps],
      };
    }
  }

  /** Number of items (same as `n`). */
  get length(): number {
    return this.n;
  }

  get(i: number, options: GetOptions = {}): Item {
    checkIndex(this, i);
    const { factors, bbox } = this.manifest.samples[i];
    const item: Item = {
      index: i,
      volume: this.volume(i),
      shape: [1, ...this.shape],
      label: this.labels[i],
      factors,
      bbox,
    };
    if (options.mask) item.mask = this.mask(i);
    return item;
  }

  recipe(): DatasetRecipe {
    return { kind: 'folder', dir: this.name };
  }

  /** The manifest record of position `i`. */
  record(i: number): SampleRecord {
    checkIndex(this, i);
    return this.manifest.samples[i];
  }

  /** Volume `i` in HU: (D, H, W). */
  volumeHU(i: number): Float32Array {
    checkIndex(this, i);
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    if (this.npz !== null) return (this.npz.images.data as Float32Array).slice(i * v, (i + 1) * v);
    return this.readVolume(this.manifest.samples[i].volume as string).data;
  }

  /** Volume `i` normalized through the manifest's window to [0, 1]. */
  volume(i: number): Float32Array {
    const hu = this.volumeHU(i);
    applyWindow(hu, this.manifest.window);
    return hu;
  }

  mask(i: number): Uint8Array {
    checkIndex(this, i);
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    if (this.npz !== null) return (this.npz.masks.data as Uint8Array).slice(i * v, (i + 1) * v);
    return Uint8Array.from(this.readVolume(this.manifest.samples[i].mask as string).data);
  }

  /** Label map `i`: (D, H, W) structure ids (`LABEL_IDS`), or null for a folder written without label maps. */
  labelMap(i: number): Uint8Array | null {
    checkIndex(this, i);
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    if (this.npz !== null) {
      const maps = this.npz.labelMaps;
      return maps === null ? null : (maps.data as Uint8Array).slice(i * v, (i + 1) * v);
    }
    const file = this.manifest.samples[i].labels;
    return file === undefined ? null : Uint8Array.from(this.readVolume(file).data);
  }

  private readVolume(name: string): { data: Float32Array } {
    const file = path.join(this.name, name);
    const vol = readNifti(file);
    if (vol.shape.join() !== this.shape.join()) {
      throw new Error(
        `dataset ${file}: shape (${vol.shape.join(', ')}) differs from the manifest's (${this.shape.join(', ')})`,
      );
    }
    return vol;
  }
}
