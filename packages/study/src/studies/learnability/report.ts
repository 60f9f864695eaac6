// The learnability report.html: the Findings first (controls, the targets and the race with their verdicts),
// then balanced accuracy against class separation and against training budget (a bar group per setting, a
// bar per loss, 95% CIs over seeds), the race's validation AUROC per epoch, and every run.
import type { StudyOutput } from '../../framework/study';
import { Aggregate, aggregate } from '../../kit/aggregate';
import { findingsSection } from '../../kit/report/findings';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { barChartSvg, esc } from '../../kit/report/svg';
import { PREDICTIONS_FILE } from './configs';
import type { LearnabilityResults, LearnabilitySpec } from './results';

/** The race's validation AUROC after each epoch over seeds: task -> epoch (1-based) -> Aggregate. */
export function raceByEpoch(r: LearnabilityResults): Record<string, Record<string, Aggregate>> {
  const out: Record<string, Record<string, Aggregate>> = {};
  for (const task of ['shortcut', 'core'] as const) {
    const curves = r.race.filter((c) => c.task === task);
    const epochs = Math.max(0, ...curves.map((c) => c.auroc.length));
    out[task] = {};
    for (let e = 0; e < epochs; e++) out[task][String(e + 1)] = aggregate(curves.map((c) => c.auroc[e] ?? NaN));
  }
  return out;
}

const fmt = (v: number | null, d = 3): string => (v === null ? '–' : v.toFixed(d));

/** report.html of the sweep. */
export function learnabilityReport(output: StudyOutput<LearnabilitySpec, LearnabilityResults>): string {
  const s = output.spec;
  const r = output.results;
  const body: string[] = [];
  body.push('<h1>Learnability of the core feature</h1>');
  body.push(`<p>${esc(s.description)}</p>`);
  body.push(
    `<p class="note">${s.losses.length} losses × ${s.seeds.length} seed(s); volumes ${s.volume.shape.join('×')} at ` +
      `${s.volume.spacing.join('×')} mm; ${s.n} training, ${s.valN} validation and ${s.testN} test samples per run, ` +
      `each seed its own draw; ${r.runs.length + r.race.filter((c) => c.unit.startsWith('race-')).length} models (the race’s core side is the sweep’s CE model at separation ${s.separation}, full budget, when CE is swept). Values are means with 95% CIs (Student t) over ` +
      'seeds; a single seed shows no interval. Unit seconds are in timing.json.</p>',
  );
  body.push(...findingsSection(output.findings));
  const chart = (id: string, title: string, groups: string[], value: (g: string, l: string) => Aggregate | undefined) =>
    barChartSvg({ id, title, yLabel: 'balanced accuracy', groups, series: s.losses, value, domain: [0.4, 1] });
  body.push('<h2>Balanced accuracy against class separation</h2>');
  body.push(
    chart(
      'by-separation',
      'iid test balanced accuracy per class separation (full budget)',
      s.separations.map(String),
      (g, l) => r.bySeparation[l]?.[g],
    ),
  );
  body.push(
    table(
      ['loss', ...s.separations.map((v) => `separation ${v}`)],
      s.losses.map((l) => [l, ...s.separations.map((v) => fmtCI(r.bySeparation[l]?.[String(v)]))]),
      'by-separation',
    ),
  );
  body.push('<h2>Balanced accuracy against training budget</h2>');
  body.push(
    chart(
      'by-budget',
      `iid test balanced accuracy per fraction of the budget (separation ${s.separation})`,
      s.budgets.map(String),
      (g, l) => r.byBudget[l]?.[g],
    ),
  );
  body.push(
    table(
      ['loss', ...s.budgets.map((b) => `budget ${b}`)],
      s.losses.map((l) => [l, ...s.budgets.map((b) => fmtCI(r.byBudget[l]?.[String(b)]))]),
      'by-budget',
    ),
  );
  body.push('<h2>Is the shortcut easier than the core feature?</h2>');
  const race = raceByEpoch(r);
  body.push(
    barChartSvg({
      id: 'race',
      title: `CE validation AUROC per epoch: ${s.shortcut.factor} alone vs the core feature alone`,
      yLabel: 'AUROC',
      groups: Object.keys(race.core ?? {}),
      series: ['shortcut', 'core'],
      value: (g, task) => race[task]?.[g],
      domain: [0.4, 1],
      reference: { y: s.race.auroc, label: String(s.race.auroc) },
    }),
  );
  body.push(
    `<p>First epoch at validation AUROC ≥ ${s.race.auroc}: the shortcut alone ${esc(fmtCI(r.epochsToLevel.shortcut, 1))}, ` +
      `the core feature alone ${esc(fmtCI(r.epochsToLevel.core, 1))} (over the seeds that reached it).</p>`,
  );
  body.push(
    table(
      ['side', 'seed', 'run', 'first epoch at level', ...Object.keys(race.core ?? {}).map((e) => `AUROC epoch ${e}`)],
      r.race.map((c) => [
        c.task,
        String(c.seed),
        c.unit,
        c.epochToLevel === null ? 'never' : String(c.epochToLevel),
        ...c.auroc.map((a) => fmt(a)),
      ]),
      'race',
    ),
  );
  body.push('<h2>Every run</h2>');
  body.push(
    `<p class="note">Each model’s folder is runs/&lt;loss&gt;-sep&lt;separation&gt;-b&lt;budget&gt;-s&lt;seed&gt;/ ` +
      `(a run folder with its checkpoints; per-sample test predictions in ${esc(PREDICTIONS_FILE)}).</p>`,
  );
  body.push(
    table(
      ['loss', 'seed', 'separation', 'budget', 'epochs', 'balanced accuracy', 'AUROC'],
      r.runs.map((x) => [
        x.loss,
        String(x.seed),
        String(x.separation),
        String(x.budget),
        String(x.epochs),
        fmt(x.balancedAccuracy),
        fmt(x.auroc),
      ]),
      'runs',
    ),
  );
  return htmlPage('nodulab study: learnability', body);
}
