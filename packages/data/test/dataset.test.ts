// Dataset folders: write then read back (NIfTI and npz storage) equal to the generator, manifest
// contents, DataLoader batches as (N, 1, D, H, W) tensors, atomic writes (complete or absent), and a reader that
// names the file for a bad manifest, a missing volume or a mismatched array.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataLoader, DatasetFolder, NoduleGenerator, noduleGrade, openDataset, readNifti, writeDataset } from '../src';
import type { DatasetSpec } from '../src';

const spec: DatasetSpec = {
  name: 'tiny',
  volume: { shape: [16, 16, 16], spacing: [2, 1, 1] },
  factors: { diameter: { uniform: [5, 8] } },
};
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-ds-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([['nifti' as const], ['npz' as const]])('%s folder', (format) => {
  it('round trips: volumes, masks, labels and records equal the generator', async () => {
    const out = path.join(dir, 'ds');
    const progress: number[] = [];
    const manifest = await writeDataset(out, {
      spec,
      seed: 5,
      split: 'val',
      n: 6,
      start: 10,
      format,
      workers: 0,
      preview: 3,
      onProgress: (k) => progress.push(k),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
    const listing = fs.readdirSync(out).sort();
    expect(listing).toEqual(
      format === 'nifti'
        ? ['labels', 'manifest.json', 'masks', 'preview.png', 'volumes']
        : ['manifest.json', 'preview.png', 'val.npz'],
    );
    const ds = openDataset(out) as DatasetFolder;
    expect(ds).toBeInstanceOf(DatasetFolder);
    expect([ds.n, ds.shape, ds.spacing]).toEqual([6, [16, 16, 16], [2, 1, 1]]);
    expect(ds.manifest).toEqual(manifest);
    const m = ds.manifest;
    expect([m.seed, m.split, m.start, m.storage, m.units]).toEqual([5, 'val', 10, format, 'HU']);
    expect(m.window).toEqual({ center: -600, width: 1500 });
    expect(m.resolvedSpec.shape).toEqual([16, 16, 16]);
    const gen = new NoduleGenerator(m.spec, m.seed);
    for (let k = 0; k < 6; k++) {
      const s = gen.sample('val', 10 + k);
      expect(ds.volume(k)).toEqual(s.volume); // HU stored, window applied on read: identical floats
      expect(ds.volumeHU(k)).toEqual(gen.sample('val', 10 + k, { hu: true }).volume);
      expect(ds.mask(k)).toEqual(s.mask);
      expect(ds.labels[k]).toBe(s.label);
      const r = ds.record(k);
      expect([r.index, r.seed, r.bbox, r.centre, r.factors]).toEqual([s.index, s.seed, s.bbox, s.centre, s.factors]);
    }
    expect(m.labelCounts['0'] + m.labelCounts['1']).toBe(6);
    const b = [...new DataLoader(ds, { batchSize: 4, masks: true })];
    expect(b.map((x) => x.x.shape)).toEqual([
      [4, 1, 16, 16, 16],
      [2, 1, 16, 16, 16],
    ]);
    expect(b[1].masks?.shape).toEqual([2, 1, 16, 16, 16]);
    expect(Array.from(b[1].labels)).toEqual([ds.labels[4], ds.labels[5]]);
  }, 30000);
});

describe('NIfTI storage details', () => {
  it('writes HU volumes with spacing and uint8 masks a viewer can open', async () => {
    const out = path.join(dir, 'ds');
    const m = await writeDataset(out, { spec, seed: 1, split: 'train', n: 2, workers: 0, preview: 0 });
    expect(fs.existsSync(path.join(out, 'preview.png'))).toBe(false);
    const vol = readNifti(path.join(out, m.samples[1].volume as string));
    expect(vol.spacing).toEqual([2, 1, 1]);
    expect(vol.datatype).toBe(16);
    expect(Math.min(...vol.data)).toBeLessThan(-500); // HU, not [0, 1]
    const mask = readNifti(path.join(out, m.samples[1].mask as string));
    expect(mask.datatype).toBe(2);
    expect(m.samples.map((r) => r.volume)).toEqual(['volumes/000000.nii.gz', 'volumes/000001.nii.gz']);
    // each record holds the ordinal grade of its factors
    for (const r of m.samples) expect(r.grade).toBe(noduleGrade(r.factors));
  });
});

describe('DataLoader over a folder', () => {
  it('shuffles deterministically by seed and drops the last batch on request', async () => {
    const out = path.join(dir, 'ds');
    await writeDataset(out, { spec, seed: 2, split: 'train', n: 5, format: 'npz', workers: 0, preview: 0 });
    const ds = openDataset(out);
    const order = (seed: number): number[] =>
      [...new DataLoader(ds, { batchSize: 2, shuffle: true, seed })].flatMap((b) => b.indices);
    expect(order(3)).toEqual(order(3));
    expect([...order(3)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([order(1), order(2), order(3), order(4)].some((o) => o.join() !== '0,1,2,3,4')).toBe(true);
    expect([...new DataLoader(ds, { batchSize: 2, dropLast: true })].map((b) => b.indices)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => [...new DataLoader(ds, { batchSize: 0 })]).toThrow(/batchSize must be a positive integer/);
    expect(() => ds.volume(5)).toThrow(/index 5 is out of range \[0, 5\)/);
  });
});

describe('atomic writes', () => {
  it('refuses a non-empty output without overwrite and leaves it untouched', async () => {
    const out = path.join(dir, 'ds');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    await expect(writeDataset(out, { spec, seed: 0, split: 'train', n: 1, workers: 0 })).rejects.toThrow(
      /exists and is not empty \(use --overwrite/,
    );
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });

  it('replaces with overwrite, and writes into an existing empty folder', async () => {
    const out = path.join(dir, 'ds');
    fs.mkdirSync(out);
    await writeDataset(out, { spec, seed: 0, split: 'train', n: 1, workers: 0, preview: 0 });
    fs.writeFileSync(path.join(out, 'stale.txt'), 'x');
    await writeDataset(out, { spec, seed: 0, split: 'train', n: 2, workers: 0, preview: 0, overwrite: true });
    expect(fs.readdirSync(out).sort()).toEqual(['labels', 'manifest.json', 'masks', 'volumes']);
    expect(openDataset(out).n).toBe(2);
    expect(fs.readdirSync(dir)).toEqual(['ds']);
  });

  it('leaves nothing when generation fails part-way', async () => {
    const out = path.join(dir, 'ds');
    // A failure after some samples were written (here: from the progress callback, as a full disk would throw).
    const failing = writeDataset(out, {
      spec,
      seed: 0,
      split: 'train',
      n: 4,
      workers: 0,
      onProgress: (k) => {
        if (k === 3) throw new Error('disk full');
      },
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('replaces a stale .partial folder from a killed run', async () => {
    const out = path.join(dir, 'ds');
    fs.mkdirSync(`${out}.partial`);
    fs.writeFileSync(path.join(`${out}.partial`, 'junk'), 'x');
    await writeDataset(out, { spec, seed: 0, split: 'train', n: 1, workers: 0, preview: 0 });
    expect(fs.readdirSync(dir)).toEqual(['ds']);
    expect(fs.existsSync(path.join(out, 'junk'))).toBe(false);
  });
});

describe('reader errors name the file', () => {
  let out: string;
  beforeEach(async () => {
    out = path.join(dir, 'ds');
    await writeDataset(out, { spec, seed: 0, split: 'train', n: 2, workers: 0, preview: 0 });
  });
  const edit = (f: (m: Record<string, unknown>) => void): void => {
    const file = path.join(out, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    f(m);
    fs.writeFileSync(file, JSON.stringify(m));
  };

  it.each<[string, (m: Record<string, unknown>) => void, RegExp]>([
    [
      'wrong format tag',
      (m) => {
        m.format = 'other';
      },
      /manifest\.json: "format" must be "nodulab-dataset"/,
    ],
    [
      'future version',
      (m) => {
        m.version = 2;
      },
      /manifest\.json: unsupported version 2/,
    ],
    [
      'unknown key',
      (m) => {
        m.colour = 'red';
      },
      /manifest\.json: unknown key "colour"/,
    ],
    [
      'n disagrees with samples',
      (m) => {
        m.n = 3;
      },
      /"samples" has 2 records, "n" is 3/,
    ],
    [
      'bad shape',
      (m) => {
        m.shape = [16, 16];
      },
      /"shape" must be 3 positive integers/,
    ],
    [
      'bad label',
      (m) => {
        (m.samples as Record<string, unknown>[])[1].label = 2;
      },
      /samples\[1\]\.label must be 0 or 1, got 2/,
    ],
    [
      'path escaping the folder',
      (m) => {
        (m.samples as Record<string, unknown>[])[0].volume = '../x.nii.gz';
      },
      /samples\[0\]\.volume must be a file name inside the folder/,
    ],
  ])('%s', (_, change, message) => {
    edit(change);
    expect(() => openDataset(out)).toThrow(message);
  });

  it('invalid JSON', () => {
    fs.writeFileSync(path.join(out, 'manifest.json'), '{"format": ');
    expect(() => openDataset(out)).toThrow(/dataset manifest .*manifest\.json: not valid JSON/);
  });

  it('a missing volume', () => {
    fs.rmSync(path.join(out, 'volumes', '000001.nii.gz'));
    expect(() => openDataset(out)).toThrow(
      /dataset .*ds: volumes\/000001\.nii\.gz listed in manifest\.json is missing/,
    );
  });

  it('a truncated volume', () => {
    const f = path.join(out, 'volumes', '000000.nii.gz');
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 100));
    const ds = openDataset(out);
    expect(() => ds.volume(0)).toThrow(/readNifti .*000000\.nii\.gz: corrupt gzip data/);
  });

  it('a folder without a manifest, and a path that is neither', () => {
    fs.rmSync(path.join(out, 'manifest.json'));
    expect(() => openDataset(out)).toThrow(/cannot read manifest\.json .*is this a nodulab dataset folder/);
    fs.writeFileSync(path.join(dir, 'x.txt'), '');
    expect(() => openDataset(path.join(dir, 'x.txt'))).toThrow(
      /expected a dataset folder \(with manifest\.json\) or a MedMNIST \.npz/,
    );
    expect(() => openDataset(path.join(dir, 'nope'))).toThrow(/openDataset .*nope: ENOENT/);
  });

  it('npz arrays that disagree with the manifest', async () => {
    const out2 = path.join(dir, 'ds2');
    await writeDataset(out2, { spec, seed: 0, split: 'train', n: 2, format: 'npz', workers: 0, preview: 0 });
    const file = path.join(out2, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    m.shape = [8, 16, 32];
    fs.writeFileSync(file, JSON.stringify(m));
    expect(() => openDataset(out2)).toThrow(
      /dataset .*train\.npz: "train_images" is float32 \(2, 16, 16, 16\), the manifest needs float32 \(2, 8, 16, 32\)/,
    );
  });
});
