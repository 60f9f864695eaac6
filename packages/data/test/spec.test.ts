// Dataset specs: every preset validates and resolves; bad documents fail with errors naming the path
// of the bad key or value; split overrides and defaults resolve as documented.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DEFAULT_FACTORS,
  FACTOR_NAMES,
  PRESET_NAMES,
  SpecError,
  loadSpec,
  parseSpec,
  preset,
  resolveSpec,
  validateSpec,
} from '../src';

function errorsOf(doc: unknown): string[] {
  try {
    validateSpec(doc, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    expect((e as SpecError).message).toContain('test.json');
    return (e as SpecError).errors;
  }
  throw new Error('expected the spec to be rejected');
}

describe('presets', () => {
  it('include the ones the studies need', () => {
    for (const name of [
      'iid',
      'shortcut-size',
      'shortcut-density',
      'scanner-shift',
      'task-subsolid',
      'task-calcified',
      'task-cavity',
    ]) {
      expect(PRESET_NAMES).toContain(name);
    }
  });

  it.each(PRESET_NAMES.map((n) => [n]))('%s validates and resolves every factor', (name) => {
    const spec = preset(name);
    expect(spec.name).toBe(name);
    const r = resolveSpec(spec, 'train');
    for (const c of r.classes) expect(Object.keys(c).sort()).toEqual([...FACTOR_NAMES].sort());
  });

  it('shortcut-size trains at rho 0.9 and tests at 0.5 and 0.0', () => {
    const spec = preset('shortcut-size');
    expect(resolveSpec(spec, 'train').shortcuts[0].rho).toBe(0.9);
    expect(resolveSpec(spec, 'test-rho0.5').shortcuts[0].rho).toBe(0.5);
    expect(resolveSpec(spec, 'test-rho0.0').shortcuts[0].rho).toBe(0);
  });

  it('scanner-shift changes noise and slice thickness in its test split only', () => {
    const spec = preset('scanner-shift');
    expect(resolveSpec(spec, 'train').classes[0].sliceThickness).toEqual({ const: 1 });
    expect(resolveSpec(spec, 'test-shift').classes[1].sliceThickness).toEqual({ uniform: [2.5, 3] });
    expect(resolveSpec(spec, 'test-shift').classes[1].noiseStd).toEqual({ uniform: [40, 60] });
  });

  it('returns copies, and unknown names list the known ones', () => {
    (preset('iid') as { name: string }).name = 'changed';
    expect(preset('iid').name).toBe('iid');
    expect(() => preset('nope')).toThrow(/unknown dataset preset "nope".*shortcut-size/);
  });
});

describe('resolveSpec', () => {
  it('layers defaults, shared factors, per-class factors and the split override', () => {
    const spec = validateSpec({
      name: 'layers',
      factors: { diameter: { const: 9 }, noiseStd: { const: 5 } },
      classes: { '1': { diameter: { const: 13 } } },
      splits: { shifted: { factors: { noiseStd: { const: 50 } }, classBalance: 0.2 } },
    });
    const train = resolveSpec(spec, 'train');
    expect(train.classes[0].diameter).toEqual({ const: 9 });
    expect(train.classes[1].diameter).toEqual({ const: 13 });
    expect(train.classes[0].texture).toEqual(DEFAULT_FACTORS.texture);
    expect(train.classBalance).toBe(0.5);
    expect(train.shape).toEqual([32, 32, 32]);
    const shifted = resolveSpec(spec, 'shifted');
    expect(shifted.classes[1].noiseStd).toEqual({ const: 50 });
    expect(shifted.classBalance).toBe(0.2);
  });
});

describe('validateSpec errors name the path', () => {
  it.each<[string, unknown, string]>([
    ['not an object', [1], 'spec: must be a JSON object'],
    ['missing name', {}, 'spec.name: must be a non-empty string'],
    ['unknown top-level key', { name: 'x', factorz: {} }, 'spec.factorz: unknown key'],
    ['unknown factor', { name: 'x', factors: { size: { const: 3 } } }, 'spec.factors.size: unknown factor'],
    [
      'value out of range',
      { name: 'x', classes: { '1': { diameter: { uniform: [4, 80] } } } },
      'spec.classes.1.diameter.uniform[1]: must be in [2, 40] mm, got 80',
    ],
    [
      'reversed range',
      { name: 'x', factors: { diameter: { uniform: [9, 4] } } },
      'spec.factors.diameter.uniform: low 9 is greater than high 4',
    ],
    [
      'two forms',
      { name: 'x', factors: { diameter: { const: 5, uniform: [1, 2] } } },
      'spec.factors.diameter: has const and uniform',
    ],
    ['unknown form', { name: 'x', factors: { diameter: { gauss: 5 } } }, 'spec.factors.diameter.gauss: unknown key'],
    [
      'uniform on an integer factor',
      { name: 'x', factors: { vesselCount: { uniform: [0, 3] } } },
      'spec.factors.vesselCount.uniform: "uniform" (use "int") does not apply',
    ],
    [
      'bad category',
      { name: 'x', factors: { densityType: { choice: ['solid', 'glassy'] } } },
      'spec.factors.densityType.choice[1]: must be one of "solid", "part-solid", "ground-glass", got "glassy"',
    ],
    [
      'bad weights',
      { name: 'x', factors: { densityType: { choice: ['solid'], weights: [1, 2] } } },
      'spec.factors.densityType.weights: must be an array of 1 numbers',
    ],
    [
      'bernoulli on a number',
      { name: 'x', factors: { texture: { bernoulli: 0.5 } } },
      'spec.factors.texture.bernoulli: "bernoulli" does not apply',
    ],
    [
      'negative std',
      { name: 'x', factors: { texture: { normal: { mean: 5, std: -1 } } } },
      'spec.factors.texture.normal.std: must be a finite number >= 0',
    ],
    ['unknown class', { name: 'x', classes: { '2': {} } }, 'spec.classes.2: unknown class'],
    [
      'bad shape',
      { name: 'x', volume: { shape: [32, 32, 3.5] } },
      'spec.volume.shape[2]: must be an integer in [8, 256]',
    ],
    ['bad window', { name: 'x', window: { center: -600, width: 0 } }, 'spec.window.width: must be a number > 0'],
    [
      'rho out of range',
      { name: 'x', shortcuts: [{ factor: 'diameter', rho: 1.5, distributions: [{ const: 5 }, { const: 9 }] }] },
      'spec.shortcuts[0].rho: must be a probability in [0, 1], got 1.5',
    ],
    [
      'shortcut read by the rule',
      { name: 'x', shortcuts: [{ factor: 'lobulation', rho: 0.9, distributions: [{ const: 0 }, { const: 0.3 }] }] },
      'spec.shortcuts[0].factor: "lobulation" is read by the label rule',
    ],
    [
      'shortcut with one side',
      { name: 'x', shortcuts: [{ factor: 'diameter', rho: 0.9, distributions: [{ const: 5 }] }] },
      'spec.shortcuts[0].distributions: must be [side-0 distribution, side-1 distribution]',
    ],
    [
      'shortcut also per class',
      {
        name: 'x',
        classes: { '0': { diameter: { const: 5 } } },
        shortcuts: [{ factor: 'diameter', rho: 0.9, distributions: [{ const: 5 }, { const: 9 }] }],
      },
      'spec.shortcuts[0].factor: "diameter" also has a per-class distribution',
    ],
    [
      'split rho of a non-shortcut',
      { name: 'x', splits: { test: { rho: { diameter: 0.5 } } } },
      'spec.splits.test.rho.diameter: "diameter" is not a shortcut',
    ],
    ['unknown split key', { name: 'x', splits: { test: { noise: 1 } } }, 'spec.splits.test.noise: unknown key'],
    [
      'rule with an unknown factor',
      { name: 'x', labelRule: { factor: 'size', gt: 3 } },
      'spec.labelRule.factor: unknown factor "size"',
    ],
    [
      'rule with two operators',
      { name: 'x', labelRule: { factor: 'diameter', gt: 3, lt: 9 } },
      'spec.labelRule: comparison of "diameter" has 2 operators',
    ],
    [
      'order operator on a category',
      { name: 'x', labelRule: { any: [{ factor: 'densityType', gt: 1 }] } },
      'spec.labelRule.any[0].gt: "gt" needs a numeric factor',
    ],
    [
      'empty any',
      { name: 'x', labelRule: { not: { any: [] } } },
      'spec.labelRule.not.any: must be a non-empty array of rules',
    ],
    [
      'bad category in rule',
      { name: 'x', labelRule: { factor: 'calcification', in: ['central', 'chalky'] } },
      'spec.labelRule.in[1]: must be one of',
    ],
  ])('%s', (_name, doc, message) => {
    const errors = errorsOf(doc);
    expect(errors.some((e) => e.startsWith(message))).toBe(true);
  });

  it('lists every problem at once', () => {
    const errors = errorsOf({ name: '', factors: { diameter: { const: 99 }, texture: { const: -1 } } });
    expect(errors).toHaveLength(3);
  });

  it('accepts a complete hand-written spec', () => {
    const spec = validateSpec({
      name: 'custom',
      description: 'all features',
      volume: { shape: [24, 40, 40], spacing: [2, 0.8, 0.8] },
      window: { center: -500, width: 1400 },
      classBalance: 0.3,
      factors: { diameter: { normal: { mean: 10, std: 2, min: 5, max: 15 } }, pleuralWall: { bernoulli: 0.5 } },
      classes: { '0': { calcification: { choice: ['none', 'central'], weights: [3, 1] } } },
      shortcuts: [{ factor: 'noiseStd', rho: 0.8, distributions: [{ uniform: [5, 10] }, { uniform: [30, 40] }] }],
      labelRule: { all: [{ factor: 'hasNodule', eq: true }, { not: { factor: 'calcification', in: ['central'] } }] },
      splits: { ood: { rho: { noiseStd: 0.5 }, classes: { '1': { diameter: { const: 20 } } } } },
    });
    expect(resolveSpec(spec, 'ood').shortcuts[0].rho).toBe(0.5);
  });
});

describe('spec files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-spec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads a preset by name or a file by path', () => {
    const file = path.join(dir, 'my.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'mine', factors: { diameter: { const: 7 } } }));
    expect(loadSpec(file).name).toBe('mine');
    expect(loadSpec('scanner-shift').name).toBe('scanner-shift');
  });

  it('names the file on invalid JSON, invalid content or a missing file', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{"name": "x",');
    expect(() => loadSpec(file)).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[\\s\\S]*not valid JSON`),
    );
    fs.writeFileSync(file, '{"name": "x", "factors": {"diameter": {"const": 1}}}');
    expect(() => loadSpec(file)).toThrow(/bad\.json:[\s\S]*spec\.factors\.diameter\.const: must be in \[2, 40\]/);
    expect(() => loadSpec(path.join(dir, 'missing.json'))).toThrow(/cannot read dataset spec .*missing\.json/);
    expect(() => parseSpec('[]', 'inline')).toThrow(/inline/);
  });
});
