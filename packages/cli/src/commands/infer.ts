// `nodulab infer`: runs an exported ONNX model (onnxruntime-node) on volumes of any size, spacing and
// orientation — a NIfTI file, every .nii/.nii.gz in a folder, a DICOM series folder, or a folder of series
// folders — printing per-volume class probabilities;
// segmentation models also write their masks as NIfTI on each volume's own grid. Each volume, as read and as
// resampled, is bounded by --max-voxels (else NODULAB_MAX_VOXELS), so a small file cannot ask for gigabytes.
import * as fs from 'fs';
import * as path from 'path';
import { INPUT_LIMIT_ENV, isDicomFolder, readVolume, writeNifti } from '@nodulab/data';
import { OnnxModel } from '@nodulab/onnx';
import { UsageError } from '../args';
import type { Command } from '../command';

const OPTIONS = {
  model: { type: 'string', description: 'an ONNX model exported by `nodulab export`' },
  units: {
    type: 'string',
    description:
      "input intensities: HU (the model's window is applied), normalized, or auto (normalized when every value is in [0, 1])",
    choices: ['auto', 'hu', 'normalized'],
    default: 'auto',
  },
  fit: {
    type: 'string',
    description:
      "auto: reorient to RAS, resample to the model's spacing, then centre crop/pad (classification) or sliding windows (segmentation); strict: the volume must already have the model's size",
    choices: ['auto', 'strict'],
    default: 'auto',
  },
  overlap: {
    type: 'number',
    description: 'overlap of neighbouring sliding windows (segmentation), in [0, 1)',
    default: 0.25,
    min: 0,
  },
  'out-dir': { type: 'string', description: 'folder for segmentation masks (<name>_mask.nii.gz)', default: '.' },
  'max-voxels': {
    type: 'number',
    description: `largest volume grid, as read and as resampled to the model's spacing (default: ${INPUT_LIMIT_ENV.maxVoxels}, else 268435456)`,
    min: 1,
  },
  series: {
    type: 'string',
    description: 'for a DICOM folder holding several series: its index (as listed) or SeriesInstanceUID',
  },
  json: { type: 'boolean', description: 'print one JSON document instead of lines' },
} as const;

function volumesIn(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (e) {
    throw new Error(`cannot read ${target}: ${(e as Error).message}`);
  }
  if (!stat.isDirectory()) return [target];
  const files = fs
    .readdirSync(target)
    .filter((f) => /\.nii(\.gz)?$/.test(f))
    .sort();
  if (files.length) return files.map((f) => path.join(target, f));
  if (isDicomFolder(target)) return [target];
  const series = fs
    .readdirSync(target)
    .sort()
    .map((f) => path.join(target, f))
    .filter(isDicomFolder);
  if (!series.length)
    throw new Error(`${target} holds no .nii or .nii.gz volumes, no DICOM files and no folders of DICOM files`);
  return series;
}

function baseName(file: string): string {
  return path.basename(file).replace(/\.nii(\.gz)?$/, '');
}

export const inferCommand: Command = {
  name: 'infer',
  summary: 'Run an ONNX model on NIfTI volumes or DICOM series: per-volume probabilities (and masks for segmentation).',
  positionals: '<volume.nii.gz|dir|dicom-dir>',
  options: OPTIONS,
  async run(o, positionals) {
    if (!o.model) throw new UsageError('--model is required');
    if (positionals.length !== 1) throw new UsageError('give one volume file or folder');
    const overlap = o.overlap as number;
    if (!(overlap < 1)) throw new UsageError(`--overlap must be below 1; got ${overlap}`);
    const strict = o.fit === 'strict';
    const maxVoxels = o['max-voxels'] as number | undefined;
    if (maxVoxels !== undefined && !Number.isSafeInteger(maxVoxels))
      throw new UsageError(`--max-voxels must be a positive integer; got ${maxVoxels}`);
    const limits = maxVoxels === undefined ? {} : { maxVoxels };
    const files = volumesIn(positionals[0]);
    const model = await OnnxModel.load(o.model as string);
    const m = model.metadata;
    const results: Record<string, unknown>[] = [];
    let failed = 0;
    try {
      for (const file of files) {
        try {
          const vol = readVolume(file, {
            ...limits,
            ...(o.series !== undefined ? { series: o.series as string } : {}),
          });
          const units =
            o.units === 'hu'
              ? 'HU'
              : o.units === 'normalized'
                ? 'normalized'
                : vol.data.every((v) => v >= 0 && v <= 1)
                  ? 'normalized'
                  : 'HU';
          if (strict && vol.spacing.some((s, i) => Math.abs(s - m.spacing[i]) > 1e-3 * m.spacing[i])) {
            process.stderr.write(
              `nodulab infer: warning: ${file} has spacing (${vol.spacing.join(', ')}) mm, the model was trained at (${m.spacing.join(', ')}) mm\n`,
            );
          }
          const p = strict
            ? await model.predict({ data: vol.data, shape: vol.shape }, { units })
            : await model.predictVolume(vol, { units, overlap, name: file, limits });
          const geometry = p.geometry ? { geometry: p.geometry } : {};
          if (p.task === 'classification') {
            const probs = Object.fromEntries(p.classNames.map((c, k) => [c, p.probabilities[0][k]]));
            results.push({ file, units, probabilities: probs, predicted: p.classNames[p.predicted[0]], ...geometry });
            if (!o.json) {
              process.stdout.write(
                `${file}\t${p.classNames.map((c, k) => `${c}=${p.probabilities[0][k].toFixed(4)}`).join('\t')}\tpredicted=${p.classNames[p.predicted[0]]}\n`,
              );
            }
          } else if (p.task === 'segmentation') {
            fs.mkdirSync(o['out-dir'] as string, { recursive: true });
            const maskFile = path.join(o['out-dir'] as string, `${baseName(file)}_mask.nii.gz`);
            writeNifti(maskFile, vol.shape, vol.spacing, p.masks[0], {
              datatype: 'uint8',
              affine: vol.affine,
              description: `nodulab ${m.modelKind} mask`,
            });
            const voxels = p.masks[0].length;
            const fractions = Object.fromEntries(
              p.classNames.map((c, k) => [c, p.masks[0].reduce((n, v) => n + (v === k ? 1 : 0), 0) / voxels]),
            );
            results.push({ file, units, mask: maskFile, voxelFractions: fractions, ...geometry });
            if (!o.json) {
              process.stdout.write(
                `${file}\t${p.classNames.map((c) => `${c}=${fractions[c].toFixed(4)}`).join('\t')}\tmask=${maskFile}\n`,
              );
            }
          } else if (p.task === 'localization') {
            const box = Array.from(p.boxes[0]);
            results.push({ file, units, box, ...geometry });
            if (!o.json)
              process.stdout.write(
                `${file}\tbox(centre z,y,x size d,h,w; /input size)=${box.map((v) => v.toFixed(4))}\n`,
              );
          } else {
            results.push({ file, units, embedding: Array.from(p.embeddings[0]), ...geometry });
            if (!o.json)
              process.stdout.write(
                `${file}\tembedding[${p.embeddings[0].length}]=${Array.from(p.embeddings[0].slice(0, 4), (v) => v.toFixed(4)).join(',')}...\n`,
              );
          }
        } catch (e) {
          failed++;
          results.push({ file, error: (e as Error).message });
          process.stderr.write(`nodulab infer: error: ${(e as Error).message}\n`);
        }
      }
    } finally {
      await model.release();
    }
    if (o.json) {
      const doc = { model: o.model, task: m.task, inputSize: m.inputSize, spacing: m.spacing, fit: o.fit, results };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    }
    return failed ? 1 : 0;
  },
};
