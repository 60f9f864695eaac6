// Robustness distortions: the registry, severity validation, determinism, and each category changing
// the volume monotonically with severity — in distance to the clean volume and in the property it targets.
import { Generator, Tensor } from '@nodulab/tensor';
import {
  DEFAULT_DISTORT_WINDOW,
  DISTORTIONS,
  DistortOptions,
  NoduleGenerator,
  distort,
  distortBatch,
  distortionNames,
  downUpMatrix,
  getDistortion,
  preset,
  resolveSpec,
} from '../src';

const gen = new NoduleGenerator(preset('iid'), 0);
const sample = gen.sample('test', 5);
const hu = gen.sample('test', 5, { hu: true });
const { shape } = sample;
const SEVERITIES = [1, 2, 3, 4, 5];

function rms(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

function std(a: Float32Array): number {
  let m = 0;
  for (const v of a) m += v;
  m /= a.length;
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return Math.sqrt(s / a.length);
}

/** Mean squared difference between neighbours along `axes`: the volume's high-frequency energy. */
function hfEnergy(v: Float32Array, axes: number[] = [0, 1, 2]): number {
  const [D, H, W] = shape;
  const strides = [H * W, W, 1];
  let e = 0;
  for (const a of axes) {
    for (let z = 0; z < D - (a === 0 ? 1 : 0); z++)
      for (let y = 0; y < H - (a === 1 ? 1 : 0); y++)
        for (let x = 0; x < W - (a === 2 ? 1 : 0); x++) {
          const i = (z * H + y) * W + x;
          e += (v[i + strides[a]] - v[i]) ** 2;
        }
  }
  return e / v.length;
}

function strictlyIncreasing(xs: number[]): void {
  for (let k = 1; k < xs.length; k++) expect(xs[k]).toBeGreaterThan(xs[k - 1]);
}

/** Each severity from a generator in the same state, so severities differ only by their parameters. */
function allSeverities(name: string, volume: Float32Array, options: DistortOptions = {}): Float32Array[] {
  return SEVERITIES.map((s) => distort(name, volume, shape, s, new Generator(42), options));
}

describe('registry', () => {
  it('lists the ten categories, each with a description and five severities of the same parameters', () => {
    expect(distortionNames()).toEqual([
      'gaussian-noise',
      'gaussian-blur',
      'slice-thickness',
      'downsample',
      'contrast',
      'hu-shift',
      'motion-ghosting',
      'streak',
      'ring',
      'bias-field',
    ]);
    for (const d of DISTORTIONS) {
      expect(d.description.length).toBeGreaterThan(20);
      expect(d.severities).toHaveLength(5);
      const keys = Object.keys(d.severities[0]);
      for (const p of d.severities) expect(Object.keys(p)).toEqual(keys);
      expect(getDistortion(d.name)).toBe(d);
    }
  });

  it('names the known categories for an unknown one', () => {
    expect(() => getDistortion('jpeg')).toThrow(
      /unknown distortion "jpeg"; known: gaussian-noise, gaussian-blur, .*bias-field/,
    );
    expect(() => distort('fog', sample.volume, shape, 1, new Generator(0))).toThrow(/unknown distortion "fog"/);
  });

  it.each([[0], [6], [NaN], [2.5], [-1], [Infinity], ['3']])('rejects severity %p for every category', (severity) => {
    for (const name of distortionNames()) {
      expect(() => distort(name, sample.volume, shape, severity as number, new Generator(0))).toThrow(
        `distortion "${name}": severity must be an integer in 1..5, got`,
      );
    }
    expect(() =>
      distortBatch(new Tensor(sample.volume, [1, 1, ...shape]), 'ring', severity as number, new Generator(0)),
    ).toThrow(/severity must be an integer in 1\.\.5/);
  });

  it.each([
    [new Float32Array(10), [32, 32, 32], {}, /volume must be a Float32Array of 32768 voxels/],
    [new Float32Array(8), [2, 2, 0], {}, /shape must be three positive integers/],
    [new Float32Array(8), [2, 2, 2], { spacing: [1, 0, 1] }, /spacing must be three positive numbers/],
    [new Float32Array(8), [2, 2, 2], { units: 'mu' }, /units must be "window" or "HU"/],
    [new Float32Array(8), [2, 2, 2], { window: { center: 0, width: 0 } }, /window must be/],
  ])('rejects bad arguments (%#)', (volume, s, options, message) => {
    expect(() => distort('gaussian-blur', volume, s, 1, new Generator(0), options as DistortOptions)).toThrow(message);
  });

  it('the default window is the generator spec default', () => {
    expect(DEFAULT_DISTORT_WINDOW).toEqual(resolveSpec({ name: 'x' }, 'train').window);
  });
});

describe.each(distortionNames())('%s', (name) => {
  it('moves strictly further from the clean volume from severity 1 to 5, stays in [0, 1], leaves the input alone', () => {
    const before = Buffer.from(sample.volume.buffer).toString('base64');
    const out = allSeverities(name, sample.volume, { window: sample.window, spacing: sample.spacing });
    strictlyIncreasing(out.map((v) => rms(v, sample.volume)));
    expect(rms(out[0], sample.volume)).toBeGreaterThan(1e-3);
    for (const v of out) for (let i = 0; i < v.length; i += 97) expect(v[i] >= 0 && v[i] <= 1).toBe(true);
    expect(Buffer.from(sample.volume.buffer).toString('base64')).toBe(before);
  });

  it('is deterministic for a generator state, and distortBatch row k uses the k-th fork', () => {
    const a = distort(name, sample.volume, shape, 3, new Generator(7));
    const b = distort(name, sample.volume, shape, 3, new Generator(7));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const x = new Tensor(new Float32Array([...sample.volume, ...sample.volume]), [2, 1, ...shape]);
    const g = new Generator(9);
    const batch = distortBatch(x, name, 3, g);
    const g2 = new Generator(9);
    g2.fork();
    const row1 = distort(name, sample.volume, shape, 3, g2.fork());
    expect(batch.shape).toEqual([2, 1, ...shape]);
    expect(Buffer.from(batch.data.buffer, 32768 * 4, 32768 * 4).equals(Buffer.from(row1.buffer))).toBe(true);
  });
});

describe('each category changes the property it targets, monotonically (HU units)', () => {
  const opts: DistortOptions = { units: 'HU', spacing: hu.spacing };

  it('gaussian-noise: the added noise has the severity std', () => {
    const out = allSeverities('gaussian-noise', hu.volume, opts);
    out.forEach((v, k) => {
      const diff = v.map((x, i) => x - hu.volume[i]);
      expect(std(diff) / getDistortion('gaussian-noise').severities[k].stdHU).toBeCloseTo(1, 1);
    });
  });

  it.each([
    ['gaussian-blur', [0, 1, 2]],
    ['slice-thickness', [0]],
    ['downsample', [0, 1, 2]],
  ])('%s: high-frequency energy along axes %j falls strictly', (name, axes) => {
    const out = allSeverities(name as string, hu.volume, opts);
    const e = [hfEnergy(hu.volume, axes as number[]), ...out.map((v) => hfEnergy(v, axes as number[]))];
    strictlyIncreasing(e.map((x) => -x));
  });

  it("slice-thickness leaves each slice's in-plane structure where it was: a z-constant volume is unchanged", () => {
    const v = new Float32Array(hu.volume.length);
    const plane = 32 * 32;
    for (let i = 0; i < v.length; i++) v[i] = hu.volume[i % plane];
    const out = distort('slice-thickness', v, shape, 5, new Generator(0), opts);
    for (let i = 0; i < v.length; i += 31) expect(out[i]).toBeCloseTo(v[i], 2);
  });

  it('downsample: the down-up matrix keeps constants and has rows summing to 1', () => {
    for (const [n, f] of [
      [32, 1.5],
      [32, 4],
      [17, 2.5],
      [5, 3],
    ]) {
      const P = downUpMatrix(n, f);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += P[i * n + k];
        expect(s).toBeCloseTo(1, 12);
      }
    }
  });

  it('contrast: the std falls by exactly the gain', () => {
    const out = allSeverities('contrast', hu.volume, opts);
    out.forEach((v, k) => expect(std(v) / std(hu.volume)).toBeCloseTo(getDistortion('contrast').severities[k].gain, 4));
  });

  it('hu-shift: the mean moves by exactly the shift, with the drawn sign', () => {
    const signs = new Set<number>();
    for (let seed = 0; seed < 6; seed++) {
      SEVERITIES.forEach((s) => {
        const v = distort('hu-shift', hu.volume, shape, s, new Generator(seed), opts);
        const d = v[100] - hu.volume[100];
        expect(Math.abs(d)).toBeCloseTo(getDistortion('hu-shift').severities[s - 1].shiftHU, 3);
        signs.add(Math.sign(d));
      });
    }
    expect([...signs].sort()).toEqual([-1, 1]);
  });

  it('motion-ghosting: the ghost (the volume shifted by H/4 along y) correlates more with the output', () => {
    const [D, H, W] = shape;
    const d = Math.round(H / 4);
    const ghost = new Float32Array(hu.volume.length);
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          ghost[(z * H + y) * W + x] = hu.volume[(z * H + ((y + d) % H)) * W + x];
        }
    const err = allSeverities('motion-ghosting', hu.volume, opts).map((v) => rms(v, ghost));
    strictlyIncreasing(err.map((x) => -x));
  });

  it.each([['streak'], ['ring']])(
    '%s: the artifact is the same in every slice and grows linearly with the amplitude',
    (name) => {
      const out = allSeverities(name, hu.volume, opts);
      const amps = getDistortion(name).severities.map((p) => p.amplitudeHU);
      const plane = 32 * 32;
      const diffAt = (v: Float32Array, i: number) => v[i] - hu.volume[i];
      let peak = 0;
      for (let i = 0; i < plane; i++) {
        const a = diffAt(out[4], i);
        peak = Math.max(peak, Math.abs(a));
        expect(diffAt(out[4], i + 17 * plane)).toBeCloseTo(a, 2);
        expect(diffAt(out[0], i) * amps[4]).toBeCloseTo(a * amps[0], 0);
      }
      expect(peak).toBeGreaterThan(0.5 * amps[4]);
    },
  );

  it('bias-field: the log-gain on attenuation has the severity std (roughly) and grows strictly', () => {
    const out = allSeverities('bias-field', hu.volume, opts);
    const spread = out.map((v) => std(v.map((x, i) => Math.log((x + 1000) / (hu.volume[i] + 1000)))));
    strictlyIncreasing(spread);
    spread.forEach((s, k) => {
      const want = getDistortion('bias-field').severities[k].logStd;
      expect(s).toBeGreaterThan(0.4 * want);
      expect(s).toBeLessThan(1.6 * want);
    });
  });
});
