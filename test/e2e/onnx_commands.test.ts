/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// CLI round trip: checkpoint -> `nodulab export` -> `nodulab infer` on NIfTI volumes (probabilities
// equal nodulab's own forward; masks written for U-Net) -> `nodulab evaluate`; and their errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { noGrad, softmax, Tensor } from '@nodulab/tensor';
import { modelSpecMetadata, NoduleNet3D, saveCheckpoint, UNet3D } from '@nodulab/nn';
import { applyWindow, NoduleGenerator, orientationCode, preset, readNifti, writeNifti } from '@nodulab/data';
import { runCli as run } from '../helpers/run_cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-cli-onnx-'));
const f = (name: string) => path.join(dir, name);

const gen = new NoduleGenerator(preset('iid'), 3);
const samples = gen.batch('test', [0, 1], { hu: true });
const classifier = new NoduleNet3D({ widthMultiplier: 0.5, seed: 4 });
const nnSpec = { kind: 'nodulenet3d' as const, options: { widthMultiplier: 0.5 } };

beforeAll(() => {
  saveCheckpoint(classifier, f('net.safetensors'), {
    metadata: { ...modelSpecMetadata(nnSpec), 'nodulab.config': JSON.stringify({ lr: 0.1 }) },
  });
  saveCheckpoint(classifier, f('bare.safetensors'));
  fs.mkdirSync(f('vols'));
  samples.forEach((s, k) => writeNifti(f(`vols/case${k}.nii.gz`), s.shape, s.spacing, s.volume));
  writeNifti(f('small.nii'), [16, 16, 16], [1, 1, 1], new Float32Array(16 ** 3));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('export -> infer -> evaluate', () => {
  it('exports a checkpoint that records its model and infers the same probabilities as nodulab', async () => {
    const ex = await run(['export', '--checkpoint', f('net.safetensors'), '--out', f('net.onnx')]);
    expect(ex.stderr).toBe('');
    expect(ex.code).toBe(0);
    expect(ex.stdout).toMatch(
      /nodulenet3d classification, opset 17, input input \(N, 1, 32, 32, 32\).*BatchNorm folded \(3\), config sha256:/,
    );

    const inf = await run(['infer', '--model', f('net.onnx'), '--json', f('vols')]);
    expect(inf.code).toBe(0);
    const doc = JSON.parse(inf.stdout) as {
      results: { file: string; units: string; probabilities: Record<string, number> }[];
    };
    expect(doc.results.map((r) => path.basename(r.file))).toEqual(['case0.nii.gz', 'case1.nii.gz']);
    classifier.eval();
    doc.results.forEach((r, k) => {
      expect(r.units).toBe('HU');
      const v = Float32Array.from(samples[k].volume);
      applyWindow(v, samples[k].window);
      const want = noGrad(() => softmax(classifier.forward(new Tensor(v, [1, 1, 32, 32, 32])), 1)).data;
      expect(Math.abs(r.probabilities.benign - want[0])).toBeLessThan(1e-4);
      expect(Math.abs(r.probabilities.malignant - want[1])).toBeLessThan(1e-4);
    });

    const text = await run(['infer', '--model', f('net.onnx'), f('vols/case0.nii.gz')]);
    expect(text.stdout).toMatch(/case0\.nii\.gz\tbenign=0\.\d{4}\tmalignant=0\.\d{4}\tpredicted=(benign|malignant)\n/);
  });

  it('takes a run folder and exports its best checkpoint', async () => {
    fs.mkdirSync(f('run/checkpoints'), { recursive: true });
    fs.copyFileSync(f('net.safetensors'), f('run/checkpoints/best.safetensors'));
    const ex = await run(['export', '--checkpoint', f('run'), '--out', f('run.onnx')]);
    expect(ex.code).toBe(0);
    expect(fs.readFileSync(f('run.onnx'))).toEqual(fs.readFileSync(f('net.onnx')));
    const notRun = await run(['export', '--checkpoint', f('vols'), '--out', f('x.onnx')]);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toMatch(/without checkpoints\/best.safetensors/);
  });

  it('needs --model for a checkpoint that does not record it, and checks it against the weights', async () => {
    // `nodulab export` of the checkpoint without model metadata, with `options` after --checkpoint and --out.
    const exportBare = (...options: string[]) =>
      run(['export', '--checkpoint', f('bare.safetensors'), '--out', f('bare.onnx'), ...options]);
    const bare = await exportBare();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/does not record its model kind; pass --model/);
    const wrong = await exportBare('--model', 'nodulenet3d');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/shape mismatch for "features.0.weight"/);
    expect(fs.existsSync(f('bare.onnx'))).toBe(false);
    const ok = await exportBare(
      '--model',
      'nodulenet3d',
      '--model-options',
      '{"widthMultiplier":0.5}',
      '--bn',
      'keep',
      '--class-names',
      'no,yes',
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/BatchNorm BatchNormalization, config none/);
  });

  it('evaluate prints and writes the metrics of each test split', async () => {
    const ev = await run([
      'evaluate',
      '--model',
      f('net.onnx'),
      '--spec',
      'shortcut-size',
      '--n',
      '6',
      '--batch',
      '4',
      '--out',
      f('metrics.json'),
    ]);
    expect(ev.stderr).toBe('');
    expect(ev.code).toBe(0);
    expect(
      ev.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['test', 'test-rho0.5', 'test-rho0.0']);
    const doc = JSON.parse(fs.readFileSync(f('metrics.json'), 'utf8'));
    expect(Object.keys(doc.splits)).toEqual(['test', 'test-rho0.5', 'test-rho0.0']);
    for (const r of Object.values(doc.splits) as Record<string, number>[]) {
      expect(r.n).toBe(6);
      for (const k of ['accuracy', 'balancedAccuracy']) expect(r[k]).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
    }
  });

  it('writes NIfTI masks for a segmentation model', async () => {
    const unet = new UNet3D({ baseChannels: 2, seed: 1 });
    saveCheckpoint(unet, f('unet.safetensors'), {
      metadata: modelSpecMetadata({ kind: 'unet3d', options: { baseChannels: 2 } }),
    });
    expect((await run(['export', '--checkpoint', f('unet.safetensors'), '--out', f('unet.onnx')])).code).toBe(0);
    const inf = await run(['infer', '--model', f('unet.onnx'), '--out-dir', f('masks'), f('vols/case1.nii.gz')]);
    expect(inf.code).toBe(0);
    expect(inf.stdout).toMatch(/background=\d\.\d{4}\tnodule=\d\.\d{4}\tmask=/);
    const mask = readNifti(f('masks/case1_mask.nii.gz'));
    expect(mask.shape).toEqual([32, 32, 32]);
    expect(mask.datatype).toBe(2);
    expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it.each([
    [['infer', '--model', 'missing.onnx', 'x.nii'], 1, /cannot read x.nii/],
    [['infer', f('vols')], 2, /--model is required/],
    [['evaluate', '--model', 'm.onnx'], 2, /give --spec \(a preset name or a spec file\) or --scans <folder>/],
    [['export', '--checkpoint', 'nope.safetensors', '--out', 'x.onnx'], 1, /nope.safetensors/],
  ])('%j exits %p', async (argv, code, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('a volume of the wrong size is an error naming the file, with a non-zero exit (--fit strict)', async () => {
    const r = await run(['infer', '--model', f('net.onnx'), '--fit', 'strict', f('small.nii')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/volume size \(16, 16, 16\) differs from the model's input size \(32, 32, 32\)/);
    const notOnnx = await run(['infer', '--model', f('small.nii'), f('vols')]);
    expect(notOnnx.code).toBe(1);
    expect(notOnnx.stderr).toMatch(/not an ONNX model/);
  });

  it('takes scans of any size, spacing and orientation and reports what it did (--json)', async () => {
    // A 48×48×40 int16 CT at 0.7 mm in-plane / 1.25 mm slices, stored LPS with scl_slope as nibabel writes it.
    const [D, H, W] = [40, 48, 48];
    const hu = Float32Array.from({ length: D * H * W }, (_, i) => -900 + ((i * 37) % 1100));
    const lps = [
      [-0.7, 0, 0, 160],
      [0, -0.7, 0, 180],
      [0, 0, 1.25, -50],
      [0, 0, 0, 1],
    ];
    writeNifti(f('scan.nii.gz'), [D, H, W], [1.25, 0.7, 0.7], hu, {
      datatype: 'int16',
      scale: { slope: 1, inter: -1024 },
      affine: lps,
    });
    const cls = await run(['infer', '--model', f('net.onnx'), '--json', f('scan.nii.gz')]);
    expect(cls.stderr).toBe('');
    expect(cls.code).toBe(0);
    const doc = JSON.parse(cls.stdout);
    expect(doc).toMatchObject({ task: 'classification', inputSize: [32, 32, 32], spacing: [1, 1, 1], fit: 'auto' });
    expect(doc.results[0].geometry).toEqual({
      originalShape: [40, 48, 48],
      originalSpacing: [1.25, Math.fround(0.7), Math.fround(0.7)],
      orientation: 'LPS',
      reoriented: true,
      resampledShape: [50, 34, 34],
      resampledSpacing: [1, 1, 1],
      resampled: true,
      inputSize: [32, 32, 32],
      fit: 'center-crop-pad',
      windows: 1,
    });
    const small = JSON.parse((await run(['infer', '--model', f('net.onnx'), '--json', f('small.nii')])).stdout);
    expect(small.results[0].geometry).toMatchObject({ originalShape: [16, 16, 16], fit: 'center-crop-pad' });

    const seg = await run(['infer', '--model', f('unet.onnx'), '--json', '--out-dir', f('masks'), f('scan.nii.gz')]);
    expect(seg.code).toBe(0);
    const r = JSON.parse(seg.stdout).results[0];
    expect(r.geometry).toMatchObject({ resampledShape: [50, 34, 34], fit: 'sliding-window', windows: 8 });
    const mask = readNifti(r.mask);
    expect(mask.shape).toEqual([40, 48, 48]);
    expect(orientationCode(mask.affine)).toBe('LPS');
    expect(mask.affine).toEqual(readNifti(f('scan.nii.gz')).affine);
    expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
  });
});
