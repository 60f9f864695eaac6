// Training augmentations: flips and 90-degree rotations are exact, invertible permutations that move
// masks with volumes; identity affine is the identity; pipelines are deterministic per seed and their
// records replay to the same output; two-view and batch helpers; config validation.
import { Generator, Tensor } from '@nodulab/tensor';
import {
  AffineOp,
  AugmentConfigError,
  AugmentInput,
  Axis,
  Compose,
  DEFAULT_AUGMENT_CONFIG,
  NoduleGenerator,
  Shape3,
  TwoViewPipeline,
  affineVolume,
  augmentBatch,
  flipVolume,
  preset,
  replay,
  rot90Volume,
  SyntheticDataset,
  fetchBatch,
  validateAugmentConfig,
} from '../src';

/** volume[i] = i (unique values, so outputs identify their source voxel); mask[i] = 1 where i % 7 == 0. */
function indexed(shape: Shape3): { volume: Float32Array; mask: Uint8Array } {
  const n = shape[0] * shape[1] * shape[2];
  const volume = new Float32Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    volume[i] = i;
    mask[i] = i % 7 === 0 ? 1 : 0;
  }
  return { volume, mask };
}

/** Byte-exact equality of two voxel arrays (jest's toEqual is slow on 32^3 typed arrays). */
function expectSame(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): void {
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  expect(a!.constructor).toBe(b!.constructor);
  expect(
    Buffer.from(a!.buffer, a!.byteOffset, a!.byteLength).equals(Buffer.from(b!.buffer, b!.byteOffset, b!.byteLength)),
  ).toBe(true);
}

const at = (shape: readonly number[], z: number, y: number, x: number) => (z * shape[1] + y) * shape[2] + x;

function expectMaskFollows(volume: Float32Array, mask: Uint8Array): void {
  for (let i = 0; i < volume.length; i++) expect(mask[i]).toBe(volume[i] >= 0 && volume[i] % 7 === 0 ? 1 : 0);
}

const identityAffine = (spacing: Shape3 = [1, 1, 1]): AffineOp => ({
  op: 'affine',
  rotationDeg: [0, 0, 0],
  scale: [1, 1, 1],
  translation: [0, 0, 0],
  spacing,
});

describe('flips and 90-degree rotations', () => {
  const shape: Shape3 = [3, 5, 4];
  const { volume, mask } = indexed(shape);

  it.each([[[0]], [[1]], [[2]], [[0, 2]], [[0, 1, 2]]] as [Axis[]][])(
    'flip %j reverses those axes and is its own inverse',
    (axes) => {
      const f = flipVolume(volume, shape, axes);
      for (let z = 0; z < 3; z++)
        for (let y = 0; y < 5; y++)
          for (let x = 0; x < 4; x++) {
            const src = at(
              shape,
              axes.includes(0) ? 2 - z : z,
              axes.includes(1) ? 4 - y : y,
              axes.includes(2) ? 3 - x : x,
            );
            expect(f[at(shape, z, y, x)]).toBe(src);
          }
      expect(flipVolume(f, shape, axes)).toEqual(volume);
      expectMaskFollows(f, flipVolume(mask, shape, axes));
    },
  );

  it('rot90 k=1 in the axial plane is numpy.rot90(v, 1, axes=(1, 2)): out[z, y, x] = v[z, x, W-1-y]', () => {
    const sq: Shape3 = [2, 4, 4];
    const v = indexed(sq).volume;
    const r = rot90Volume(v, sq, 1, [1, 2]);
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) {
          expect(r.data[at(sq, z, y, x)]).toBe(v[at(sq, z, x, 3 - y)]);
        }
  });

  it.each([
    [[1, 2], 1],
    [[1, 2], 2],
    [[1, 2], 3],
    [[0, 2], 1],
    [[0, 2], 3],
    [[0, 1], 1],
    [[0, 1], 2],
  ] as [[Axis, Axis], number][])(
    'rot90 in plane %j with k=%d is a permutation undone by 4-k, masks follow',
    (plane, k) => {
      const r = rot90Volume(volume, shape, k, plane);
      const expectShape = [...shape];
      if (k % 2 === 1) [expectShape[plane[0]], expectShape[plane[1]]] = [shape[plane[1]], shape[plane[0]]];
      expect(r.shape).toEqual(expectShape);
      expect(Array.from(r.data).sort((a, b) => a - b)).toEqual(Array.from(volume));
      const back = rot90Volume(r.data, r.shape, 4 - k, plane);
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(volume);
      expectMaskFollows(r.data, rot90Volume(mask, shape, k, plane).data);
    },
  );

  it('four quarter turns are the identity', () => {
    const sq: Shape3 = [4, 4, 4];
    let r = { data: indexed(sq).volume, shape: sq };
    for (let i = 0; i < 4; i++) r = rot90Volume(r.data, r.shape, 1, [0, 2]);
    expect(r.data).toEqual(indexed(sq).volume);
  });
});

describe('affine', () => {
  it.each([
    [
      [5, 6, 7],
      [1, 1, 1],
    ],
    [
      [4, 9, 8],
      [2.5, 0.7, 0.7],
    ],
  ] as [Shape3, Shape3][])('identity parameters give the input exactly (shape %j, spacing %j)', (shape, spacing) => {
    const { volume, mask } = indexed(shape);
    const g = new Generator(1);
    const noisy = volume.map(() => g.normal());
    expect(affineVolume(noisy, shape, identityAffine(spacing))).toEqual(noisy);
    expect(affineVolume(mask, shape, identityAffine(spacing))).toEqual(mask);
  });

  it('an integer translation shifts by whole voxels, repeating the border', () => {
    const shape: Shape3 = [4, 5, 6];
    const { volume, mask } = indexed(shape);
    const op: AffineOp = { ...identityAffine(), translation: [1, -2, 0] };
    const v = affineVolume(volume, shape, op);
    const m = affineVolume(mask, shape, op);
    const cl = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 5; y++)
        for (let x = 0; x < 6; x++) {
          expect(v[at(shape, z, y, x)]).toBe(volume[at(shape, cl(z - 1, 4), cl(y + 2, 5), x)]);
        }
    expectMaskFollows(v, m);
  });

  it('a 90-degree rotation about z equals rot90 k=1 in the axial plane (within rounding)', () => {
    const shape: Shape3 = [3, 6, 6];
    const { volume, mask } = indexed(shape);
    const op: AffineOp = { ...identityAffine(), rotationDeg: [90, 0, 0] };
    const v = affineVolume(volume, shape, op);
    const r = rot90Volume(volume, shape, 1, [1, 2]).data;
    for (let i = 0; i < v.length; i++) expect(v[i]).toBeCloseTo(r[i], 3);
    expect(affineVolume(mask, shape, op)).toEqual(rot90Volume(mask, shape, 1, [1, 2]).data);
  });

  it('scale > 1 magnifies about the centre: a centred blob grows', () => {
    const shape: Shape3 = [9, 9, 9];
    const v = new Float32Array(729);
    v[at(shape, 4, 4, 4)] = 1;
    const big = affineVolume(v, shape, { ...identityAffine(), scale: [2, 2, 2] });
    expect(big[at(shape, 4, 4, 4)]).toBe(1);
    expect(big[at(shape, 4, 4, 5)]).toBeCloseTo(0.5, 6);
    expect(big[at(shape, 4, 4, 6)]).toBe(0);
  });
});

describe('Compose', () => {
  const gen = new NoduleGenerator(preset('iid'), 0);
  const sample = gen.sample('train', 3);
  const ALL: Compose = new Compose({
    steps: [
      { op: 'flip', p: 0.5 },
      { op: 'rot90', planes: 'all', p: 1 },
      { op: 'affine', rotationDeg: [10, 5, 5], scale: [0.9, 1.1], isotropic: false, translation: [2, 2, 2], p: 1 },
      { op: 'intensity', scale: [0.8, 1.2], shift: [-0.1, 0.1] },
      { op: 'noise', std: [0.01, 0.05], p: 1 },
      { op: 'crop', size: [24, 28, 20], outputShape: [26, 30, 30], padValue: -1 },
    ],
  });

  it('is deterministic per generator seed and differs across seeds', () => {
    const a = ALL.call(sample, new Generator(11));
    const b = ALL.call(sample, new Generator(11));
    const c = ALL.call(sample, new Generator(12));
    expectSame(b.volume, a.volume);
    expectSame(b.mask, a.mask);
    expect(b.record).toEqual(a.record);
    expect(Buffer.from(c.volume.buffer).equals(Buffer.from(a.volume.buffer))).toBe(false);
    expect(a.shape).toEqual([26, 30, 30]);
    expect(a.volume.length).toBe(26 * 30 * 30);
  });

  it.each([[0], [1], [2], [3], [4]])('the record (through JSON) replays to the same output (seed %d)', (seed) => {
    const a = ALL.call(sample, new Generator(seed));
    const record = JSON.parse(JSON.stringify(a.record));
    const r = replay(record, sample);
    expectSame(r.volume, a.volume);
    expectSame(r.mask, a.mask);
    expect(r.shape).toEqual(a.shape);
    expect(record.ops.map((o: { op: string }) => o.op)).toEqual(
      expect.arrayContaining(['affine', 'intensity', 'noise', 'crop']),
    );
  });

  it('never modifies its input', () => {
    const before = sample.volume.slice();
    const maskBefore = sample.mask.slice();
    ALL.call(sample, new Generator(5));
    new Compose({ steps: [] }).call(sample, new Generator(5)).volume[0] = 99;
    expectSame(sample.volume, before);
    expectSame(sample.mask, maskBefore);
  });

  it('moves masks exactly with volumes under flips, rotations and crops', () => {
    const shape: Shape3 = [8, 8, 8];
    const input: AugmentInput = { ...indexed(shape), shape };
    const spatial = new Compose({
      steps: [
        { op: 'flip', p: 0.5 },
        { op: 'rot90', planes: 'all' },
        { op: 'crop', size: [5, 6, 7], outputShape: [7, 7, 9], padValue: -1 },
      ],
    });
    for (let seed = 0; seed < 20; seed++) {
      const out = spatial.call(input, new Generator(seed));
      expectMaskFollows(out.volume, out.mask!);
      expect(out.volume.filter((v) => v >= 0).length).toBe(5 * 6 * 7);
    }
  });

  it('records exactly what was applied: flips with p=1 on all axes, none with p=0', () => {
    const shape: Shape3 = [4, 4, 4];
    const input = { ...indexed(shape), shape };
    const all = new Compose({ steps: [{ op: 'flip', p: 1 }] }).call(input, new Generator(1));
    expect(all.record.ops).toEqual([{ op: 'flip', axes: [0, 1, 2] }]);
    expect(all.volume).toEqual(flipVolume(input.volume, shape, [0, 1, 2]));
    const none = new Compose({
      steps: [
        { op: 'flip', p: 0 },
        { op: 'affine', p: 0 },
        { op: 'noise', p: 0 },
      ],
    }).call(input, new Generator(1));
    expect(none.record.ops).toEqual([]);
    expect(none.volume).toEqual(input.volume);
  });

  it('crop places the drawn box centred in the output and pads around it', () => {
    const shape: Shape3 = [6, 7, 8];
    const input = { ...indexed(shape), shape };
    const out = new Compose({ steps: [{ op: 'crop', size: [4, 3, 8], padValue: -5 }] }).call(input, new Generator(9));
    const op = out.record.ops[0];
    if (op.op !== 'crop') throw new Error('expected a crop');
    expect(out.shape).toEqual(shape);
    expect(op.offset).toEqual([1, 2, 0]);
    for (let z = 0; z < 6; z++)
      for (let y = 0; y < 7; y++)
        for (let x = 0; x < 8; x++) {
          const inside = z >= 1 && z < 5 && y >= 2 && y < 5;
          const want = inside ? input.volume[at(shape, op.start[0] + z - 1, op.start[1] + y - 2, op.start[2] + x)] : -5;
          expect(out.volume[at(shape, z, y, x)]).toBe(want);
        }
  });

  it('intensity is exactly a v + b and noise has the drawn std', () => {
    const shape: Shape3 = [32, 32, 32];
    const input = { volume: new Float32Array(32 ** 3).fill(0.5), shape };
    const out = new Compose({
      steps: [
        { op: 'intensity', scale: [2, 2], shift: [0.25, 0.25] },
        { op: 'noise', std: [0.1, 0.1], p: 1 },
      ],
    }).call(input, new Generator(2));
    let m = 0,
      v = 0;
    for (const x of out.volume) m += x;
    m /= out.volume.length;
    for (const x of out.volume) v += (x - m) ** 2;
    expect(m).toBeCloseTo(1.25, 2);
    expect(Math.sqrt(v / out.volume.length)).toBeCloseTo(0.1, 2);
  });

  it('the default pipeline keeps the shape, and anisotropic spacing is recorded for the affine', () => {
    const out = new Compose().call({ ...sample, spacing: [2, 1, 1] }, new Generator(4));
    expect(out.shape).toEqual(sample.shape);
    expect(out.mask!.length).toBe(sample.mask.length);
    const affine = new Compose({ steps: [{ op: 'affine', p: 1 }] }).draw(sample.shape, new Generator(1), [2, 1, 1]);
    expect(affine.ops[0]).toMatchObject({ op: 'affine', spacing: [2, 1, 1] });
    expect(new Compose().config).toEqual(DEFAULT_AUGMENT_CONFIG);
  });

  it.each([
    [{ steps: [{ op: 'rot90', planes: 'all' }] }, [8, 8, 9], /needs a cubic volume/],
    [{ steps: [{ op: 'rot90' }] }, [8, 8, 9], /square plane/],
    [{ steps: [{ op: 'crop', size: [9, 4, 4] }] }, [8, 8, 8], /does not fit/],
  ])('rejects %j on a volume %j', (config, shape, message) => {
    const rot = new Compose(config as never);
    const s = shape as Shape3;
    let threw = 0;
    for (let seed = 0; seed < 8; seed++) {
      try {
        rot.draw(s, new Generator(seed));
      } catch (e) {
        threw++;
        expect(String(e)).toMatch(message);
      }
    }
    expect(threw).toBe(8);
  });

  it('rejects a volume that does not fill its shape, and a record for another shape', () => {
    expect(() => new Compose().call({ volume: new Float32Array(10), shape: [2, 2, 2] }, new Generator(0))).toThrow(
      /10 voxels, shape \(2, 2, 2\) needs 8/,
    );
    const rec = new Compose().draw([4, 4, 4], new Generator(0));
    expect(() => replay(rec, { volume: new Float32Array(125), shape: [5, 5, 5] })).toThrow(
      /made for shape \(4, 4, 4\)/,
    );
    const bad = { ...rec, ops: [{ op: 'warp' }] } as never;
    expect(() => replay(bad, { volume: new Float32Array(64), shape: [4, 4, 4] })).toThrow(/replay: unknown op "warp"/);
  });
});

describe('validateAugmentConfig', () => {
  it.each([
    [null, /must be an object/],
    [{ steps: 3 }, /augment.steps: must be an array/],
    [{ steps: [], extra: 1 }, /augment.extra: unknown key/],
    [{ steps: [{ op: 'zoom' }] }, /augment.steps\[0\].op: unknown op "zoom"/],
    [{ steps: [{ op: 'flip', p: 1.5 }] }, /steps\[0\].p: must be a probability/],
    [{ steps: [{ op: 'flip', axes: [0, 0] }] }, /steps\[0\].axes: must be distinct/],
    [{ steps: [{ op: 'rot90', planes: 'sagittal' }] }, /steps\[0\].planes/],
    [{ steps: [{ op: 'affine', scale: [1.2, 0.8] }] }, /steps\[0\].scale: low 1.2 is above high 0.8/],
    [{ steps: [{ op: 'affine', rotationDeg: [10, 5] }] }, /rotationDeg: must be an array of 3/],
    [{ steps: [{ op: 'noise', std: [-1, 0] }] }, /std: must lie in \[0/],
    [{ steps: [{ op: 'crop' }] }, /size: required/],
    [
      { steps: [{ op: 'crop', size: [8, 8, 8], outputShape: [8, 4, 8] }] },
      /outputShape\[1\]: 4 is smaller than size\[1\] 8/,
    ],
    [{ steps: [{ op: 'crop', size: [8, 8, 8], p: 0.5 }] }, /steps\[0\].p: unknown key for "crop"/],
  ])('rejects %j', (doc, message) => {
    expect(() => validateAugmentConfig(doc)).toThrow(AugmentConfigError);
    expect(() => validateAugmentConfig(doc)).toThrow(message);
  });

  it('lists every problem at once', () => {
    try {
      validateAugmentConfig({
        steps: [
          { op: 'flip', p: -1 },
          { op: 'noise', std: 'x' },
        ],
      });
      throw new Error('no error');
    } catch (e) {
      expect((e as AugmentConfigError).problems).toHaveLength(2);
    }
  });

  it('accepts the default config and its JSON round trip', () => {
    expect(validateAugmentConfig(JSON.parse(JSON.stringify(DEFAULT_AUGMENT_CONFIG)))).toEqual(DEFAULT_AUGMENT_CONFIG);
  });
});

describe('batches and two views', () => {
  const gen = new NoduleGenerator(preset('iid'), 1);
  const samples = gen.batch('train', [0, 1, 2, 3]);
  const { x } = fetchBatch(new SyntheticDataset(preset('iid'), 1, 'train', 4), [0, 1, 2, 3]);
  const masks = new Uint8Array(x.data.length);
  samples.forEach((s, k) => masks.set(s.mask, k * s.mask.length));
  const n = 32 ** 3;

  it('augmentBatch augments each row with its record, deterministically', () => {
    const aug = new Compose();
    const a = augmentBatch(aug, x, new Generator(3), { masks });
    const b = augmentBatch(aug, x, new Generator(3), { masks });
    expect(a.x.shape).toEqual([4, 1, 32, 32, 32]);
    expectSame(b.x.data, a.x.data);
    expect(a.records).toHaveLength(4);
    samples.forEach((s, k) => {
      const r = replay(a.records[k], s);
      expectSame(r.volume, a.x.data.subarray(k * n, (k + 1) * n));
      expectSame(r.mask, a.masks!.subarray(k * n, (k + 1) * n));
    });
  });

  it('two views of a sample are independent draws of the pipeline, the same for the same seed', () => {
    const tv = new TwoViewPipeline(new Compose());
    const a = tv.call(samples[0], new Generator(8));
    const b = tv.call(samples[0], new Generator(8));
    expectSame(b.view1.volume, a.view1.volume);
    expectSame(b.view2.volume, a.view2.volume);
    expect(Buffer.from(a.view2.volume.buffer).equals(Buffer.from(a.view1.volume.buffer))).toBe(false);
    expectSame(replay(a.view2.record, samples[0]).volume, a.view2.volume);
  });

  it('TwoViewPipeline.batch gives positive pairs row by row', () => {
    const tv = new TwoViewPipeline(new Compose(), new Compose({ steps: [{ op: 'flip', p: 1 }] }));
    const out = tv.batch(x, new Generator(5), { masks });
    expect(out.x1.shape).toEqual(x.shape);
    expect(out.x2.shape).toEqual(x.shape);
    samples.forEach((s, k) => {
      expectSame(replay(out.records1[k], s).volume, out.x1.data.subarray(k * n, (k + 1) * n));
      expect(out.records2[k].ops).toEqual([{ op: 'flip', axes: [0, 1, 2] }]);
      expectSame(out.masks2!.subarray(k * n, (k + 1) * n), flipVolume(s.mask, s.shape, [0, 1, 2]));
    });
  });

  it('rejects a batch that is not (N, 1, D, H, W), masks of the wrong size, and mixed output shapes', () => {
    const aug = new Compose();
    expect(() => augmentBatch(aug, new Tensor(new Float32Array(16), [2, 8]), new Generator(0))).toThrow(
      /\(N, 1, D, H, W\)/,
    );
    expect(() => augmentBatch(aug, x, new Generator(0), { masks: new Uint8Array(5) })).toThrow(
      /masks must be a Uint8Array/,
    );
    const flat = new Tensor(new Float32Array(2 * 4 * 4 * 6), [2, 1, 4, 4, 6]);
    const rot = new Compose({ steps: [{ op: 'rot90', planes: 'all' }] });
    expect(() => augmentBatch(rot, flat, new Generator(0))).toThrow(/cubic/);
  });
});
