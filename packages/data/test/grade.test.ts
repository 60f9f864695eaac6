// The ordinal nodule grade: the documented rule on hand-made factor records, and the grade every generated
// sample records.
import { FactorRecord, NoduleGenerator, noduleGrade, preset } from '../src';

type GradeInput = Parameters<typeof noduleGrade>[0];
const base: GradeInput = {
  hasNodule: true,
  calcification: 'none',
  diameter: 5,
  lobulation: 0,
  spiculationCount: 0,
  densityType: 'solid',
};

describe('noduleGrade', () => {
  it.each([
    ['no nodule', { hasNodule: false, diameter: 30 }, 1],
    ['benign calcification, large and spiculated', { calcification: 'popcorn', diameter: 20, spiculationCount: 5 }, 1],
    ['small smooth solid (< 6 mm)', {}, 2],
    ['solid 6 mm', { diameter: 6 }, 3],
    ['solid 7.9 mm', { diameter: 7.9 }, 3],
    ['solid 8 mm', { diameter: 8 }, 4],
    ['solid 15 mm', { diameter: 15 }, 5],
    ['spiculated 6 mm', { diameter: 6, spiculationCount: 1 }, 4],
    ['lobulated just above the irregular threshold', { diameter: 5, lobulation: 0.11 }, 3],
    ['lobulated at the threshold (still smooth)', { diameter: 5, lobulation: 0.1 }, 2],
    ['part-solid 6 mm', { diameter: 6, densityType: 'part-solid' }, 4],
    ['part-solid, spiculated, 8 mm (capped at 5)', { diameter: 8, densityType: 'part-solid', spiculationCount: 3 }, 5],
    ['ground-glass 5 mm (floor 2)', { densityType: 'ground-glass' }, 2],
    ['ground-glass 10 mm', { diameter: 10, densityType: 'ground-glass' }, 3],
    ['ground-glass 20 mm', { diameter: 20, densityType: 'ground-glass' }, 4],
  ] as [string, Partial<GradeInput>, number][])('%s -> %d', (_name, overrides, want) => {
    expect(noduleGrade({ ...base, ...overrides } as GradeInput)).toBe(want);
  });
});

describe('generated samples', () => {
  it('record the grade of their factors, and it follows the nodule', () => {
    const gen = new NoduleGenerator(preset('shortcut-size'), 3);
    const grades = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const s = gen.sample('train', i);
      expect(s.grade).toBe(noduleGrade(s.factors));
      grades.add(s.grade);
    }
    expect(grades.size).toBeGreaterThan(1);
    const big = gen.counterfactual('train', 0, {
      diameter: 20,
      calcification: 'none',
      densityType: 'solid',
    } as Partial<FactorRecord>);
    expect(big.grade).toBe(5);
    expect(gen.counterfactual('train', 0, { hasNodule: false }).grade).toBe(1);
  });
});
