// `nodulab generate`: writes a synthetic dataset folder — volumes and masks (NIfTI or npz), manifest.json
// and a preview.png mosaic — from a preset or spec file, atomically, with a progress bar on a terminal.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LABEL_IDS, PRESET_NAMES, STRUCTURE_NAMES, loadSpec, writeDataset } from '@nodulab/data';
import { checkOutput, lockOutput, partialPath } from '@nodulab/platform';
import type { DatasetSpec } from '@nodulab/data';
import { type ParsedOptions, UsageError } from '../args';
import type { Command } from '../command';
import { ProgressBar } from '../progress';

const OPTIONS = {
  spec: { type: 'string', description: `preset (${PRESET_NAMES.join(', ')}) or spec .json file` },
  n: { type: 'integer', description: 'number of samples', default: 1000, min: 1 },
  seed: { type: 'integer', description: 'dataset seed', default: 0, min: 0 },
  out: { type: 'string', description: 'output folder (written atomically)' },
  split: { type: 'string', description: "split: train, val, test or one of the spec's splits", default: 'train' },
  start: { type: 'integer', description: 'first sample index', default: 0, min: 0 },
  format: { type: 'string', description: 'volume files', choices: ['nifti', 'npz'], default: 'nifti' },
  workers: {
    type: 'integer',
    description: 'worker threads (0: this thread)',
    default: Math.min(2, os.availableParallelism()),
    min: 0,
  },
  preview: { type: 'integer', description: 'samples shown in preview.png (0: none)', default: 8, min: 0 },
  overwrite: { type: 'boolean', description: 'replace an existing non-empty --out' },
} as const;

function loadSpecOption(name: string): DatasetSpec {
  if (!PRESET_NAMES.includes(name) && !name.endsWith('.json') && !name.includes('/') && !name.includes(path.sep)) {
    throw new UsageError(`unknown preset '${name}' (presets: ${PRESET_NAMES.join(', ')}; or give a spec .json file)`);
  }
  return loadSpec(name);
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a synthetic nodule dataset folder: volumes, masks, manifest.json, preview.png',
  options: OPTIONS,
  async run(o) {
    if (o.spec === undefined) throw new UsageError('--spec is required');
    if (o.out === undefined || o.out === '') throw new UsageError('--out is required');
    const spec = loadSpecOption(o.spec as string);
    const split = o.split as string;
    const known = ['train', 'val', 'test', ...Object.keys(spec.splits ?? {})];
    if (!known.includes(split))
      throw new UsageError(`--split '${split}' is not a split of spec "${spec.name}" (splits: ${known.join(', ')})`);
    const out = path.resolve(o.out as string);
    // One writer per output: a second `generate --out` into the same folder fails here, naming this one.
    const lock = lockOutput(out);
    try {
      return await generate(o, spec, split, out);
    } finally {
      lock.release();
    }
  },
};

/** Writes the dataset with `out` locked and reports it. */
async function generate(o: ParsedOptions, spec: DatasetSpec, split: string, out: string): Promise<number> {
  checkOutput(out, o.overwrite === true);
  const n = o.n as number;
  const t0 = Date.now();
  const bar = new ProgressBar(`generate ${spec.name}/${split}`, n);
  // Ctrl-C: remove the staging folder so nothing half-written remains.
  const onSignal = (): void => {
    bar.finish();
    fs.rmSync(partialPath(out), { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  let manifest;
  try {
    manifest = await writeDataset(out, {
      spec,
      seed: o.seed as number,
      split,
      n,
      start: o.start as number,
      format: o.format as 'nifti' | 'npz',
      workers: o.workers as number,
      preview: o.preview as number,
      overwrite: o.overwrite === true,
      onProgress: (done) => bar.update(done),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    bar.finish();
  }
  const secs = (Date.now() - t0) / 1000;
  const [D, H, W] = manifest.shape;
  const target = spec.segmentation ? `target: ${spec.segmentation.join(' + ')}` : 'the nodule';
  const labelIds = STRUCTURE_NAMES.map((name) => `${LABEL_IDS[name]} ${name}`).join(', ');
  const files =
    manifest.storage === 'nifti'
      ? `  volumes/  ${n} NIfTI .nii.gz, float32 HU, ${D}x${H}x${W} voxels at ${manifest.spacing.join('x')} mm (z, y, x)\n  masks/    ${n} NIfTI .nii.gz, uint8 (${target})\n  labels/   ${n} NIfTI .nii.gz, uint8 label maps (${labelIds})`
      : `  ${manifest.npz?.file}  ${manifest.npz?.images} float32 HU (${n}, ${D}, ${H}, ${W}), ${manifest.npz?.masks} uint8 (${target}), ${manifest.npz?.labelMaps} uint8 label maps (${labelIds}), ${manifest.npz?.labels} uint8 (${n}, 1)`;
  process.stdout.write(
    `wrote ${n} samples of "${spec.name}" (split ${split}, seed ${manifest.seed}) to ${out} in ${secs.toFixed(1)} s (${(n / Math.max(secs, 1e-3)).toFixed(0)}/s)\n` +
      `${files}\n` +
      `  manifest.json  labels 0: ${manifest.labelCounts['0']}, 1: ${manifest.labelCounts['1']}; window center ${manifest.window.center} width ${manifest.window.width} HU -> [0, 1]\n` +
      ((o.preview as number) > 0
        ? `  preview.png    ${Math.min(n, o.preview as number)} samples, axial/coronal/sagittal through the nodule\n`
        : ''),
  );
  return 0;
}
