// Boxes that move with augmented volumes: a point carried through a record lands where replay moves its voxel
// (flips, rotations in every plane, crops); a generated nodule's recorded centre stays inside its moved box after
// random flips and axial rotations, and the voxel there is the nodule's; affine steps are refused by name.
import { Generator } from '@nodulab/tensor';
import {
  AppliedOp,
  AugmentRecord,
  Compose,
  NoduleGenerator,
  Shape3,
  boxThroughRecord,
  checkBoxPreserving,
  pointThroughRecord,
  preset,
  replay,
} from '../src';

const at = (s: readonly number[], p: readonly number[]) => (p[0] * s[1] + p[1]) * s[2] + p[2];

/** The (z, y, x) of the one nonzero voxel of `v` (shape `s`). */
function hot(v: Float32Array, s: readonly number[]): number[] {
  const i = v.findIndex((x) => x !== 0);
  return [Math.floor(i / (s[1] * s[2])), Math.floor(i / s[2]) % s[1], i % s[2]];
}

describe('pointThroughRecord follows the voxels', () => {
  const shape: Shape3 = [3, 5, 4];
  const crop: AppliedOp = {
    op: 'crop',
    start: [1, 1, 0],
    size: [2, 3, 4],
    outputShape: [4, 5, 6],
    offset: [1, 1, 1],
    padValue: 0,
  };
  // Each record's voxels go somewhere exact; the point map must agree with replay at every voxel.
  const records: [string, AppliedOp[]][] = [
    ['flip z', [{ op: 'flip', axes: [0] }]],
    ['flip y, x', [{ op: 'flip', axes: [1, 2] }]],
    ['rot90 k=1 (y, x)', [{ op: 'rot90', k: 1, plane: [1, 2] }]],
    ['rot90 k=2 (z, x)', [{ op: 'rot90', k: 2, plane: [0, 2] }]],
    ['rot90 k=3 (z, y)', [{ op: 'rot90', k: 3, plane: [0, 1] }]],
    [
      'flip, rot90, intensity, noise',
      [
        { op: 'flip', axes: [0, 2] },
        { op: 'rot90', k: 1, plane: [1, 2] },
        { op: 'intensity', scale: 1, shift: 0 },
        { op: 'noise', std: 0, seed: 3 },
      ],
    ],
    ['crop', [crop]],
  ];

  it.each(records)('%s', (_, ops) => {
    const n = shape[0] * shape[1] * shape[2];
    const record: AugmentRecord = { inputShape: shape, outputShape: shape, ops };
    for (let i = 0; i < n; i++) {
      const volume = new Float32Array(n);
      volume[i] = 1;
      const p = [Math.floor(i / 20), Math.floor(i / 4) % 5, i % 4];
      if (ops[0].op === 'crop' && !(p[0] >= 1 && p[1] >= 1 && p[1] <= 3)) continue; // cut away by the crop
      const out = replay(record, { volume, shape });
      expect(pointThroughRecord(record, p)).toEqual(hot(out.volume, out.shape));
    }
  });

  it('refuses an affine step, naming it', () => {
    const record: AugmentRecord = {
      inputShape: shape,
      outputShape: shape,
      ops: [{ op: 'affine', rotationDeg: [5, 0, 0], scale: [1, 1, 1], translation: [0, 0, 0], spacing: [1, 1, 1] }],
    };
    expect(() => pointThroughRecord(record, [1, 1, 1])).toThrow(/op 0 \(affine\).*axis-aligned/);
    expect(() => boxThroughRecord(record, { min: [0, 0, 0], max: [1, 1, 1] })).toThrow(/affine/);
  });

  it('refuses a box of negative size and a bad point', () => {
    const record: AugmentRecord = { inputShape: shape, outputShape: shape, ops: [] };
    expect(() => boxThroughRecord(record, { min: [2, 0, 0], max: [1, 1, 1] })).toThrow(/below min .* axis 0/);
    expect(() => pointThroughRecord(record, [1, NaN, 0])).toThrow(/three finite numbers/);
  });
});

describe('a generated nodule stays inside its moved box', () => {
  const spec = { ...preset('localize'), volume: { shape: [20, 20, 20] as Shape3, spacing: [2, 2, 2] as Shape3 } };
  const gen = new NoduleGenerator(spec, 5);
  const aug = new Compose({
    steps: [
      { op: 'flip', axes: [0, 1, 2], p: 0.5 },
      { op: 'rot90', planes: 'axial', p: 1 },
    ],
  });

  it.each([0, 1, 2, 3, 4, 5])('sample %i under random flips and axial rotations', (index) => {
    const s = gen.sample('train', index);
    expect(s.bbox).not.toBeNull();
    expect(s.centre).not.toBeNull();
    const out = aug.call({ volume: s.volume, shape: s.shape, mask: s.mask }, new Generator(100 + index));
    const box = boxThroughRecord(out.record, s.bbox!);
    const c = pointThroughRecord(out.record, s.centre!);
    for (let k = 0; k < 3; k++) {
      expect(c[k]).toBeGreaterThanOrEqual(box.min[k]);
      expect(c[k]).toBeLessThanOrEqual(box.max[k]);
      // The box keeps its size on the axes it was permuted to (a rotation swaps y and x).
      expect(box.max[k] - box.min[k]).toBeGreaterThanOrEqual(0);
    }
    // The voxel nearest the moved centre is the one nearest the recorded centre: the nodule moved there.
    const src = s.centre!.map(Math.round);
    const dst = c.map(Math.round);
    expect(out.volume[at(out.shape, dst)]).toBe(s.volume[at(s.shape, src)]);
    // Every voxel of the moved nodule mask lies inside the moved box.
    const m = out.mask!;
    for (let i = 0; i < m.length; i++) {
      if (!m[i]) continue;
      const p = [
        Math.floor(i / (out.shape[1] * out.shape[2])),
        Math.floor(i / out.shape[2]) % out.shape[1],
        i % out.shape[2],
      ];
      for (let k = 0; k < 3; k++) expect(p[k] >= box.min[k] - 0.5 && p[k] <= box.max[k] + 0.5).toBe(true);
    }
  });

  it('checkBoxPreserving accepts flips, rotations and intensity, and names an affine or crop step', () => {
    expect(() => checkBoxPreserving(aug.config, 'augment')).not.toThrow();
    expect(() =>
      checkBoxPreserving({ steps: [{ op: 'flip' }, { op: 'affine', rotationDeg: [10, 0, 0] }] }, 'augment'),
    ).toThrow(/augment: step 1 \(affine\) cannot move a box/);
    expect(() => checkBoxPreserving({ steps: [{ op: 'crop', size: [8, 8, 8] }] }, 'augment')).toThrow(
      /step 0 \(crop\)/,
    );
  });
});
