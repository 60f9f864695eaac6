// Writes a dataset folder atomically: samples go into <out>.partial (volumes/, masks/ and labels/ as NIfTI, or
// one <split>.npz), then manifest.json and preview.png, then one rename makes <out> appear complete.
// Any failure removes <out>.partial, so <out> is either complete or untouched (a StagedFolder).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { applyWindow } from '../generator/acquisition';
import { NoduleGenerator, Sample } from '../generator/generator';
import { encodeNifti } from '../formats/nifti';
import { encodeNpz } from '../formats/npz';
import { generateSamples } from '../parallel/parallel';
import { PreviewItem, writePreview } from '../formats/preview';
import type { DatasetSpec } from '../spec/spec';
import { StagedFolder } from '@nodulab/platform';
import {
  DatasetManifest,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  SampleRecord,
  StorageFormat,
  normalizationText,
} from './manifest';

/** Options of a dataset folder being written. */
export interface DatasetWriterOptions {
  spec: DatasetSpec;
  seed: number;
  split: string;
  /**
   * 'nifti' (default): volumes/NNNNNN.nii.gz, masks/NNNNNN.nii.gz (the segmentation target) and
   * labels/NNNNNN.nii.gz (the label map); 'npz': one <split>.npz.
   */
  format?: StorageFormat;
  /** Replace an existing non-empty <out> (default false: that is an error). */
  overwrite?: boolean;
}

/** Collects samples into a staging folder; `commit` moves it to `out`, `abort` removes it. */
export class DatasetWriter {
  readonly out: string;
  readonly staging: string;
  private readonly folder: StagedFolder;
  private readonly format: StorageFormat;
  private readonly records: SampleRecord[] = [];
  private readonly npzParts: { images: Float32Array[]; masks: Uint8Array[]; labelMaps: Uint8Array[] } = {
    images: [],
    masks: [],
    labelMaps: [],
  };
  private readonly gen: NoduleGenerator;
  private shape: [number, number, number] | null = null;
  private spacing: [number, number, number] | null = null;
  private closed = false;

  /** Checks `out` and creates the empty staging folder <out>.partial (a stale one is replaced). */
  constructor(
    out: string,
    private readonly options: DatasetWriterOptions,
  ) {
    this.out = path.resolve(out);
    this.format = options.format ?? 'nifti';
    if (this.format !== 'nifti' && this.format !== 'npz')
      throw new Error(`dataset format must be nifti or npz, got ${JSON.stringify(this.format)}`);
    this.gen = new NoduleGenerator(options.spec, options.seed);
    this.folder = new StagedFolder(this.out, options.overwrite ?? false);
    this.staging = this.folder.staging;
    if (this.format === 'nifti') {
      fs.mkdirSync(path.join(this.staging, 'volumes'));
      fs.mkdirSync(path.join(this.staging, 'masks'));
      fs.mkdirSync(path.join(this.staging, 'labels'));
    }
  }

  /** The intensity window of the split (volumes are stored in HU; readers apply this). */
  get window(): { center: number; width: number } {
    return this.gen.resolve(this.options.split).window;
  }

  /** Number of samples added. */
  get count(): number {
    return this.records.length;
  }

  /** Adds a sample generated in HU (`{ hu: true }`), in index order. */
  add(s: Sample): void {
    if (this.closed) throw new Error('DatasetWriter: already committed or aborted');
    if (s.units !== 'HU')
      throw new Error(
        `DatasetWriter: sample ${s.index} is windowed; generate with { hu: true } (the folder stores HU)`,
      );
    if (this.shape === null) {
      this.shape = [...s.shape];
      this.spacing = [...s.spacing];
    } else if (s.shape.some((d, k) => d !== this.shape?.[k])) {
      throw new Error(
        `DatasetWriter: sample ${s.index} has shape (${s.shape.join(', ')}), the folder has (${this.shape.join(', ')})`,
      );
    }
    const record: SampleRecord = {
      index: s.index,
      seed: s.seed,
      label: s.label,
      grade: s.grade,
      targetClass: s.targetClass,
      bbox: s.bbox,
      footprint: s.footprint,
      centre: s.centre,
      factors: s.factors,
      shortcutAgrees: s.shortcutAgrees,
    };
    if (this.format === 'nifti') {
      const stem = String(s.index).padStart(6, '0');
      record.volume = `volumes/${stem}.nii.gz`;
      record.mask = `masks/${stem}.nii.gz`;
      record.labels = `labels/${stem}.nii.gz`;
      const desc = `nodulab ${this.options.spec.name} ${s.split} #${s.index} label ${s.label}`;
      const vol = encodeNifti(s.shape, s.spacing, s.volume, { description: desc }, record.volume);
      const uint8 = (data: Uint8Array, what: string, file: string) =>
        encodeNifti(s.shape, s.spacing, data, { datatype: 'uint8', description: `${desc} ${what}` }, file);
      fs.writeFileSync(path.join(this.staging, record.volume), zlib.gzipSync(vol, { level: 1 }));
      fs.writeFileSync(path.join(this.staging, record.mask), zlib.gzipSync(uint8(s.target, 'mask', record.mask)));
      fs.writeFileSync(path.join(this.staging, record.labels), zlib.gzipSync(uint8(s.labels, 'labels', record.labels)));
    } else {
      record.row = this.records.length;
      this.npzParts.images.push(s.volume);
      this.npzParts.masks.push(s.target);
      this.npzParts.labelMaps.push(s.labels);
    }
    this.records.push(record);
  }

  /**
   * Writes the npz (if that format), manifest.json and preview.png (of `preview`, windowed samples; none
   * when empty), then renames the staging folder to `out` (replacing an old one when overwriting).
   * Returns the manifest.
   */
  commit(preview: readonly PreviewItem[] = []): DatasetManifest {
    if (this.closed) throw new Error('DatasetWriter: already committed or aborted');
    if (this.records.length === 0 || this.shape === null || this.spacing === null)
      throw new Error('DatasetWriter: no samples were added');
    const split = this.options.split;
    const resolved = this.gen.resolve(split);
    const n = this.records.length;
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      spec: this.gen.spec,
      resolvedSpec: resolved,
      seed: this.options.seed,
      split,
      start: this.records[0].index,
      n,
      shape: this.shape,
      spacing: this.spacing,
      units: 'HU',
      window: { ...resolved.window },
      normalization: normalizationText(resolved.window),
      storage: this.format,
      labelCounts: {
        '0': this.records.filter((r) => r.label === 0).length,
        '1': this.records.filter((r) => r.label === 1).length,
      },
      samples: this.records,
    };
    if (this.format === 'npz') {
      const voxels = this.shape[0] * this.shape[1] * this.shape[2];
      const images = new Float32Array(n * voxels);
      const masks = new Uint8Array(n * voxels);
      const labelMaps = new Uint8Array(n * voxels);
      this.npzParts.images.forEach((v, k) => images.set(v, k * voxels));
      this.npzParts.masks.forEach((m, k) => masks.set(m, k * voxels));
      this.npzParts.labelMaps.forEach((m, k) => labelMaps.set(m, k * voxels));
      const file = `${split}.npz`;
      manifest.npz = {
        file,
        images: `${split}_images`,
        masks: `${split}_masks`,
        labels: `${split}_labels`,
        labelMaps: `${split}_label_maps`,
      };
      const dims = [n, ...this.shape];
      const bytes = encodeNpz(
        {
          [manifest.npz.images]: { dtype: 'float32', shape: dims, data: images },
          [manifest.npz.masks]: { dtype: 'uint8', shape: dims, data: masks },
          [manifest.npz.labelMaps as string]: { dtype: 'uint8', shape: dims, data: labelMaps },
          [manifest.npz.labels]: { dtype: 'uint8', shape: [n, 1], data: this.records.map((r) => r.label) },
        },
        { compress: true },
        path.join(this.out, file),
      );
      fs.writeFileSync(path.join(this.staging, file), bytes);
    }
    fs.writeFileSync(path.join(this.staging, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    if (preview.length > 0) writePreview(path.join(this.staging, 'preview.png'), preview);
    this.closed = true;
    this.folder.commit();
    return manifest;
  }

  /** Removes the staging folder (nothing is left behind). Safe to call more than once. */
  abort(): void {
    this.closed = true;
    this.folder.abort();
  }
}

/** Options of writeDataset. */
export interface WriteDatasetOptions extends DatasetWriterOptions {
  n: number;
  /** First index (default 0). */
  start?: number;
  /** Worker threads (default 2; 0 or 1: this thread). */
  workers?: number;
  /** Samples shown in preview.png (default 8; 0: no preview). */
  preview?: number;
  /** Called after each written sample. */
  onProgress?: (done: number) => void;
}

/** The window-normalized copy of a HU sample, for the preview. */
function previewItem(s: Sample, window: { center: number; width: number }): PreviewItem {
  const volume = Float32Array.from(s.volume);
  applyWindow(volume, window);
  return { shape: s.shape, spacing: s.spacing, volume, mask: s.target, labels: s.labels, centre: s.centre };
}

/**
 * Generates samples start .. start + n - 1 of `split` (on `workers` threads) and writes the dataset
 * folder `out`: volumes, masks and label maps, manifest.json, preview.png. Atomic: on any error `out` is left as
 * it was and no <out>.partial remains.
 *
 * @example
 * const manifest = await writeDataset('data/iid-train', { spec: preset('iid'), seed: 0, split: 'train', n: 1000 });
 */
export async function writeDataset(out: string, options: WriteDatasetOptions): Promise<DatasetManifest> {
  const nPreview = options.preview ?? 8;
  if (!Number.isInteger(nPreview) || nPreview < 0)
    throw new Error(`writeDataset: preview must be a non-negative integer, got ${nPreview}`);
  if (!Number.isSafeInteger(options.n) || options.n < 1)
    throw new Error(`writeDataset: n must be a positive integer, got ${options.n}`);
  const writer = new DatasetWriter(out, options);
  const window = writer.window;
  const preview: PreviewItem[] = [];
  try {
    for await (const s of generateSamples(options.spec, {
      n: options.n,
      seed: options.seed,
      split: options.split,
      start: options.start,
      workers: options.workers,
      hu: true,
    })) {
      writer.add(s);
      if (preview.length < nPreview) preview.push(previewItem(s, window));
      options.onProgress?.(writer.count);
    }
    return writer.commit(preview);
  } catch (e) {
    writer.abort();
    throw e;
  }
}
