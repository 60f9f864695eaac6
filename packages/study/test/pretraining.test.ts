// The pretraining-robustness spec's checks (a label fraction of 0, an unknown distortion or initialisation are
// named), and the mean corruption error against values worked out by hand.
import { checkPretrainingSpec, defaultPretrainingSpec, meanCorruptionError, quickPretrainingSpec } from '../src';

describe('checkPretrainingSpec', () => {
  it('accepts the default and --quick specs', () => {
    expect(() => checkPretrainingSpec(defaultPretrainingSpec())).not.toThrow();
    expect(() => checkPretrainingSpec(quickPretrainingSpec(defaultPretrainingSpec()))).not.toThrow();
  });

  it.each([
    [{ labelFractions: [0, 1] }, /labelFractions\[0\]: must be in \(0, 1\], got 0/],
    [{ labelFractions: [1.5] }, /labelFractions\[0\]: must be in \(0, 1\], got 1\.5/],
    [{ labelFractions: [0.001] }, /labelFractions\[0\]: 0\.001 of targetN 256 is 0 samples; a run needs at least 2/],
    [
      { distortions: ['gaussian-noise', 'fog'] },
      /distortions\[1\]: unknown distortion "fog" \(known: .*gaussian-noise/,
    ],
    [{ severities: [0, 6] }, /severities\[0\]: must be an integer 1\.\.5, got 0/],
    [{ inits: ['scratch', 'imagenet'] }, /inits\[1\]: unknown initialisation "imagenet"/],
    [{ inits: ['supervised'] }, /inits: must include "scratch"/],
  ])('rejects %j', (override, message) => {
    expect(() => checkPretrainingSpec({ ...defaultPretrainingSpec(), ...(override as object) })).toThrow(message);
  });
});

describe('meanCorruptionError', () => {
  const s = (accuracy: number) => ({ accuracy, kappa: 0, auroc: 0.5 });
  it('is the mean over distortions of summed errors relative to the reference', () => {
    const ref = { noise: { '1': s(0.8), '5': s(0.4) }, blur: { '1': s(0.9), '5': s(0.5) } };
    const model = { noise: { '1': s(0.9), '5': s(0.6) }, blur: { '1': s(0.9), '5': s(0.5) } };
    // noise: (0.1 + 0.4) / (0.2 + 0.6) = 0.625; blur: 0.6 / 0.6 = 1.
    expect(meanCorruptionError(model, ref)).toBeCloseTo((0.625 + 1) / 2, 12);
    expect(meanCorruptionError(ref, ref)).toBe(1);
  });
});
