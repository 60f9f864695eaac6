/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// A DICOM series folder wherever a volume goes in: `nodulab infer <series-dir> --json` and
// `OnnxModel.predictVolume(dir)` give the probabilities they give for the same scan stored as NIfTI (LPS, HU);
// a folder of series folders is one volume each; `nodulab convert` writes the NIfTI, lists skipped files, and
// with several series and no --series fails listing them.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { modelSpecMetadata, NoduleNet3D, saveCheckpoint } from '@nodulab/nn';
import { readNifti, writeNifti } from '@nodulab/data';
import { OnnxModel } from '@nodulab/onnx';
import { runCli as run } from '../helpers/run_cli';
import { ctSeries, nonImage } from '../helpers/dicom_write';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-cli-dicom-'));
const f = (name: string) => path.join(dir, name);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// A 40×48×48 CT at 0.7 mm in-plane / 1.25 mm slices: stored values + intercept −1024 give HU.
const [D, H, W] = [40, 48, 48];
const stored = (i: number, j: number, k: number) => 124 + ((((k * H + j) * W + i) * 37) % 1100);

function writeSeries(into: string, uid: string, description: string): void {
  fs.mkdirSync(into, { recursive: true });
  const files = ctSeries(D, stored, {
    rows: H,
    columns: W,
    pixelSpacing: [0.7, 0.7],
    origin: [-160, -180, -50],
    sliceStep: [0, 0, 1.25],
    intercept: -1024,
    seriesUid: uid,
    seriesDescription: description,
  });
  files.forEach((b, k) => fs.writeFileSync(path.join(into, `z${(k * 17) % D}`), b));
}

beforeAll(async () => {
  const spec = { kind: 'nodulenet3d' as const, options: { widthMultiplier: 0.5 } };
  saveCheckpoint(new NoduleNet3D({ widthMultiplier: 0.5, seed: 4 }), f('net.safetensors'), {
    metadata: modelSpecMetadata(spec),
  });
  const ex = await run(['export', '--checkpoint', f('net.safetensors'), '--out', f('net.onnx')]);
  expect(ex.code).toBe(0);
  // The same scan as NIfTI: voxel (i, j, k) at LPS (−160 + 0.7i, −180 + 0.7j, −50 + 1.25k), i.e. RAS (160 − 0.7i, ...).
  const hu = new Float32Array(D * H * W);
  for (let k = 0; k < D; k++)
    for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) hu[(k * H + j) * W + i] = stored(i, j, k) - 1024;
  const lps = [
    [-0.7, 0, 0, 160],
    [0, -0.7, 0, 180],
    [0, 0, 1.25, -50],
    [0, 0, 0, 1],
  ];
  writeNifti(f('scan.nii.gz'), [D, H, W], [1.25, 0.7, 0.7], hu, { affine: lps });
  writeSeries(f('series/a'), '1.2.3.10', 'lung');
  fs.writeFileSync(f('series/a/DICOMDIR'), nonImage('dicomdir'));
  writeSeries(f('series/b'), '1.2.3.11', 'lung again');
}, 120_000);

describe('DICOM series in', () => {
  it('infer <series-dir> --json gives what infer gives on the same scan as NIfTI', async () => {
    const nii = await run(['infer', '--model', f('net.onnx'), '--json', f('scan.nii.gz')]);
    const dcm = await run(['infer', '--model', f('net.onnx'), '--json', f('series/a')]);
    expect({ code: dcm.code, stderr: dcm.stderr }).toEqual({ code: 0, stderr: '' });
    const a = JSON.parse(nii.stdout).results[0];
    const b = JSON.parse(dcm.stdout).results[0];
    expect(b.file).toBe(f('series/a'));
    expect(b.units).toBe('HU');
    for (const c of Object.keys(a.probabilities)) expect(b.probabilities[c]).toBeCloseTo(a.probabilities[c], 6);
    expect(b.geometry).toMatchObject({ originalShape: [40, 48, 48], orientation: 'RAS', resampledShape: [50, 34, 34] });
  }, 60_000);

  it('OnnxModel.predictVolume takes a DICOM folder (or a NIfTI path) as well as a volume', async () => {
    const model = await OnnxModel.load(f('net.onnx'));
    try {
      const fromDicom = await model.predictVolume(f('series/a'));
      const fromNifti = await model.predictVolume(readNifti(f('scan.nii.gz')));
      const fromPath = await model.predictVolume(f('scan.nii.gz'));
      if (
        fromDicom.task !== 'classification' ||
        fromNifti.task !== 'classification' ||
        fromPath.task !== 'classification'
      )
        throw new Error('a classifier was expected');
      Array.from(fromNifti.probabilities[0]).forEach((p, k) => {
        expect(fromDicom.probabilities[0][k]).toBeCloseTo(p, 6);
        expect(fromPath.probabilities[0][k]).toBe(p);
      });
      await expect(model.predictVolume(f('series'))).rejects.toThrow(/2 series; choose one/);
      await expect(model.predictVolume(f('series'), { series: 1 })).resolves.toMatchObject({ task: 'classification' });
    } finally {
      await model.release();
    }
  }, 60_000);

  it('infer on a folder of series folders reads each as one volume', async () => {
    const r = await run(['infer', '--model', f('net.onnx'), '--json', f('series')]);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).results.map((x: { file: string }) => x.file);
    expect(files).toEqual([f('series/a'), f('series/b')]);
  }, 60_000);

  it('convert writes RAS NIfTI with sform and qform; several series need --series', async () => {
    const c = await run(['convert', f('series/a'), '--out', f('a.nii.gz'), '--json']);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/skipped .*DICOMDIR: a DICOMDIR/);
    expect(JSON.parse(c.stdout)).toMatchObject({ shape: [40, 48, 48], sourceOrientation: 'LPS', datatype: 'int16' });
    const v = readNifti(f('a.nii.gz'));
    expect(v.affineSource).toBe('sform');
    const hdr = zlib.gunzipSync(fs.readFileSync(f('a.nii.gz')));
    expect([hdr.readInt16LE(252), hdr.readInt16LE(254)]).toEqual([1, 1]); // qform_code, sform_code
    expect(v.affine[0][3]).toBeCloseTo(160 - 0.7 * 47, 4); // RAS: x runs left → right from the far voxel
    const two = await run(['convert', f('series'), '--out', f('x.nii')]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(
      /2 series; choose one .*\[0\] 1\.2\.3\.10 "lung" CT 40 slices; \[1\] 1\.2\.3\.11 "lung again" CT 40 slices/,
    );
    const picked = await run(['convert', f('series'), '--out', f('x.nii'), '--series', '1.2.3.11']);
    expect(picked.code).toBe(0);
  }, 60_000);
});
