// `nodulab study learnability --quick` end to end: every (loss, separation) and (loss, budget) model is
// trained and tested, the race is run, and the report, metrics.json and printed tables agree.
import * as fs from 'fs';
import * as path from 'path';
import { runCli as run } from '../helpers/run_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(180_000);

const dir = suiteTempDir('nodulab-learnability-');

describe('nodulab study learnability --quick', () => {
  it('trains every loss at each separation and budget, races the shortcut, and writes its report', async () => {
    const out = path.join(dir, 'quick');
    const r = await run(['study', 'learnability', '--quick', '--threads', '2', '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vs class separation \(full budget\)\nloss +separation 0\.5 +separation 1\.5/);
    expect(r.stdout).toMatch(/race \(CE, validation AUROC >= 0\.9\): shortcut \(diameter\) alone at epoch/);
    expect(fs.readdirSync(out).sort()).toEqual(['learnability.json', 'metrics.json', 'report.html', 'runs']);

    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    // 3 losses x (2 separations + 1 extra budget) and the two race runs.
    expect(m.runs).toHaveLength(9);
    expect(m.race.map((c: { task: string }) => c.task)).toEqual(['shortcut', 'core']);
    for (const loss of ['ce', 'supcon', 'simclr']) {
      for (const s of ['0.5', '1.5']) {
        const a = m.bySeparation[loss][s];
        const run1 = m.runs.find((x: { loss: string; separation: number; budget: number }) => {
          return x.loss === loss && String(x.separation) === s && x.budget === 1;
        });
        expect(a.mean).toBeCloseTo(run1.balancedAccuracy, 12);
      }
      expect(m.byBudget[loss]['0.5'].n).toBe(1);
      // Half the budget trains half the epochs of the stage the budget scales.
      const [half, full] = [0.5, 1].map((b) =>
        m.runs.find((x: { loss: string; separation: number; budget: number }) => {
          return x.loss === loss && x.separation === 1.5 && x.budget === b;
        }),
      );
      expect(half.epochs).toBe(Math.max(1, Math.round(full.epochs / 2)));
    }
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const id of ['by-separation', 'by-budget', 'race']) expect(html).toContain(`data-chart="${id}"`);
  });

  it('refuses a --spec: the sweep is defined by the loss-generalization study', async () => {
    const r = await run(['study', 'learnability', '--spec', 'x.json', '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/takes no --spec/);
  });
});
