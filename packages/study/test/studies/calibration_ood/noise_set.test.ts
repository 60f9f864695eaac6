// The positive control's OOD set: uniform noise over the intensity range of the volumes it stands beside, at their
// shape and spacing, the same for the same seed.
import { InMemoryDataset } from '@nodulab/data';
import { noiseSet } from '../../../src/studies/calibration_ood/data';

const like = new InMemoryDataset({
  name: 'like',
  shape: [4, 4, 4],
  spacing: [1, 1, 2],
  channels: 1,
  volumes: Float32Array.from({ length: 2 * 64 }, (_, i) => -0.25 + (i % 7) * 0.2),
  labels: new Int32Array(2),
});

it('draws n volumes of noise within the lowest and highest voxel of the given set, deterministically', () => {
  const a = noiseSet(like, 3, 11);
  expect([a.name, a.length, a.shape, a.spacing]).toEqual(['noise', 3, [4, 4, 4], [1, 1, 2]]);
  expect(a.volumes).toHaveLength(3 * 64);
  const values = Array.from(a.volumes);
  expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.25);
  expect(Math.max(...values)).toBeLessThanOrEqual(0.95 + 1e-6);
  // Spread over the range, not a constant: about uniform, so its mean is near the middle.
  expect(Math.abs(values.reduce((s, v) => s + v, 0) / values.length - 0.35)).toBeLessThan(0.1);
  expect(noiseSet(like, 3, 11).volumes).toEqual(a.volumes);
  expect(noiseSet(like, 3, 12).volumes).not.toEqual(a.volumes);
});
