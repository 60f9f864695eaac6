/**
 * @jest-environment <rootDir>/../../test/helpers/node_realm_environment.js
 */
// `nodulab infer` on untrusted scans: a 356-byte NIfTI whose voxels claim 1950 mm fails at once (exit 1,
// naming the file and the voxels its resampled grid would need) instead of allocating 27 GiB; --max-voxels
// (else NODULAB_MAX_VOXELS) bounds every volume, as read and as resampled, and a bad value is a usage error.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeNifti } from '@nodulab/data';
import { createModel } from '@nodulab/nn';
import { saveOnnx } from '@nodulab/onnx';
import { runCli as run } from '../../../test/helpers/run_cli';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-infer-limits-'));
const f = (name: string) => path.join(dir, name);

beforeAll(() => {
  const model = createModel({ kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } }).eval();
  saveOnnx(model, f('net.onnx'), { inputSize: [16, 16, 16], spacing: [1, 1, 1] });
  writeNifti(f('tiny.nii'), [1, 1, 1], [1950, 1950, 1950], [0]);
  writeNifti(f('scan.nii'), [20, 20, 20], [1, 1, 1], new Float32Array(20 ** 3).fill(-800));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('nodulab infer bounds each volume', () => {
  it('refuses a tiny NIfTI with 1950 mm voxels at once, naming the file and the size it would need', async () => {
    expect(fs.statSync(f('tiny.nii')).size).toBe(356);
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    const r = await run(['infer', '--model', f('net.onnx'), f('tiny.nii')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `nodulab infer: error: predictVolume ${f('tiny.nii')}: resampled from (1×1×1) voxels of (1950, 1950, 1950) mm ` +
        'to (1, 1, 1) mm, the grid (1950×1950×1950) needs 7414875000 voxels (27.62 GiB as float32), over the ' +
        'limit of 268435456 (maxVoxels, NODULAB_MAX_VOXELS)',
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(128 * 2 ** 20);
  });

  it('--max-voxels bounds the volume as read, NODULAB_MAX_VOXELS when the option is absent', async () => {
    const ok = await run(['infer', '--model', f('net.onnx'), f('scan.nii')]);
    expect(ok.code).toBe(0);
    const r = await run(['infer', '--model', f('net.onnx'), '--max-voxels', '4096', f('scan.nii')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `readNifti ${f('scan.nii')}: its dims (20×20×20) needs 8000 voxels (32000 bytes as float32), over the limit ` +
        'of 4096 (maxVoxels, NODULAB_MAX_VOXELS)',
    );
    process.env.NODULAB_MAX_VOXELS = '4096';
    try {
      const env = await run(['infer', '--model', f('net.onnx'), f('scan.nii')]);
      expect(env.code).toBe(1);
      expect(env.stderr).toContain('over the limit of 4096 (maxVoxels, NODULAB_MAX_VOXELS)');
      expect((await run(['infer', '--model', f('net.onnx'), '--max-voxels', '8000', f('scan.nii')])).code).toBe(0);
    } finally {
      delete process.env.NODULAB_MAX_VOXELS;
    }
    const bad = await run(['infer', '--model', f('net.onnx'), '--max-voxels', '0.5', f('scan.nii')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-voxels must be/);
  });
});
