// MedMNIST 3D .npz files (e.g. NoduleMNIST3D): arrays {train,val,test}_images — uint8 (N, D, H, W)
// (or (N, 1, D, H, W)) — and {split}_labels (N, 1), read as a Dataset with volumes scaled to [0, 1].
import { NpyArray } from '../formats/npy';
import { NpzArrays, readNpz } from '../formats/npz';
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/** The splits of the MedMNIST layout. */
export const MEDMNIST_SPLITS = ['train', 'val', 'test'] as const;

/** A split of a MedMNIST-layout .npz (any "<split>_images" / "<split>_labels" pair). */
export class NpzVolumeDataset implements Dataset {
  readonly name: string;
  readonly n: number;
  readonly channels = 1;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number] = [1, 1, 1];
  readonly labels: Int32Array;
  readonly hasMasks: boolean;
  private readonly images: NpyArray;
  private readonly masks: NpyArray | null;
  /** 1/255 for uint8 images, 1 for float images (taken as already in [0, 1]). */
  private readonly scale: number;

  /** Takes `split` from arrays read out of `file` (named in every error). */
  constructor(
    arrays: NpzArrays,
    private readonly split: string,
    private readonly file: string,
  ) {
    this.name = `${file} (${split})`;
    const fail = (msg: string): never => {
      throw new Error(`readMedMNIST ${file}: ${msg}`);
    };
    const keys = Object.keys(arrays);
    const need = [`${split}_images`, `${split}_labels`];
    const missing = need.filter((k) => arrays[k] === undefined);
    if (missing.length > 0) {
      const splits = [...new Set(keys.filter((k) => k.endsWith('_images')).map((k) => k.slice(0, -7)))];
      fail(
        `missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (keys: ${keys.join(', ') || 'none'}; splits: ${splits.join(', ') || 'none'})`,
      );
    }
    const images = arrays[`${split}_images`];
    const labels = arrays[`${split}_labels`];
    let dims = images.shape;
    if (dims.length === 5 && dims[1] === 1) dims = [dims[0], dims[2], dims[3], dims[4]];
    if (dims.length !== 4)
      fail(`${split}_images has shape (${images.shape.join(', ')}); 3D images must be (N, D, H, W) or (N, 1, D, H, W)`);
    if (dims.some((d) => d < 1)) fail(`${split}_images has an empty dimension: (${images.shape.join(', ')})`);
    if (!['uint8', 'float32', 'float64'].includes(images.dtype))
      fail(`${split}_images is ${images.dtype}; expected uint8 (or float in [0, 1])`);
    const n = dims[0];
    const lshape = labels.shape;
    if (!((lshape.length === 2 && lshape[0] === n && lshape[1] === 1) || (lshape.length === 1 && lshape[0] === n))) {
      fail(
        `${split}_labels has shape (${lshape.join(', ')}); expected (${n}, 1) to match ${n} images (multi-label arrays are not supported)`,
      );
    }
    this.labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels.data[i];
      if (!Number.isInteger(y) || y < 0) fail(`${split}_labels[${i}] = ${y} is not a class index`);
      this.labels[i] = y;
    }
    const maskKey = `${split}_masks`;
    this.masks = arrays[maskKey] ?? null;
    if (this.masks !== null && (this.masks.dtype !== 'uint8' || this.masks.shape.join() !== images.shape.join())) {
      fail(`${maskKey} is ${this.masks.dtype} (${this.masks.shape.join(', ')}); expected uint8 of the images' shape`);
    }
    this.hasMasks = this.masks !== null;
    this.n = n;
    this.shape = [dims[1], dims[2], dims[3]];
    this.images = images;
    this.scale = images.dtype === 'uint8' ? 1 / 255 : 1;
  }

  /** Number of items (same as `n`). */
  get length(): number {
    return this.n;
  }

  get(i: number, options: GetOptions = {}): Item {
    const item: Item = { index: i, volume: this.volume(i), shape: [1, ...this.shape], label: this.labels[i] };
    const mask = options.mask ? this.mask(i) : null;
    if (mask !== null) item.mask = mask;
    return item;
  }

  recipe(): DatasetRecipe {
    return { kind: 'medmnist', file: this.file, split: this.split };
  }

  /** Volume `i`: (D, H, W) in [0, 1]. */
  volume(i: number): Float32Array {
    checkIndex(this, i);
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    const out = new Float32Array(v);
    const src = this.images.data;
    for (let k = 0; k < v; k++) out[k] = src[i * v + k] * this.scale;
    return out;
  }

  /** Mask `i`: (D, H, W), or null when the file has no "<split>_masks". */
  mask(i: number): Uint8Array | null {
    checkIndex(this, i);
    if (this.masks === null) return null;
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    return (this.masks.data as Uint8Array).slice(i * v, (i + 1) * v);
  }
}

/**
 * Reads split `split` ('train', 'val' or 'test', or any "<split>_images" key) of a MedMNIST-layout
 * .npz such as nodulemnist3d.npz; volumes in [0, 1] (uint8 / 255), labels from (N, 1).
 *
 * @example
 * const train = readMedMNIST('nodulemnist3d.npz', 'train');   // train.volume(0): (28, 28, 28)
 */
export function readMedMNIST(file: string, split = 'train'): NpzVolumeDataset {
  return new NpzVolumeDataset(readNpz(file), split, file);
}
