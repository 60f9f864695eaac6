// A worker's limits on a job's resolved spec: grid units, samples of any set, voxels of a volume.
import { DEFAULT_LIMITS, checkLimits } from '../../src/queue/limits';
import { STUDIES } from '../../src/registry';

const limits = { ...DEFAULT_LIMITS, maxUnits: 10, maxSamples: 100, maxVoxels: 32 ** 3 };

describe('checkLimits', () => {
  it('passes a spec within the limits', () => {
    expect(() =>
      checkLimits({ n: 100, testSets: [{ n: 50 }], volume: { shape: [32, 32, 32] } }, 10, limits),
    ).not.toThrow();
  });

  it.each([
    ['a grid too large', {}, 11, /grid has 11 units; this worker takes at most 10/],
    ['a set too large', { testSets: [{ name: 'a', n: 101 }] }, 1, /spec\.testSets\[0\]\.n: 101 samples/],
    ['a count named *N', { testN: 1e9 }, 1, /spec\.testN: 1000000000 samples; this worker takes at most 100 a set/],
    ['a volume too large', { volume: { shape: [64, 32, 32] } }, 1, /spec\.volume\.shape: 65536 voxels a volume/],
  ])('refuses %s', (_what, spec, units, message) => {
    expect(() => checkLimits(spec, units, limits)).toThrow(message);
  });

  it.each(STUDIES.map((s) => [s.name, s]))("passes %s's built-in spec under the default limits", (_name, study) => {
    const spec = study.resolve(study.defaultInput());
    expect(() => checkLimits(spec, study.plan(spec).length, DEFAULT_LIMITS)).not.toThrow();
  });
});
