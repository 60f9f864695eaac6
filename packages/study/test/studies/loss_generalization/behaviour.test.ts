// The study's behaviour at small scale: on an easy inline spec (20^3 volumes, a clear margin), a CE
// model trained where size agrees with the label (rho 0.9) scores lower once it no longer does
// (rho 0.0), and the iid control — the same data with size independent of the label — beats chance.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveStudySpec } from '../../../src/studies/loss_generalization/spec';
import { runStudy } from '../../../src/framework';
import { lossGeneralization } from '../../../src/studies/loss_generalization/study';

jest.setTimeout(120_000);

const EASY = {
  name: 'easy-size',
  volume: { shape: [20, 20, 20], spacing: [1.5, 1.5, 1.5] },
  factors: {
    spiculationLength: { uniform: [4, 6] },
    spiculationWidth: { uniform: [1.5, 2] },
    vesselCount: { const: 0 },
    pleuralWall: { const: false },
  },
  classes: {
    '0': { lobulation: { uniform: [0, 0.02] }, spiculationCount: { const: 0 } },
    '1': { lobulation: { uniform: [0.3, 0.45] }, spiculationCount: { int: [5, 8] } },
  },
  shortcuts: [{ factor: 'diameter', rho: 0.9, distributions: [{ uniform: [5, 8] }, { uniform: [12, 16] }] }],
  splits: { 'test-rho0.0': { rho: { diameter: 0 } } },
};

describe('a CE model on the size shortcut, at small scale', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-behaviour-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores lower at rho 0.0 than in distribution, while its iid control beats chance', async () => {
    const study = resolveStudySpec({
      losses: ['ce'],
      seeds: [0],
      train: { spec: EASY, rho: 0.9, n: 384, valN: 64 },
      testN: 128,
      testSets: [
        { name: 'in-distribution', split: 'test' },
        { name: 'rho0.0', split: 'test-rho0.0' },
      ],
      analysis: { n: 32, gradcamN: 0, factors: ['diameter'], probeTargets: ['diameter'] },
      config: { model: { options: { widthMultiplier: 0.5 } }, batchSize: 32, epochs: 8 },
      control: { minBalancedAccuracy: 0.65 },
      threads: 2,
    });
    const r = (await runStudy(lossGeneralization, study, { outDir: path.join(dir, 'study') })).results;
    const ba = (t: string): number => r.runs[0].testSets[t].balancedAccuracy;
    expect(ba('in-distribution')).toBeGreaterThan(0.8);
    expect(ba('in-distribution') - ba('rho0.0')).toBeGreaterThan(0.3);
    expect(r.control.runs[0].metrics.balancedAccuracy).toBeGreaterThan(0.65);
    expect(r.control.passed).toBe(true);
    // the model reads size: crossing the shortcut boundary flips most predictions
    expect(r.runs[0].counterfactual.diameter.flipRate).toBeGreaterThan(0.5);
  });
});

describe('a study run twice', () => {
  it('writes the same metrics.json (wall-clock times go to timing.json)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-determinism-'));
    try {
      const study = resolveStudySpec({
        losses: ['ce'],
        seeds: [0, 1],
        volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
        train: { n: 64, valN: 32 },
        testN: 32,
        analysis: { n: 16, gradcamN: 4 },
        config: { model: { options: { widthMultiplier: 0.25 } }, batchSize: 16, epochs: 1 },
      });
      const text = async (name: string): Promise<string> => {
        await runStudy(lossGeneralization, study, { outDir: path.join(dir, name) });
        return fs.readFileSync(path.join(dir, name, 'metrics.json'), 'utf8');
      };
      const a = await text('a');
      expect(await text('b')).toBe(a);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'a', 'timing.json'), 'utf8')).units).toHaveLength(4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
