// `nodulab convert`: a DICOM series folder → one NIfTI-1 file (.nii / .nii.gz) with sform and qform set, in RAS
// and Hounsfield units — the way dcm2niix converts it — stored as int16 with the series' rescale when that is
// exact, else float32. Non-image files are listed and skipped; a folder of several series needs --series.
import { INPUT_LIMIT_ENV, readDicomSeries, writeNifti } from '@nodulab/data';
import { UsageError } from '../args';
import type { Command } from '../command';

const OPTIONS = {
  out: { type: 'string', description: 'output NIfTI file (.nii or .nii.gz)' },
  series: {
    type: 'string',
    description: 'which series of a folder holding several: its index (as listed) or SeriesInstanceUID',
  },
  'max-voxels': {
    type: 'number',
    description: `largest series grid, slices × rows × columns (default: ${INPUT_LIMIT_ENV.maxVoxels}, else 268435456)`,
    min: 1,
  },
  json: { type: 'boolean', description: 'print one JSON document describing what was written' },
} as const;

/** True when every value is stored·slope + inter for an int16 `stored`: int16 with that scale is exact. */
function int16Exact(data: Float32Array, slope: number, inter: number): boolean {
  for (let i = 0; i < data.length; i++) {
    const s = Math.round((data[i] - inter) / slope);
    if (s < -32768 || s > 32767 || Math.fround(s * slope + inter) !== data[i]) return false;
  }
  return true;
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'Convert a DICOM series folder to NIfTI (RAS, Hounsfield units, sform and qform set).',
  positionals: '<dicom-dir>',
  options: OPTIONS,
  async run(o, positionals) {
    if (positionals.length !== 1) throw new UsageError('give one DICOM series folder');
    if (!o.out) throw new UsageError('--out is required (a .nii or .nii.gz file)');
    const out = o.out as string;
    if (!/\.nii(\.gz)?$/.test(out)) throw new UsageError(`--out must end in .nii or .nii.gz, got ${out}`);
    const maxVoxels = o['max-voxels'] as number | undefined;
    if (maxVoxels !== undefined && !Number.isSafeInteger(maxVoxels))
      throw new UsageError(`--max-voxels must be a positive integer; got ${maxVoxels}`);
    const vol = readDicomSeries(positionals[0], {
      ...(o.series !== undefined ? { series: o.series as string } : {}),
      ...(maxVoxels !== undefined ? { maxVoxels } : {}),
    });
    const exact = int16Exact(vol.data, vol.sclSlope, vol.sclInter);
    writeNifti(out, vol.shape, vol.spacing, vol.data, {
      affine: vol.affine,
      description: vol.description,
      ...(exact ? { datatype: 'int16', scale: { slope: vol.sclSlope, inter: vol.sclInter } } : {}),
    });
    for (const s of vol.skipped) process.stderr.write(`nodulab convert: skipped ${s.file}: ${s.reason}\n`);
    const doc = {
      out,
      series: vol.series,
      shape: vol.shape,
      spacing: vol.spacing,
      affine: vol.affine,
      sourceOrientation: vol.sourceOrientation,
      datatype: exact ? 'int16' : 'float32',
      skipped: vol.skipped,
    };
    if (o.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else
      process.stdout.write(
        `${out}\t${vol.shape.join('×')} (D×H×W)\tspacing ${vol.spacing.map((s) => +s.toFixed(4)).join(', ')} mm` +
          `\tfrom ${vol.sourceOrientation}\tseries ${vol.series.uid} ${JSON.stringify(vol.series.description)}` +
          `${vol.skipped.length ? `\tskipped ${vol.skipped.length}` : ''}\n`,
      );
    return 0;
  },
};
