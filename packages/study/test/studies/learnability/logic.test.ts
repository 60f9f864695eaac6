// The learnability study's logic on fake unit results (no training): the plan, the summary, the controls
// and claims as the engine judges them (a failed control makes its claims "not testable"), the report, the
// terminal text, and the files the finisher writes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { judgeClaims } from '../../../src/claims';
import { checkPlan, finishStudy } from '../../../src/framework';
import { studyNamed } from '../../../src/registry';
import { learnability, learnabilityPlan, summarizeLearnability } from '../../../src/studies/learnability';
import { learnabilityUnitKey } from '../../../src/studies/learnability/plan';
import { DEFAULT_FAKE, FakeNumbers, fakeOutcomes, fakeSpec } from './fake';

const judge = (spec: ReturnType<typeof fakeSpec>, f: FakeNumbers = DEFAULT_FAKE) => {
  const results = summarizeLearnability(spec, fakeOutcomes(spec, f));
  const { controls, claims } = learnability.claims(spec, results);
  return { results, findings: judgeClaims(controls, claims) };
};

describe('learnability plan', () => {
  it('is registered under its name', () => {
    expect(studyNamed('learnability')).toBe(learnability);
  });

  it.each([
    // Per seed: 4 separations x 3 losses at the full budget, budgets 0.25 and 0.5 at 1.5 x 3, the race's shortcut
    // side (its core side is the CE model at 1.5, full budget).
    [{}, 3 * 19],
    // --quick: 2 separations x 3 losses, budget 0.5 at 1.5 x 3, the shortcut side (one seed).
    [learnability.quick({ seeds: 1 }), 10],
    // The budget sweep's separation outside `separations` adds its full-budget model.
    [{ seeds: 1, losses: ['ce'], separations: [0.5], budgets: [0.5], separation: 1 }, 1 + 2 + 1],
    // Without CE the race's core side is a unit of its own.
    [{ seeds: 2, losses: ['simclr'], separations: [1.5], budgets: [1] }, 2 * (1 + 2)],
  ])('plans %j as %d independent units, seed by seed', (input, count) => {
    const spec = fakeSpec(input as Record<string, unknown>);
    const plan = learnabilityPlan(spec);
    expect(plan).toHaveLength(count);
    expect(() => checkPlan('learnability', plan)).not.toThrow();
    expect(plan.every((u) => !('needs' in u))).toBe(true);
    const seeds = plan.map((u) => u.seed);
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b));
  });

  it('names units by what they train', () => {
    const ids = learnabilityPlan(fakeSpec({ seeds: 1 })).map((u) => u.id);
    expect(ids).toEqual(expect.arrayContaining(['simclr-sep1.5-b0.25-s0', 'ce-sep0.5-b1-s0', 'race-shortcut-s0']));
    expect(ids.slice(-1)).toEqual(['race-shortcut-s0']);
    const alone = learnabilityPlan(fakeSpec({ seeds: 1, losses: ['supcon'] })).map((u) => u.id);
    expect(alone.slice(-2)).toEqual(['race-shortcut-s0', 'race-core-s0']);
  });

  it("keys a unit by what it reads, not by the rest of the sweep's grid or its targets", () => {
    const a = fakeSpec({ seeds: 1 });
    const b = fakeSpec({ seeds: 1, losses: ['ce'], separations: [1.5], targets: { ce: 0.5 } });
    const unit = learnabilityPlan(a).find((u) => u.id === 'ce-sep1.5-b1-s0')!;
    expect(learnabilityUnitKey(a, unit)).toEqual(learnabilityUnitKey(b, unit));
    const c = fakeSpec({ seeds: 1, n: 512 });
    expect(learnabilityUnitKey(a, unit)).not.toEqual(learnabilityUnitKey(c, unit));
  });
});

describe('learnability summary', () => {
  const spec = fakeSpec();
  const r = summarizeLearnability(spec, fakeOutcomes(spec));

  it('tabulates balanced accuracy per loss against separation and budget, over seeds in seed order', () => {
    expect(r.runs).toHaveLength(3 * 18);
    const ce = r.bySeparation.ce['0.5'];
    expect(ce.n).toBe(3);
    expect(ce.values).toEqual(
      [0, 1, 2].map((seed) => DEFAULT_FAKE.balancedAccuracy({ loss: 'ce', seed, separation: 0.5, budget: 1 })),
    );
    expect(r.byBudget.simclr['0.25'].mean).toBeCloseTo(0.6 + 0.25 * 1.5 * 0.25 - 0.05 + 0.003, 12);
    expect(Object.keys(r.byBudget.supcon).sort()).toEqual(['0.25', '0.5', '1']);
  });

  it("finds each race side's first epoch at the AUROC level", () => {
    expect(r.race.map((c) => [c.task, c.seed, c.unit, c.epochToLevel])).toEqual([
      ['shortcut', 0, 'race-shortcut-s0', 1],
      ['core', 0, 'ce-sep1.5-b1-s0', 3],
      ['shortcut', 1, 'race-shortcut-s1', 1],
      ['core', 1, 'ce-sep1.5-b1-s1', 3],
      ['shortcut', 2, 'race-shortcut-s2', 1],
      ['core', 2, 'ce-sep1.5-b1-s2', 3],
    ]);
    expect(r.epochsToLevel.shortcut.mean).toBe(1);
    expect(r.epochsToLevel.core.mean).toBe(3);
  });

  it('takes the core side from its own unit when CE is not swept', () => {
    const simclr = fakeSpec({ seeds: 1, losses: ['simclr'] });
    const s = summarizeLearnability(simclr, fakeOutcomes(simclr));
    expect(s.race.map((c) => c.unit)).toEqual(['race-shortcut-s0', 'race-core-s0']);
    expect(s.runs.every((x) => !('validation' in x))).toBe(true);
  });
});

describe('learnability claims', () => {
  it('states the targets and the race as primary claims and the gains as secondary ones, gated by controls', () => {
    const { controls, claims } = learnability.claims(
      fakeSpec(),
      summarizeLearnability(fakeSpec(), fakeOutcomes(fakeSpec())),
    );
    expect(controls.map((c) => [c.id, c.passed])).toEqual([
      ['test-two-class', true],
      ['race-shortcut-learned', true],
    ]);
    expect(claims.map((c) => [c.id, c.role, c.sesoi, c.dependsOn])).toEqual([
      ['target-ce', 'primary', 0.02, ['test-two-class']],
      ['target-supcon', 'primary', 0.02, ['test-two-class']],
      ['target-simclr', 'primary', 0.02, ['test-two-class']],
      ['race', 'primary', 1, ['race-shortcut-learned']],
      ['separation-gain', 'secondary', 0.02, ['test-two-class']],
      ['budget-gain', 'secondary', 0.02, ['test-two-class']],
    ]);
    for (const c of claims) expect(c.sesoiReason.length).toBeGreaterThan(20);
    // Per seed: balanced accuracy − target, in seed order.
    const ce = claims[0].comparisons[0].values;
    expect(ce[2]).toBeCloseTo(
      DEFAULT_FAKE.balancedAccuracy({ loss: 'ce', seed: 2, separation: 1.5, budget: 1 })! - 0.95,
    );
    expect(claims[3].comparisons[0].values).toEqual([2, 2, 2]);
  });

  it('lets the engine judge them: targets met and missed, and the race', () => {
    const { findings } = judge(fakeSpec(), {
      ...DEFAULT_FAKE,
      // The core feature reaches 0.9 at epoch 9 (seed 1) or 10: 8, 9, 8 epochs after the shortcut.
      auroc: (task, seed) => (task === 'shortcut' ? [0.95] : [...Array(8 + (seed === 1 ? 0 : 1)).fill(0.6), 0.92]),
    });
    const verdict = (id: string) => findings.claims.find((c) => c.id === id)!.verdict;
    expect(findings.familySize).toBe(4);
    expect(verdict('target-ce')).toBe('reproduced');
    expect(verdict('target-simclr')).toBe('reproduced');
    expect(verdict('race')).toBe('reproduced');
    expect(verdict('separation-gain')).toBeNull();
  });

  it('makes the targets "not testable" when a test set held one class, and the race when the shortcut was not learned', () => {
    const { findings } = judge(fakeSpec(), {
      balancedAccuracy: (u) => (u.loss === 'supcon' && u.seed === 1 ? null : 0.99),
      auroc: (task) => (task === 'shortcut' ? [0.6, 0.7] : [0.95]),
    });
    expect(findings.controls.map((c) => c.passed)).toEqual([false, false]);
    expect(findings.controls[0].detail).toMatch(/undefined: supcon sep/);
    expect(findings.controls[1].detail).toMatch(/never reached in seed\(s\) 0, 1, 2/);
    for (const id of ['target-ce', 'target-supcon', 'target-simclr', 'race'])
      expect(findings.claims.find((c) => c.id === id)!.verdict).toBe('not testable');
  });

  it('counts a core side that never reached the level as its epochs + 1', () => {
    const { findings } = judge(fakeSpec({ seeds: 2 }), {
      ...DEFAULT_FAKE,
      auroc: (task) => (task === 'shortcut' ? [0.95, 0.96] : [0.5, 0.6, 0.7]),
    });
    expect(findings.claims.find((c) => c.id === 'race')!.comparisons[0].mean).toBe(3);
  });

  it('is inconclusive with one seed (no CI), and says how many seeds it has', () => {
    const { findings } = judge(fakeSpec({ seeds: 1 }));
    expect(findings.claims.filter((c) => c.role === 'primary').map((c) => c.verdict)).toEqual([
      'inconclusive',
      'inconclusive',
      'inconclusive',
      'inconclusive',
    ]);
  });
});

describe('learnability report, text and files', () => {
  const spec = fakeSpec();
  const outcomes = fakeOutcomes(spec);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-learnability-logic-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  const output = finishStudy(learnability, spec, out, outcomes, { createdAt: 'x', seconds: 1, units: [] });

  it('writes spec.json, metrics.json (what it returned) and report.html', () => {
    expect(fs.readdirSync(out).sort()).toEqual(['metrics.json', 'report.html', 'spec.json', 'timing.json']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(output)),
    );
    expect(JSON.parse(fs.readFileSync(path.join(out, 'spec.json'), 'utf8'))).toEqual(spec);
  });

  it('opens the report with the Findings, then the charts and tables', () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const findings = html.indexOf('id="findings"');
    expect(findings).toBeGreaterThan(0);
    expect(findings).toBeLessThan(html.indexOf('data-chart="by-separation"'));
    for (const id of ['by-separation', 'by-budget', 'race']) expect(html).toContain(`data-chart="${id}"`);
    for (const id of ['target-ce', 'race', 'budget-gain']) expect(html).toContain(`data-claim="${id}"`);
    expect(html.match(/<tr>/g)?.length).toBeGreaterThanOrEqual(54);
  });

  it('prints both tables, the race and the findings', () => {
    const text = learnability.text(output, 'runs/x');
    expect(text).toMatch(/vs class separation \(full budget\)\nloss +separation 0\.5 +separation 1 +separation 1\.25/);
    expect(text).toMatch(/race \(CE, validation AUROC >= 0\.9\): shortcut \(diameter\) alone at epoch 1\.0/);
    expect(text).toMatch(/reproduced +ce reaches balanced accuracy ≥ 0\.95/);
    expect(text).toMatch(/control passed/);
    expect(text.endsWith('report: runs/x/report.html')).toBe(true);
  });
});
