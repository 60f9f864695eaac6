// Training targets: the class of hand-made factor records under each target, and SyntheticDataset items of the
// 'grade' and 'composition' presets carrying those classes; an unknown target in a spec is named in the error.
import {
  FactorRecord,
  NoduleGenerator,
  SyntheticDataset,
  preset,
  targetClass,
  targetClasses,
  validateSpec,
} from '../src';

const small = {
  volume: { shape: [12, 12, 12] as [number, number, number], spacing: [2, 2, 2] as [number, number, number] },
};

describe('targetClass', () => {
  const f = (o: Partial<FactorRecord>): FactorRecord =>
    ({
      hasNodule: true,
      calcification: 'none',
      diameter: 10,
      lobulation: 0,
      spiculationCount: 0,
      densityType: 'solid',
      cavitation: 0,
      ...o,
    }) as FactorRecord;
  it.each([
    ['label', 1, {}, 1],
    ['grade', 0, { diameter: 10 }, 3], // smooth solid 10 mm (>= 8, < 15): grade 4 -> class 3
    ['grade', 1, { calcification: 'central' }, 0],
    ['composition', 0, {}, 0],
    ['composition', 0, { cavitation: 0.4 }, 1],
    ['composition', 0, { calcification: 'popcorn' }, 2],
    ['composition', 0, { densityType: 'part-solid', calcification: 'laminated', cavitation: 0.3 }, 7],
    ['composition', 0, { densityType: 'ground-glass', cavitation: 0.1 }, 0],
  ] as const)('%s of label %d and %j is class %d', (target, label, o, expected) => {
    expect(targetClass(target, label, f(o as Partial<FactorRecord>))).toBe(expected);
  });

  it('counts each target’s classes', () => {
    expect([targetClasses(), targetClasses('grade'), targetClasses('composition')]).toEqual([2, 5, 8]);
  });

  it('names an unknown target in a spec', () => {
    expect(() => validateSpec({ name: 'x', target: 'size' })).toThrow(
      /spec\.target: must be one of label, grade, composition, got "size"/,
    );
  });
});

describe('target presets', () => {
  it.each(['grade', 'composition'] as const)('%s items carry the class of their own factors', (name) => {
    const spec = { ...preset(name), ...small };
    const ds = new SyntheticDataset(spec, 3, 'train', 40);
    const gen = new NoduleGenerator(spec, 3);
    const seen = new Set<number>();
    for (let i = 0; i < ds.length; i++) {
      const item = ds.get(i);
      const s = gen.sample('train', i);
      expect(item.label).toBe(targetClass(name, s.label, s.factors));
      if (name === 'grade') expect(item.label).toBe(s.grade - 1);
      seen.add(item.label);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  it('grade has satellites and a scanner-shifted second dataset', () => {
    const gen = new NoduleGenerator({ ...preset('grade'), ...small }, 0);
    const train = Array.from({ length: 30 }, (_, i) => gen.factors('train', i).factors);
    const shift = Array.from({ length: 30 }, (_, i) => gen.factors('test-shift', i).factors);
    expect(train.some((f) => f.satelliteCount > 0)).toBe(true);
    expect(Math.max(...train.map((f) => f.noiseStd))).toBeLessThanOrEqual(20);
    expect(Math.min(...shift.map((f) => f.noiseStd))).toBeGreaterThanOrEqual(40);
    expect(Math.min(...shift.map((f) => f.sliceThickness))).toBeGreaterThanOrEqual(2.5);
  });
});

describe("the 'grade' preset's window", () => {
  it('keeps most calcified nodules (grade 1) brighter than any soft-tissue one; the lung window clips them together', () => {
    const volume = { shape: [16, 16, 16], spacing: [1.5, 1.5, 1.5] } as const;
    const contrast = (window?: { center: number; width: number }) => {
      const spec = { ...preset('grade'), volume, ...(window ? { window } : {}) } as never;
      const gen = new NoduleGenerator(spec, 5);
      const ds = new SyntheticDataset(spec, 5, 'train', 80);
      const calcified: number[] = [];
      const soft: number[] = [];
      for (let i = 0; i < ds.length; i++)
        (gen.factors('train', i).factors.calcification === 'none' ? soft : calcified).push(
          Math.max(...ds.get(i).volume),
        );
      calcified.sort((a, b) => a - b);
      // The median calcified nodule's brightest voxel against the brightest soft-tissue one (a tiny calcification
      // may fall between voxels, so not every calcified nodule shows).
      return calcified[Math.floor(calcified.length / 2)] - Math.max(...soft);
    };
    expect(contrast()).toBeGreaterThan(0.15);
    expect(contrast({ center: -600, width: 1500 })).toBeLessThan(0.1);
  });
});
