// NIfTI-1 files as another program sees them: volumes and masks written by writeNifti and by a dataset
// folder, read back with the independent reader nifti-reader-js (header, spacing, affine, voxels).
// nifti-reader-js is an ES module only, so it runs in a child node process that prints JSON.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NoduleGenerator, writeDataset, writeNifti } from '../src';

const READER = `
import * as nifti from 'nifti-reader-js';
import { readFileSync } from 'fs';
const bytes = readFileSync(process.argv[1]);
let ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
if (nifti.isCompressed(ab)) ab = nifti.decompress(ab);
const header = nifti.readHeader(ab);
const image = nifti.readImage(header, ab);
const voxels = header.datatypeCode === 16 ? Array.from(new Float32Array(image)) : Array.from(new Uint8Array(image));
process.stdout.write(JSON.stringify({ isNifti1: nifti.isNIFTI1(ab), header, voxels }));
`;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-nifti-js-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Reads a file with nifti-reader-js: header and voxels as numbers (x fastest). */
// The header is nifti-reader-js's untyped object, sent back as JSON; the tests read its fields by name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readIndependently(file: string): { header: Record<string, any>; voxels: number[] } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', READER, file], {
    encoding: 'utf8',
    cwd: __dirname,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`nifti-reader-js failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  expect(out.isNifti1).toBe(true);
  return out;
}

describe('nifti-reader-js reads what nodulab writes', () => {
  it.each<[string, string, 'float32' | 'uint8']>([
    ['.nii float32', 'v.nii', 'float32'],
    ['.nii.gz float32', 'v.nii.gz', 'float32'],
    ['.nii.gz uint8', 'm.nii.gz', 'uint8'],
  ])('%s', (_, name, datatype) => {
    const shape: [number, number, number] = [3, 4, 5];
    const spacing: [number, number, number] = [2.5, 0.75, 0.5];
    const values = Array.from({ length: 60 }, (_, i) =>
      datatype === 'uint8' ? (i * 5) % 256 : Math.fround((i - 30) * 1.25),
    );
    const file = path.join(dir, name);
    writeNifti(file, shape, spacing, values, { datatype, description: 'independent check' });
    const { header, voxels } = readIndependently(file);
    expect(header.dims.slice(0, 4)).toEqual([3, 5, 4, 3]); // rank, x (W), y (H), z (D)
    expect(header.pixDims.slice(1, 4)).toEqual([0.5, 0.75, 2.5]);
    expect(header.datatypeCode).toBe(datatype === 'uint8' ? 2 : 16);
    expect(header.vox_offset).toBe(352);
    expect(header.xyzt_units & 7).toBe(2); // mm
    expect(header.description).toBe('independent check');
    expect([header.qform_code, header.sform_code]).toEqual([1, 1]);
    // The affine maps voxel (i, j, k) to mm: diag(0.5, 0.75, 2.5).
    expect(header.affine.slice(0, 3).map((r: number[]) => r.slice(0, 3))).toEqual([
      [0.5, 0, 0],
      [0, 0.75, 0],
      [0, 0, 2.5],
    ]);
    expect(voxels).toEqual(values);
  });

  it('reads a generated dataset folder volume and mask', async () => {
    const spec = {
      name: 'tiny',
      volume: { shape: [16, 16, 16] as [number, number, number], spacing: [1.5, 1, 1] as [number, number, number] },
      factors: { diameter: { uniform: [5, 8] } },
    };
    const out = path.join(dir, 'ds');
    const m = await writeDataset(out, { spec, seed: 4, split: 'train', n: 1, workers: 0, preview: 0 });
    const s = new NoduleGenerator(spec, 4).sample('train', 0, { hu: true });
    const vol = readIndependently(path.join(out, m.samples[0].volume as string));
    expect(vol.header.dims.slice(0, 4)).toEqual([3, 16, 16, 16]);
    expect(vol.header.pixDims.slice(1, 4)).toEqual([1, 1, 1.5]);
    expect(vol.voxels).toEqual(Array.from(s.volume));
    const mask = readIndependently(path.join(out, m.samples[0].mask as string));
    expect(mask.header.datatypeCode).toBe(2);
    expect(mask.voxels).toEqual(Array.from(s.mask));
    expect(mask.voxels.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  });
});
