// DICOM in, checked against an independent reader: series written by pydicom (test/fixtures/dicom/make_series.py:
// axial as scanners write it, head to foot, coronal, sagittal, oblique; signed, unsigned, 12-bit, 8-bit, rescaled,
// implicit VR, RLE; shuffled file names) go through `nodulab convert` and through Debian's dcm2niix; both NIfTI
// files, put on their closest RAS grid with their own affines, must hold the same voxels exactly and the same
// affine to 1e-4 mm. Skips, saying so, where python3-pydicom or dcm2niix is missing.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readNifti, rasAffine, rasReorientation, toRas } from '@nodulab/data';
import { REPO_ROOT, spawnCli } from '../helpers/spawn_cli';
import { suiteTempDir } from '../helpers/temp_dir';

const GENERATOR = path.join(REPO_ROOT, 'test', 'fixtures', 'dicom', 'make_series.py');

/** Every series the generator writes, in its order: each orientation and pixel format. */
const CASES = [
  'axial_int16',
  'axial_uint16_intercept',
  'axial_uint16_12bit',
  'axial_int16_12bit',
  'axial_slope_half',
  'axial_head_to_foot',
  'axial_uint8',
  'axial_implicit_vr',
  'axial_rle',
  'coronal',
  'sagittal',
  'oblique_about_z',
  'oblique_double',
];

/** A Python with pydicom and numpy (Debian's /usr/bin/python3 first: a pyenv python3 may lack them). */
function pythonWithPydicom(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithPydicom();
const dcm2niix = spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' }).error ? null : 'dcm2niix';
const missing = [python ? '' : 'python3-pydicom (with python3-numpy)', dcm2niix ? '' : 'dcm2niix'].filter(Boolean);
if (missing.length)
  console.warn(
    `dicom_dcm2niix: skipped — ${missing.join(' and ')} not installed (Debian: apt-get install ${missing.join(' ')})`,
  );
const describeIf = missing.length ? describe.skip : describe;

/** A NIfTI file on its closest RAS grid: voxels and affine. */
function inRas(file: string) {
  const v = readNifti(file);
  const r = rasReorientation(v.shape, v.affine);
  return { shape: r.shape, data: toRas(v.data, r), affine: rasAffine(v.affine, r), datatype: v.datatype };
}

describeIf('DICOM series: nodulab convert equals dcm2niix in RAS', () => {
  const tmp = suiteTempDir('nodulab-dicom-e2e-');
  const cases = path.join(tmp, 'cases');
  let names: string[] = [];

  beforeAll(() => {
    fs.mkdirSync(cases);
    const r = spawnSync(python!, [GENERATOR, cases], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_series.py failed: ${r.stderr}`);
    names = r.stdout.trim().split('\n');
  }, 120_000);

  it('generates every orientation and pixel format', () => {
    expect(names).toEqual(CASES);
  });

  it.each(CASES)(
    '%s',
    async (name) => {
      const series = path.join(cases, name);
      const ours = path.join(tmp, `${name}.nii.gz`);
      const run = await spawnCli(['convert', series, '--out', ours]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const theirs = path.join(tmp, 'dcm2niix', name);
      fs.mkdirSync(theirs, { recursive: true });
      const d = spawnSync(dcm2niix!, ['-z', 'n', '-b', 'n', '-f', 'x', '-o', theirs, series], { encoding: 'utf8' });
      expect(d.status).toBe(0);
      const out = fs.readdirSync(theirs).filter((f) => f.endsWith('.nii'));
      expect(out).toEqual(['x.nii']); // one volume: dcm2niix neither split nor cropped the series
      const a = inRas(ours);
      const b = inRas(path.join(theirs, out[0]));
      expect(a.shape).toEqual(b.shape);
      // dcm2niix (v1.0.20220720) masks 12-bit signed samples to BitsStored but does not sign-extend them: its
      // −1 is 4095. nodulab sign-extends from bit 11, as the standard and pydicom's pixel_array do; for that case
      // the two may differ by exactly 2^12 where nodulab's value is negative, and nowhere else.
      const wrap = name === 'axial_int16_12bit' ? 4096 : 0;
      let differ = 0;
      let wrapped = 0;
      for (let i = 0; i < a.data.length; i++)
        if (a.data[i] !== b.data[i]) {
          if (wrap && a.data[i] < 0 && b.data[i] === a.data[i] + wrap) wrapped++;
          else differ++;
        }
      if (wrap) expect(wrapped).toBeGreaterThan(0);
      expect({ name, differ }).toEqual({ name, differ: 0 });
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of a.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      expect(hi - lo).toBeGreaterThan(100); // a real volume, not an empty one on both sides
      const worst = Math.max(...a.affine.flatMap((row, r) => row.map((x, c) => Math.abs(x - b.affine[r][c]))));
      expect({ name, worst: worst <= 1e-4 ? 'within 1e-4 mm' : worst }).toEqual({ name, worst: 'within 1e-4 mm' });
    },
    60_000,
  );
});
