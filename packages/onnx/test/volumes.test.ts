// Scans as nibabel writes them through OnnxModel.predictVolume: an LPS copy predicts as its RAS original
// (within 1e-4), int16 with scl_slope as its float32 values, anisotropic 48×48×40 at 0.7 / 1.25 mm resampled
// to the model's 1 mm, and segmentation of a volume larger than the model input by Gaussian-blended windows;
// a tiny scan whose voxels claim 1950 mm is refused before its resampled grid (27 GiB) is allocated.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Affine, applyWindow, readNifti, resampleLinear, resampleMaps, writeNifti } from '@nodulab/data';
import { centerCropOrPad, gaussianImportance, windowStarts } from '@nodulab/eval';
import { ClassificationPrediction, OnnxModel, saveOnnx, SegmentationPrediction } from '../src';
import { maxAbsDiff, modelWithStats } from './helpers';

const SIZE: [number, number, number] = [16, 16, 16];
const WINDOW = { center: -600, width: 1500 };
let dir: string;
let net: OnnxModel;
let unet: OnnxModel;
const f = (name: string) => path.join(dir, name);

/** A phantom (D, H, W) in HU: lung background with a smooth gradient and a soft nodule off centre. */
function phantom(D: number, H: number, W: number, spacing: readonly number[]): Float32Array {
  const v = new Float32Array(D * H * W);
  const c = [D * 0.55, H * 0.45, W * 0.5].map((x, k) => x * spacing[k]);
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const p = [z * spacing[0], y * spacing[1], x * spacing[2]];
        const r2 = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2;
        v[(z * H + y) * W + x] = -850 + 4 * p[1] + 2 * p[2] + 900 * Math.exp(-r2 / (2 * 3.5 ** 2));
      }
  return v;
}

/** v: (D, H, W) with x and y reversed: the same scan stored in LPS order. */
function flipXY(v: Float32Array, [D, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(v.length);
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out[(z * H + y) * W + x] = v[(z * H + H - 1 - y) * W + W - 1 - x];
  return out;
}

/** The RAS affine of a grid and the LPS affine of the same voxels (as DICOM-derived writers store it). */
function affines([, H, W]: readonly number[], [sz, sy, sx]: readonly number[]): { ras: Affine; lps: Affine } {
  const ras = [
    [sx, 0, 0, -100],
    [0, sy, 0, -120],
    [0, 0, sz, 40],
    [0, 0, 0, 1],
  ];
  const lps = [
    [-sx, 0, 0, -100 + (W - 1) * sx],
    [0, -sy, 0, -120 + (H - 1) * sy],
    [0, 0, sz, 40],
    [0, 0, 0, 1],
  ];
  return { ras, lps };
}

const ANISO = {
  shape: [40, 48, 48] as [number, number, number],
  spacing: [1.25, 0.7, 0.7] as [number, number, number],
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-onnx-volumes-'));
  const meta = { inputSize: SIZE, spacing: [1, 1, 1] as [number, number, number], window: WINDOW };
  saveOnnx(modelWithStats({ kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } }), f('net.onnx'), meta);
  saveOnnx(modelWithStats({ kind: 'unet3d', options: { baseChannels: 2 } }), f('unet.onnx'), meta);
  net = await OnnxModel.load(f('net.onnx'));
  unet = await OnnxModel.load(f('unet.onnx'));
});
afterAll(async () => {
  await net.release();
  await unet.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('classification', () => {
  it('a RAS volume of the model size and spacing predicts exactly as the raw array', async () => {
    const v = phantom(16, 16, 16, [1, 1, 1]);
    writeNifti(f('exact.nii.gz'), SIZE, [1, 1, 1], v);
    const p = (await net.predict(readNifti(f('exact.nii.gz')))) as ClassificationPrediction;
    const raw = (await net.predict({ data: v, shape: SIZE })) as ClassificationPrediction;
    expect(Array.from(p.logits[0])).toEqual(Array.from(raw.logits[0]));
    expect(p.geometry).toMatchObject({ fit: 'exact', windows: 1, reoriented: false, resampled: false });
  });

  it('anisotropic 48×48×40 at 0.7 / 1.25 mm: resampled to 1 mm (50, 34, 34), then a centred crop', async () => {
    const v = phantom(...ANISO.shape, ANISO.spacing);
    writeNifti(f('aniso.nii.gz'), ANISO.shape, ANISO.spacing, v, { affine: affines(ANISO.shape, ANISO.spacing).ras });
    const vol = readNifti(f('aniso.nii.gz'));
    const p = (await net.predictVolume(vol)) as ClassificationPrediction;
    expect(p.geometry).toEqual({
      originalShape: [40, 48, 48],
      originalSpacing: [1.25, Math.fround(0.7), Math.fround(0.7)],
      orientation: 'RAS',
      reoriented: false,
      resampledShape: [50, 34, 34],
      resampledSpacing: [1, 1, 1],
      resampled: true,
      inputSize: [16, 16, 16],
      fit: 'center-crop-pad',
      windows: 1,
    });
    // The same steps by hand: trilinear to 1 mm, window, centre crop, the model.
    const grid = resampleLinear(vol.data, vol.shape, resampleMaps(vol.shape, vol.spacing, [1, 1, 1]));
    applyWindow(grid, WINDOW);
    const x = centerCropOrPad(grid, [50, 34, 34], SIZE, 0);
    const want = (await net.predict({ data: x, shape: SIZE }, { units: 'normalized' })) as ClassificationPrediction;
    expect(maxAbsDiff(p.probabilities[0], want.probabilities[0])).toBeLessThan(1e-6);
  });

  it('the LPS copy of a scan predicts as the RAS original, within 1e-4', async () => {
    const v = phantom(...ANISO.shape, ANISO.spacing);
    const { ras, lps } = affines(ANISO.shape, ANISO.spacing);
    writeNifti(f('ras.nii'), ANISO.shape, ANISO.spacing, v, { affine: ras });
    writeNifti(f('lps.nii'), ANISO.shape, ANISO.spacing, flipXY(v, ANISO.shape), { affine: lps });
    const a = (await net.predictVolume(readNifti(f('ras.nii')))) as ClassificationPrediction;
    const b = (await net.predictVolume(readNifti(f('lps.nii')))) as ClassificationPrediction;
    expect(b.geometry).toMatchObject({ orientation: 'LPS', reoriented: true });
    expect(maxAbsDiff(a.probabilities[0], b.probabilities[0])).toBeLessThan(1e-4);
    // Without reorientation the flip would matter: the raw flipped array predicts differently.
    const flipped = flipXY(phantom(16, 16, 16, [1, 1, 1]), SIZE);
    const direct = (await net.predict({ data: flipped, shape: SIZE })) as ClassificationPrediction;
    const unflipped = (await net.predict({
      data: phantom(16, 16, 16, [1, 1, 1]),
      shape: SIZE,
    })) as ClassificationPrediction;
    expect(maxAbsDiff(direct.logits[0], unflipped.logits[0])).toBeGreaterThan(1e-4);
  });

  it('int16 with scl_slope 0.5 / scl_inter −1024 predicts as the float32 values it stands for', async () => {
    const v = Float32Array.from(phantom(...ANISO.shape, ANISO.spacing), (x) => Math.round(x * 2) / 2);
    writeNifti(f('ct_int16.nii.gz'), ANISO.shape, ANISO.spacing, v, {
      datatype: 'int16',
      scale: { slope: 0.5, inter: -1024 },
    });
    writeNifti(f('ct_f32.nii.gz'), ANISO.shape, ANISO.spacing, v);
    const i16 = readNifti(f('ct_int16.nii.gz'));
    expect(i16.datatype).toBe(4);
    const a = (await net.predictVolume(i16)) as ClassificationPrediction;
    const b = (await net.predictVolume(readNifti(f('ct_f32.nii.gz')))) as ClassificationPrediction;
    expect(maxAbsDiff(a.probabilities[0], b.probabilities[0])).toBeLessThan(1e-4);
  });
});

describe('segmentation', () => {
  it('a volume larger than the model input: Gaussian-blended windows (checked by hand), mask on the scan grid', async () => {
    const v = phantom(...ANISO.shape, ANISO.spacing);
    const vol = { data: v, shape: ANISO.shape, spacing: ANISO.spacing };
    const p = (await unet.predictVolume(vol)) as SegmentationPrediction;
    expect(p.geometry).toMatchObject({ resampledShape: [50, 34, 34], fit: 'sliding-window', windows: 4 * 3 * 3 });
    expect(p.shape).toEqual([40, 48, 48]);
    expect(p.masks[0].length).toBe(40 * 48 * 48);
    // By hand: every window through the model, weighted by the Gaussian, divided by the summed weights.
    const grid = resampleLinear(v, ANISO.shape, resampleMaps(ANISO.shape, ANISO.spacing, [1, 1, 1]));
    applyWindow(grid, WINDOW);
    const [GD, GH, GW] = [50, 34, 34];
    const g = gaussianImportance(SIZE, 0.125);
    const acc = new Float64Array(2 * GD * GH * GW);
    const wsum = new Float64Array(GD * GH * GW);
    for (const z0 of windowStarts(GD, 16, 0.25))
      for (const y0 of windowStarts(GH, 16, 0.25))
        for (const x0 of windowStarts(GW, 16, 0.25)) {
          const x = new Float32Array(16 ** 3);
          for (let z = 0; z < 16; z++)
            for (let y = 0; y < 16; y++)
              for (let xx = 0; xx < 16; xx++) x[(z * 16 + y) * 16 + xx] = grid[((z0 + z) * GH + y0 + y) * GW + x0 + xx];
          const out = (
            (await unet.predict({ data: x, shape: SIZE }, { units: 'normalized' })) as SegmentationPrediction
          ).logits[0];
          for (let z = 0; z < 16; z++)
            for (let y = 0; y < 16; y++)
              for (let xx = 0; xx < 16; xx++) {
                const r = (z * 16 + y) * 16 + xx;
                const t = ((z0 + z) * GH + y0 + y) * GW + x0 + xx;
                wsum[t] += g[r];
                for (let k = 0; k < 2; k++) acc[k * GD * GH * GW + t] += g[r] * out[k * 4096 + r];
              }
        }
    const want = Float32Array.from(acc, (a, i) => a / wsum[i % (GD * GH * GW)]);
    expect(maxAbsDiff(p.logits[0], want)).toBeLessThan(1e-4);
  });

  it('the LPS copy gives the same logits and the LPS-ordered mask', async () => {
    const v = phantom(...ANISO.shape, ANISO.spacing);
    const { ras, lps } = affines(ANISO.shape, ANISO.spacing);
    const a = (await unet.predictVolume({
      data: v,
      shape: ANISO.shape,
      spacing: ANISO.spacing,
      affine: ras,
    })) as SegmentationPrediction;
    const b = (await unet.predictVolume({
      data: flipXY(v, ANISO.shape),
      shape: ANISO.shape,
      spacing: ANISO.spacing,
      affine: lps,
    })) as SegmentationPrediction;
    expect(maxAbsDiff(a.logits[0], b.logits[0])).toBeLessThan(1e-4);
    const flippedMask = flipXY(Float32Array.from(a.masks[0]), ANISO.shape);
    expect(Array.from(b.masks[0])).toEqual(Array.from(flippedMask));
  });

  it('a volume of the model size predicts the same mask as the raw array; a smaller one is padded', async () => {
    const v = phantom(16, 16, 16, [1, 1, 1]);
    const p = (await unet.predictVolume({ data: v, shape: SIZE, spacing: [1, 1, 1] })) as SegmentationPrediction;
    const raw = (await unet.predict({ data: v, shape: SIZE })) as SegmentationPrediction;
    expect(Array.from(p.masks[0])).toEqual(Array.from(raw.masks[0]));
    expect(Array.from(p.logits[0])).toEqual(Array.from(raw.logits[0]));
    const small = phantom(10, 12, 16, [1, 1, 1]);
    const s = (await unet.predictVolume({
      data: small,
      shape: [10, 12, 16],
      spacing: [1, 1, 1],
    })) as SegmentationPrediction;
    expect(s.shape).toEqual([10, 12, 16]);
    expect(s.masks[0].length).toBe(10 * 12 * 16);
    expect(s.geometry).toMatchObject({ fit: 'sliding-window', windows: 1 });
  });

  it('rejects a volume whose geometry is wrong, naming what is wrong', async () => {
    const v = new Float32Array(8);
    await expect(unet.predictVolume({ data: v, shape: [2, 2, 2], spacing: [1, 0, 1] })).rejects.toThrow(
      /spacing must be 3 positive numbers/,
    );
    await expect(unet.predictVolume({ data: v, shape: [2, 2, 3], spacing: [1, 1, 1] })).rejects.toThrow(
      /does not match its 8 values/,
    );
    await expect(
      unet.predictVolume({ data: Float32Array.from(v).fill(NaN), shape: [2, 2, 2], spacing: [1, 1, 1] }),
    ).rejects.toThrow(/non-finite value \(NaN\) at voxel 0/);
  });

  it('refuses a one-voxel scan of 1950 mm voxels before resampling it (maxVoxels), naming it', async () => {
    writeNifti(f('tiny.nii'), [1, 1, 1], [1950, 1950, 1950], [0]);
    const scan = readNifti(f('tiny.nii'));
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    for (const model of [net, unet])
      await expect(model.predictVolume(scan, { name: f('tiny.nii') })).rejects.toThrow(
        `predictVolume ${f('tiny.nii')}: resampled from (1×1×1) voxels of (1950, 1950, 1950) mm to (1, 1, 1) mm, ` +
          'the grid (1950×1950×1950) needs 7414875000 voxels (27.62 GiB as float32), over the limit of 268435456',
      );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * 2 ** 20);
    // 48 mm voxels: a 48³ grid, within the default, refused under a limit given as an option.
    const small = { data: [0], shape: [1, 1, 1], spacing: [48, 48, 48] };
    expect((await net.predictVolume(small)).geometry?.resampledShape).toEqual([48, 48, 48]);
    await expect(net.predictVolume(small, { limits: { maxVoxels: 100_000 } })).rejects.toThrow(
      /^predictVolume: .* needs 110592 voxels .* over the limit of 100000 \(maxVoxels, NODULAB_MAX_VOXELS\)$/,
    );
  });
});
