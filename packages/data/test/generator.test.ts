// The generator: determinism per (seed, split, index), outputs, each factor measurably doing what it
// says (diameter, irregular margins, density, noise, slice thickness, contrast), counterfactuals that
// change only the named factor, and a throughput log line.
import { DatasetSpec, FactorRecord, NoduleGenerator, Sample, SyntheticDataset, collate, preset } from '../src';

/** Distributions that switch off everything but the nodule, so its effect can be measured. */
const QUIET: DatasetSpec['factors'] = {
  noiseStd: { const: 0 },
  vesselCount: { const: 0 },
  pleuralWall: { const: false },
  texture: { const: 0 },
  parenchymaTexture: { const: 0 },
  offsetX: { const: 0 },
  offsetY: { const: 0 },
  offsetZ: { const: 0 },
  parenchymaHU: { const: -850 },
  calcification: { const: 'none' },
  cavitation: { const: 0 },
};

function quiet(extra: DatasetSpec['factors'] = {}, volume?: DatasetSpec['volume']): DatasetSpec {
  return { name: 'quiet', volume, factors: { ...QUIET, ...extra } };
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function maskCount(s: Sample): number {
  let n = 0;
  for (let i = 0; i < s.mask.length; i++) n += s.mask[i];
  return n;
}

/** Faces between mask and non-mask voxels per mask voxel (a discrete surface-to-volume ratio). */
function surfaceToVolume(s: Sample): number {
  const [D, H, W] = s.shape;
  const m = (z: number, y: number, x: number) =>
    z < 0 || y < 0 || x < 0 || z >= D || y >= H || x >= W ? 0 : s.mask[(z * H + y) * W + x];
  let faces = 0,
    vox = 0;
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (!m(z, y, x)) continue;
        vox++;
        faces +=
          6 - m(z - 1, y, x) - m(z + 1, y, x) - m(z, y - 1, x) - m(z, y + 1, x) - m(z, y, x - 1) - m(z, y, x + 1);
      }
  return faces / vox;
}

function meanWhere(s: Sample, pick: (i: number) => boolean): number {
  let sum = 0,
    n = 0;
  for (let i = 0; i < s.volume.length; i++)
    if (pick(i)) {
      sum += s.volume[i];
      n++;
    }
  return sum / n;
}

describe('determinism', () => {
  const gen = new NoduleGenerator(preset('iid'), 42);

  it('the same (seed, split, index) gives identical bytes, from any generator instance', () => {
    const a = gen.sample('train', 5);
    const b = new NoduleGenerator(preset('iid'), 42).sample('train', 5);
    expect(bytes(a.volume).equals(bytes(b.volume))).toBe(true);
    expect(bytes(a.mask).equals(bytes(b.mask))).toBe(true);
    expect(a.factors).toEqual(b.factors);
    expect([a.label, a.bbox, a.centre, a.seed]).toEqual([b.label, b.bbox, b.centre, b.seed]);
  });

  it('batch order and batch composition do not matter', () => {
    const forward = gen.batch('train', [0, 1, 2, 3]);
    const backward = gen.batch('train', [3, 2, 1, 0]).reverse();
    const single = [0, 1, 2, 3].map((i) => gen.sample('train', i));
    forward.forEach((s, k) => {
      expect(bytes(s.volume).equals(bytes(backward[k].volume))).toBe(true);
      expect(bytes(s.volume).equals(bytes(single[k].volume))).toBe(true);
    });
  });

  it('seed, split and index each change the sample', () => {
    const base = gen.sample('train', 5).volume;
    for (const other of [
      gen.sample('train', 6),
      gen.sample('val', 5),
      new NoduleGenerator(preset('iid'), 43).sample('train', 5),
    ]) {
      expect(bytes(other.volume).equals(bytes(base))).toBe(false);
    }
  });
});

describe('outputs', () => {
  it('volume in [0, 1] by the window, or HU; mask, bbox and centre agree', () => {
    const gen = new NoduleGenerator(preset('iid'), 1);
    const s = gen.sample('train', 2);
    const h = gen.sample('train', 2, { hu: true });
    expect(s.units).toBe('window');
    expect(h.units).toBe('HU');
    expect(s.volume.length).toBe(32 * 32 * 32);
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < s.volume.length; i++) {
      lo = Math.min(lo, s.volume[i]);
      hi = Math.max(hi, s.volume[i]);
      const expected = Math.min(
        1,
        Math.max(0, (h.volume[i] - (s.window.center - s.window.width / 2)) / s.window.width),
      );
      if (Math.abs(s.volume[i] - expected) > 1e-6) throw new Error(`voxel ${i}: ${s.volume[i]} vs ${expected}`);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    const [D, H, W] = s.shape;
    for (let i = 0; i < s.mask.length; i++)
      if (s.mask[i]) {
        const z = Math.floor(i / (H * W)),
          y = Math.floor(i / W) % H,
          x = i % W;
        expect(
          z >= s.bbox!.min[0] &&
            z <= s.bbox!.max[0] &&
            y >= s.bbox!.min[1] &&
            y <= s.bbox!.max[1] &&
            x >= s.bbox!.min[2] &&
            x <= s.bbox!.max[2],
        ).toBe(true);
      }
    for (let a = 0; a < 3; a++) {
      expect(s.centre![a]).toBeGreaterThanOrEqual(s.bbox!.min[a]);
      expect(s.centre![a]).toBeLessThanOrEqual(s.bbox!.max[a]);
    }
    expect(D).toBe(32);
  });

  it('empty volumes have no mask, bbox or centre', () => {
    const s = new NoduleGenerator(preset('empty'), 0).sample('test', 0);
    expect([maskCount(s), s.bbox, s.centre, s.label]).toEqual([0, null, null, 0]);
  });

  it('follows the spec volume shape and spacing, and stacks into (N, 1, D, H, W)', () => {
    const spec: DatasetSpec = { name: 'aniso', volume: { shape: [16, 40, 24], spacing: [2.5, 0.7, 0.7] } };
    const gen = new NoduleGenerator(spec, 0);
    const batch = gen.batch('train', [0, 1, 2]);
    const ds = new SyntheticDataset(spec, 0, 'train', 3);
    expect(batch[0].shape).toEqual([16, 40, 24]);
    expect(batch[0].spacing).toEqual([2.5, 0.7, 0.7]);
    const { x, labels } = collate([0, 1, 2].map((i) => ds.get(i)));
    expect(x.shape).toEqual([3, 1, 16, 40, 24]);
    expect(Array.from(labels)).toEqual(batch.map((s) => s.label));
    expect(x.data[2 * 16 * 40 * 24 + 5]).toBe(batch[2].volume[5]);
  });
});

describe('factors do what they say', () => {
  it.each<[number, number, [number, number, number], number]>([
    [5, 1, [1, 1, 1], 0],
    [8, 1, [1, 1, 1], 0],
    [12, 1.8, [1, 1, 1], 0],
    [20, 1.3, [1, 1, 1], 0],
    [12, 1, [1, 1, 1], 0.3],
    [10, 1, [2, 0.8, 0.8], 0],
    [16, 1.5, [1.5, 0.7, 0.7], 0.2],
  ])(
    'diameter %d mm (elongation %d, spacing %j, lobulation %d): mask volume-equivalent diameter within 10%%',
    (d, e, spacing, lob) => {
      const shape: [number, number, number] = [
        Math.ceil(36 / spacing[0]),
        Math.ceil(36 / spacing[1]),
        Math.ceil(36 / spacing[2]),
      ];
      const gen = new NoduleGenerator(
        quiet(
          {
            diameter: { const: d },
            elongation: { const: e },
            lobulation: { const: lob },
            spiculationCount: { const: 0 },
          },
          { shape, spacing },
        ),
        3,
      );
      for (let i = 0; i < 3; i++) {
        const s = gen.sample('train', i);
        const volume = maskCount(s) * spacing[0] * spacing[1] * spacing[2];
        const measured = Math.cbrt((6 * volume) / Math.PI);
        expect(Math.abs(measured - d) / d).toBeLessThan(0.1);
      }
    },
  );

  it('lobulated and spiculated nodules have a larger surface-to-volume ratio than the same nodule smooth', () => {
    const gen = new NoduleGenerator(quiet({ diameter: { const: 12 }, elongation: { const: 1 } }), 9);
    for (let i = 0; i < 4; i++) {
      const smooth = surfaceToVolume(gen.counterfactual('train', i, { lobulation: 0, spiculationCount: 0 }));
      const lobulated = surfaceToVolume(gen.counterfactual('train', i, { lobulation: 0.4, spiculationCount: 0 }));
      const spiculated = surfaceToVolume(
        gen.counterfactual('train', i, {
          lobulation: 0,
          spiculationCount: 10,
          spiculationLength: 6,
          spiculationWidth: 1.5,
        }),
      );
      expect(lobulated).toBeGreaterThan(smooth * 1.05);
      expect(spiculated).toBeGreaterThan(smooth * 1.1);
    }
  });

  it('attenuation sets the HU inside a solid nodule; ground glass is fainter; calcium and cavities show', () => {
    const gen = new NoduleGenerator(quiet({ diameter: { const: 14 }, marginSharpness: { const: 1 } }), 4);
    const inner = (s: Sample, radius = 3) => {
      const [, H, W] = s.shape;
      const c = s.centre!;
      return (i: number) =>
        Math.hypot(Math.floor(i / (H * W)) - c[0], (Math.floor(i / W) % H) - c[1], (i % W) - c[2]) < radius;
    };
    const solid = gen.counterfactual('train', 0, { attenuation: 45, densityType: 'solid' }, { hu: true });
    expect(Math.abs(meanWhere(solid, inner(solid)) - 45)).toBeLessThan(2);
    const ggo = gen.counterfactual('train', 0, { attenuation: -620, densityType: 'ground-glass' }, { hu: true });
    expect(Math.abs(meanWhere(ggo, inner(ggo)) + 620)).toBeLessThan(2);
    const calcified = gen.counterfactual('train', 0, { attenuation: 45, calcification: 'central' }, { hu: true });
    expect(meanWhere(calcified, inner(calcified, 1.5))).toBeGreaterThan(500);
    const cavity = gen.counterfactual('train', 0, { attenuation: 45, cavitation: 0.6 }, { hu: true });
    expect(meanWhere(cavity, inner(cavity))).toBeLessThan(-800);
    expect(maskCount(cavity)).toBe(maskCount(solid));
  });

  it('noiseStd sets the measured noise level (in HU) of a flat background', () => {
    for (const [std, corr] of [
      [15, 0],
      [40, 0],
      [25, 1],
    ]) {
      const gen = new NoduleGenerator(
        quiet({ hasNodule: { const: false }, noiseStd: { const: std }, noiseCorrelation: { const: corr } }),
        2,
      );
      const s = gen.sample('train', 0, { hu: true });
      const mean = meanWhere(s, () => true);
      let v = 0;
      for (const x of s.volume) v += (x - mean) ** 2;
      expect(Math.abs(Math.sqrt(v / s.volume.length) - std) / std).toBeLessThan(0.1);
    }
  });

  it('noise correlation makes neighbouring in-plane voxels correlated, not through-plane ones', () => {
    const corr = (c: number) => {
      const s = new NoduleGenerator(
        quiet({ hasNodule: { const: false }, noiseStd: { const: 20 }, noiseCorrelation: { const: c } }),
        2,
      ).sample('train', 0, { hu: true });
      let xy = 0,
        zz = 0,
        vv = 0;
      const [D, H, W] = s.shape;
      for (let z = 0; z < D - 1; z++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W - 1; x++) {
            const i = (z * H + y) * W + x;
            const a = s.volume[i] + 850;
            vv += a * a;
            xy += a * (s.volume[i + 1] + 850);
            zz += a * (s.volume[i + H * W] + 850);
          }
      return [xy / vv, zz / vv];
    };
    const [white, whiteZ] = corr(0);
    const [smooth, smoothZ] = corr(1.2);
    expect(Math.abs(white)).toBeLessThan(0.05);
    expect(smooth).toBeGreaterThan(0.5);
    expect(Math.abs(whiteZ)).toBeLessThan(0.05);
    expect(Math.abs(smoothZ)).toBeLessThan(0.05);
  });

  it('slice thickness blurs through-plane only; contrast scales about the parenchyma level', () => {
    const gen = new NoduleGenerator(
      quiet({ diameter: { const: 10 }, attenuation: { const: 40 }, marginSharpness: { const: 1 } }),
      6,
    );
    // A smooth nodule, so nothing reaches the volume's faces (a blur there would not keep column sums).
    const smooth = { lobulation: 0, spiculationCount: 0 };
    const thin = gen.counterfactual('train', 0, { ...smooth, sliceThickness: 1 }, { hu: true });
    const thick = gen.counterfactual('train', 0, { ...smooth, sliceThickness: 4 }, { hu: true });
    const [, H, W] = thin.shape;
    const grad = (s: Sample, stride: number) => {
      let g = 0;
      for (let i = 0; i + stride < s.volume.length; i++) g += (s.volume[i + stride] - s.volume[i]) ** 2;
      return g;
    };
    expect(grad(thick, H * W)).toBeLessThan(0.6 * grad(thin, H * W));
    // A through-plane blur keeps each (y, x) column's sum: the projection onto the plane is unchanged.
    const project = (s: Sample) => {
      const p = new Float64Array(H * W);
      for (let i = 0; i < s.volume.length; i++) p[i % (H * W)] += s.volume[i];
      return p;
    };
    const [pThin, pThick] = [project(thin), project(thick)];
    let worst = 0;
    for (let i = 0; i < H * W; i++) worst = Math.max(worst, Math.abs(pThick[i] - pThin[i]));
    expect(worst).toBeLessThan(0.05);
    expect(bytes(thick.volume).equals(bytes(thin.volume))).toBe(false);
    const strong = gen.counterfactual('train', 0, { ...smooth, contrast: 2 }, { hu: true });
    for (let i = 0; i < thin.volume.length; i += 97)
      expect(strong.volume[i]).toBeCloseTo(-850 + 2 * (thin.volume[i] + 850), 2);
  });

  it('position offset moves the centre; orientation turns an elongated nodule', () => {
    const gen = new NoduleGenerator(
      quiet({ diameter: { const: 10 }, elongation: { const: 2 }, orientationRoll: { const: 0 } }),
      8,
    );
    const a = gen.counterfactual('train', 0, { offsetX: 0, offsetY: 0, offsetZ: 0 });
    const b = gen.counterfactual('train', 0, { offsetX: 4, offsetY: -3, offsetZ: 2 });
    expect(b.centre!.map((c, k) => c - a.centre![k])).toEqual([2, -3, 4]);
    const extent = (s: Sample) => s.bbox!.max.map((m, k) => m - s.bbox!.min[k] + 1);
    // A smooth nodule: spicules would widen the box in every direction.
    const smooth = { lobulation: 0, spiculationCount: 0 };
    const alongZ = extent(gen.counterfactual('train', 0, { ...smooth, orientationYaw: 0, orientationPitch: 0 }));
    const alongX = extent(gen.counterfactual('train', 0, { ...smooth, orientationYaw: 0, orientationPitch: 90 }));
    expect(alongZ[0]).toBeGreaterThan(alongZ[2] + 3);
    expect(alongX[2]).toBeGreaterThan(alongX[0] + 3);
  });
});

describe('more factors, each against its own measure', () => {
  const gen = new NoduleGenerator(
    quiet({
      diameter: { const: 12 },
      attenuation: { const: 40 },
      lobulation: { const: 0 },
      spiculationCount: { const: 0 },
    }),
    12,
  );
  const nodule = (s: Sample) => (i: number) => s.mask[i] === 1;
  const background = (s: Sample) => (i: number) => s.mask[i] === 0;
  const variance = (s: Sample, pick: (i: number) => boolean) => {
    const m = meanWhere(s, pick);
    return meanWhere({ ...s, volume: s.volume.map((v) => (v - m) ** 2) }, pick);
  };
  /** Sum of squared differences between x-neighbours inside the nodule's footprint (edge energy). */
  const edgeEnergy = (s: Sample) => {
    let e = 0;
    for (let i = 0; i + 1 < s.volume.length; i++) e += (s.volume[i + 1] - s.volume[i]) ** 2;
    return e;
  };
  const count = (s: Sample, pick: (v: number) => boolean) => s.volume.reduce((n, v) => n + (pick(v) ? 1 : 0), 0);

  it.each<[string, Partial<FactorRecord>, Partial<FactorRecord>, (s: Sample) => number]>([
    ['marginSharpness raises edge contrast', { marginSharpness: 0 }, { marginSharpness: 1 }, edgeEnergy],
    ['texture raises variance inside the nodule', { texture: 0 }, { texture: 60 }, (s) => variance(s, nodule(s))],
    [
      'parenchymaTexture raises variance outside it',
      { parenchymaTexture: 0 },
      { parenchymaTexture: 40 },
      (s) => variance(s, background(s)),
    ],
    [
      'vesselCount adds blood-density voxels outside it',
      { vesselCount: 0 },
      { vesselCount: 4 },
      (s) =>
        count(s, (v) => v > -300) -
        count({ ...s, volume: s.volume.map((v, i) => (s.mask[i] ? v : -850)) }, (v) => v > -300),
    ],
    [
      'pleuralWall adds soft tissue at one side',
      { pleuralWall: false },
      { pleuralWall: true },
      (s) => count(s, (v) => v > -100),
    ],
    [
      'parenchymaHU sets the background level',
      { parenchymaHU: -900 },
      { parenchymaHU: -800 },
      (s) => meanWhere(s, background(s)),
    ],
    ['diameter grows the mask', { diameter: 8 }, { diameter: 14 }, (s) => s.mask.reduce((a, b) => a + b, 0)],
  ])('%s', (_name, low, high, measure) => {
    for (const i of [0, 1]) {
      const a = measure(gen.counterfactual('train', i, low, { hu: true }));
      const b = measure(gen.counterfactual('train', i, high, { hu: true }));
      expect(b).toBeGreaterThan(a);
    }
  });
});

describe('counterfactuals', () => {
  const gen = new NoduleGenerator(preset('iid'), 21);

  function changedFactors(a: FactorRecord, b: FactorRecord): string[] {
    return (Object.keys(a) as (keyof FactorRecord)[]).filter((k) => a[k] !== b[k]);
  }

  it.each<[keyof FactorRecord, (f: FactorRecord) => FactorRecord[keyof FactorRecord]]>([
    ['spiculationCount', (f) => (f.spiculationCount as number) + 5],
    ['lobulation', (f) => ((f.lobulation as number) > 0.2 ? 0 : 0.35)],
    ['attenuation', (f) => (f.attenuation as number) + 80],
    ['calcification', () => 'popcorn'],
  ])('overriding %s changes that factor and only voxels around the nodule', (name, value) => {
    for (const i of [0, 1, 2]) {
      const base = gen.sample('train', i);
      const cf = gen.counterfactual('train', i, { [name]: value(base.factors) });
      expect(changedFactors(base.factors, cf.factors)).toEqual([name]);
      const [, H, W] = base.shape;
      const box = [cf.footprint!, base.footprint!];
      let changed = 0;
      for (let v = 0; v < base.volume.length; v++) {
        if (base.volume[v] === cf.volume[v]) continue;
        changed++;
        const p = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
        const near = box.some((b) => p.every((c, k) => c >= b.min[k] && c <= b.max[k]));
        if (!near) throw new Error(`sample ${i}: voxel (${p.join(', ')}) changed far from the nodule`);
      }
      expect(changed).toBeGreaterThan(0);
    }
  });

  it('adding spicules only adds to the mask; the label follows the rule', () => {
    const base = gen.counterfactual('train', 3, { lobulation: 0, spiculationCount: 0 });
    const spic = gen.counterfactual('train', 3, { lobulation: 0, spiculationCount: 6, spiculationLength: 5 });
    expect(base.label).toBe(0);
    expect(spic.label).toBe(1);
    let added = 0,
      removed = 0;
    for (let v = 0; v < base.mask.length; v++) {
      if (spic.mask[v] > base.mask[v]) added++;
      if (spic.mask[v] < base.mask[v]) removed++;
    }
    expect(removed).toBe(0);
    expect(added).toBeGreaterThan(10);
  });

  it('overriding an acquisition factor keeps the mask and every other factor', () => {
    const base = gen.sample('train', 4);
    const cf = gen.counterfactual('train', 4, { noiseStd: base.factors.noiseStd + 30 });
    expect(changedFactors(base.factors, cf.factors)).toEqual(['noiseStd']);
    expect(bytes(cf.mask).equals(bytes(base.mask))).toBe(true);
    expect(cf.label).toBe(base.label);
    expect(bytes(cf.volume).equals(bytes(base.volume))).toBe(false);
  });

  it('an override equal to the drawn value reproduces the sample exactly', () => {
    const base = gen.sample('train', 5);
    const cf = gen.counterfactual('train', 5, { diameter: base.factors.diameter });
    expect(bytes(cf.volume).equals(bytes(base.volume))).toBe(true);
  });

  it('rejects unknown factors and invalid values', () => {
    expect(() => gen.counterfactual('train', 0, { size: 3 } as unknown as Partial<FactorRecord>)).toThrow(
      /unknown factor "size"/,
    );
    expect(() => gen.counterfactual('train', 0, { diameter: 100 })).toThrow(/"diameter" must be in \[2, 40\]/);
    expect(() => gen.counterfactual('train', 0, { densityType: 'glassy' as never })).toThrow(
      /"densityType" must be one of/,
    );
    expect(() => gen.sample('train', -1)).toThrow(/index must be a non-negative integer/);
    expect(() => new NoduleGenerator(preset('iid'), 0.5)).toThrow(/seed must be a safe integer/);
  });
});

describe('throughput', () => {
  it('logs volumes per second at 32^3 (one thread)', () => {
    const gen = new NoduleGenerator(preset('iid'), 0);
    gen.batch('train', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const n = 300;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) gen.sample('bench', i);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`@nodulab/data generator: ${(n / seconds).toFixed(0)} volumes/s at 32^3 on one thread`);
    expect(n / seconds).toBeGreaterThan(20);
  });
});
