// The learnability study end to end through runStudy at toy size (one loss, one separation, two budgets,
// both race sides: every unit kind): the files, the per-sample predictions, metrics.json as returned, and
// a unit that used the cached draw, rerun alone in a fresh folder with an empty cache, giving the same bytes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StudyEvent, runStudy } from '../../../src/framework';
import { LearnabilityUnitResult, learnability, learnabilityPlan } from '../../../src/studies/learnability';

jest.setTimeout(300_000);

const spec = learnability.resolve({
  seeds: [0],
  losses: ['ce'],
  separations: [1.5],
  budgets: [0.5, 1],
  volume: { shape: [8, 8, 8], spacing: [4, 4, 4] },
  n: 32,
  valN: 16,
  testN: 16,
  config: { model: { options: { widthMultiplier: 0.25 } }, batchSize: 16, epochs: 2 },
  threads: 1,
});

describe('learnability through runStudy', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-learnability-run-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const out = path.join(root, 'study');

  it('trains every unit, scores every test sample and writes what it returns', async () => {
    const events: StudyEvent[] = [];
    const output = await runStudy(learnability, spec, { outDir: out, onEvent: (e) => events.push(e) });
    const ids = learnabilityPlan(spec).map((u) => u.id);
    expect(ids).toEqual(['ce-sep1.5-b0.5-s0', 'ce-sep1.5-b1-s0', 'race-shortcut-s0']);
    expect(events.filter((e) => e.kind === 'unit-end')).toHaveLength(3);
    expect(events.some((e) => e.kind === 'progress')).toBe(true);
    expect(fs.readdirSync(out).sort()).toEqual(['metrics.json', 'report.html', 'runs', 'spec.json', 'timing.json']);
    expect(fs.readdirSync(path.join(out, 'runs')).sort()).toEqual([...ids].sort());

    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toEqual(JSON.parse(JSON.stringify(output)));
    expect(JSON.parse(fs.readFileSync(path.join(out, 'timing.json'), 'utf8')).units).toHaveLength(3);

    const r = output.results;
    // Half the budget trains half the epochs.
    expect(r.runs.map((x) => [x.budget, x.epochs])).toEqual([
      [0.5, 1],
      [1, 2],
    ]);
    for (const x of r.runs) {
      expect(x.balancedAccuracy).toBeGreaterThanOrEqual(0);
      expect(x.balancedAccuracy).toBeLessThanOrEqual(1);
    }
    expect(r.bySeparation.ce['1.5'].mean).toBe(r.runs[1].balancedAccuracy);
    // The core side of the race is the CE model at separation 1.5, full budget.
    expect(r.race.map((c) => [c.task, c.unit, c.auroc.length])).toEqual([
      ['shortcut', 'race-shortcut-s0', 2],
      ['core', 'ce-sep1.5-b1-s0', 2],
    ]);
    expect(output.findings.claims.map((c) => c.id)).toEqual(['target-ce', 'race', 'budget-gain']);

    for (const id of ids.slice(0, 2)) {
      const csv = fs
        .readFileSync(path.join(out, 'runs', id, 'predictions', 'test.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(csv[0]).toMatch(/^index,label,p_malignant,predicted,/);
      expect(csv).toHaveLength(1 + spec.testN);
    }
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const id of ['by-separation', 'by-budget', 'race']) expect(html).toContain(`data-chart="${id}"`);
  });

  it('reruns a unit alone, in a fresh folder with an empty cache, to the same result and predictions', async () => {
    // The second unit trained on the draw the first one cached; alone it generates that draw itself.
    const unit = learnabilityPlan(spec)[1];
    const dir = path.join(root, 'alone');
    fs.mkdirSync(dir);
    const result = await learnability.runUnit(spec, unit, {
      dir,
      needs: new Map(),
      phase: () => undefined,
      progress: () => undefined,
      cache: new Map(),
    });
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    const {
      kind: _k,
      predictions: file,
      testN,
      validation,
      ...run
    } = result as Extract<LearnabilityUnitResult, { kind: 'model' }>;
    expect(testN).toBe(spec.testN);
    expect(metrics.results.runs[1]).toEqual(run);
    expect(metrics.results.race[1].auroc).toEqual(validation.auroc);
    expect(fs.readFileSync(path.join(dir, file))).toEqual(
      fs.readFileSync(path.join(out, 'runs', unit.id, 'predictions', 'test.csv')),
    );
  });
});
