// The one end-to-end test of the hard-samples study that trains: runStudy on the smallest spec that runs every
// unit kind (data, classifier, targets, localizer, arm: one seed, the weak setting, whose boxes need the
// classifiers, 3 models per population at one sparsity, 12^3 volumes, one epoch). It asserts what a run must
// produce: the framework's files and the study's, one folder per unit, metrics.json equal to what runStudy returned,
// per-sample CSV rows, JSON unit results with relative paths, and a unit rerun in a fresh folder, with a fresh
// cache and only its needs, giving the same result. The science is tested on fake results (summary.test.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HardSamplesUnit, HardSamplesUnitResult, STUDY_FILES, hardSamples, metricsJson, runStudy } from '../../../src';

jest.setTimeout(900_000);

const quick = hardSamples.quick(hardSamples.defaultInput());
const SPEC = hardSamples.resolve({
  ...quick,
  settings: ['weak'],
  sparsities: [0.9],
  volume: { shape: [12, 12, 12], spacing: [4, 4, 4] },
  n: 32,
  valN: 8,
  testN: 16,
  localizerEpochs: 1,
  classifier: { n: 32, config: { epochs: 1 } },
  config: { ...(quick.config as object), batchSize: 8, epochs: 1 },
  threads: 1,
});

describe('runStudy(hardSamples, smallest spec)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-hard-samples-'));
  const out = path.join(root, 'study');
  const results = new Map<string, HardSamplesUnitResult>();
  const spy = {
    ...hardSamples,
    runUnit: async (spec: typeof SPEC, unit: HardSamplesUnit, ctx: Parameters<typeof hardSamples.runUnit>[2]) => {
      const r = await hardSamples.runUnit(spec, unit, ctx);
      results.set(unit.id, r);
      return r;
    },
  };
  let output: Awaited<ReturnType<typeof runStudy<typeof SPEC, HardSamplesUnit, HardSamplesUnitResult, unknown>>>;
  const plan = hardSamples.plan(SPEC);

  beforeAll(async () => {
    output = await runStudy(spy, SPEC, { outDir: out });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes the framework’s files and the study’s, and one folder per unit with its models', () => {
    expect(fs.readdirSync(out).sort()).toEqual(
      [...Object.values(STUDY_FILES), 'htl.csv', 'predictions.csv', 'runs'].sort(),
    );
    expect(fs.readdirSync(path.join(out, 'runs')).sort()).toEqual(plan.map((u) => u.id).sort());
    expect(plan.map((u) => u.id)).toEqual([
      's0-data',
      's0-cls0',
      's0-cls1',
      's0-cls2',
      's0-weak-targets',
      's0-weak-loc0',
      's0-weak-loc1',
      's0-weak-loc2',
      's0-weak-htl',
      's0-weak-random',
      's0-weak-mining',
    ]);
    for (const m of ['ce-dense0', 'ce-dense0-pruned90'])
      expect(fs.existsSync(path.join(out, 'runs/s0-cls0', m, 'summary.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'runs/s0-weak-loc2/box-dense2-pruned90/summary.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'runs/s0-weak-mining/attend-mining/summary.json'))).toBe(true);
    const timing = JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.timing), 'utf8'));
    expect(timing.units.map((u: { id: string }) => u.id)).toEqual(plan.map((u) => u.id));
  });

  it('writes metrics.json = what runStudy returned, spec.json = the spec', () => {
    expect(fs.readFileSync(path.join(out, STUDY_FILES.metrics), 'utf8')).toBe(metricsJson(output));
    expect(JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.spec), 'utf8'))).toEqual(SPEC);
    expect(output.findings.claims.map((c) => c.id)).toEqual([
      'pie-sparsity',
      'weak/attend-baseline',
      'weak/attend-random',
      'weak/attend-mining',
      'weak/htl-harder',
      ...(output.findings.claims.some((c) => c.id === 'weak/subgroups') ? ['weak/subgroups'] : []),
    ]);
    expect(fs.readFileSync(path.join(out, STUDY_FILES.report), 'utf8')).toContain('id="findings"');
  });

  it('writes a CSV row per training sample (htl.csv) and per test sample and model (predictions.csv)', () => {
    const rows = (f: string) => fs.readFileSync(path.join(out, f), 'utf8').trim().split('\n');
    const htl = rows('htl.csv');
    expect(htl).toHaveLength(1 + SPEC.n);
    expect(htl.slice(1).every((r) => r.split(',').length === htl[0].split(',').length)).toBe(true);
    // Per test sample: the weak setting's 4 arms, the mean box and 6 localizers; 6 classifiers.
    expect(rows('predictions.csv')).toHaveLength(1 + SPEC.testN * (4 + 1 + 6 + 6));
  });

  it('returns unit results that are JSON, with folders relative to the unit folder', () => {
    expect([...results.keys()]).toEqual(plan.map((u) => u.id));
    for (const r of results.values()) {
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      if (r.kind === 'classifier' || r.kind === 'localizer')
        for (const m of r.models) expect(path.isAbsolute(m.dir) || m.dir.includes('..')).toBe(false);
    }
  });

  it('reruns a unit in a fresh folder from its needs alone, with the same result', async () => {
    for (const id of ['s0-weak-targets', 's0-weak-htl']) {
      const unit = plan.find((u) => u.id === id)!;
      const dir = path.join(root, `rerun-${id}`);
      fs.mkdirSync(dir);
      const needs = new Map(
        (unit.needs ?? []).map((n) => [n, { dir: path.join(out, 'runs', n), result: results.get(n)! }]),
      );
      const again = await hardSamples.runUnit(SPEC, unit, {
        dir,
        needs,
        cache: new Map(),
        phase: () => undefined,
        progress: () => undefined,
      });
      expect(again).toEqual(results.get(id));
    }
  });
});
