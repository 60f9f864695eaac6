// The learnability sweep's report: balanced accuracy against class separation and against training
// budget (a bar group per setting, a bar per loss, 95% CIs over seeds), the shortcut-vs-core race per
// epoch, as a self-contained report.html and as the text table the command prints.
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { barChartSvg, esc } from '../../kit/report/svg';
import { Aggregate, aggregate } from '../../kit/aggregate';
import type { LearnabilityResults } from './run';

/** The race's validation AUROC after each epoch, aggregated over seeds: task -> epoch -> Aggregate. */
function raceByEpoch(r: LearnabilityResults): Record<string, Record<string, Aggregate>> {
  const out: Record<string, Record<string, Aggregate>> = {};
  for (const task of ['shortcut', 'core'] as const) {
    const curves = r.race.filter((c) => c.task === task);
    const epochs = Math.max(0, ...curves.map((c) => c.auroc.length));
    out[task] = {};
    for (let e = 0; e < epochs; e++) out[task][String(e + 1)] = aggregate(curves.map((c) => c.auroc[e] ?? NaN));
  }
  return out;
}

/** The text the command prints: both curves as tables and the race's verdict. */
export function learnabilityText(r: LearnabilityResults): string {
  const s = r.spec;
  const lines: string[] = [];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(8) : c.padEnd(26))).join('');
  lines.push('balanced accuracy on iid test data (no shortcut), mean [95% CI] over seeds');
  lines.push('vs class separation (full budget)');
  lines.push(row(['loss', ...s.separations.map((v) => `separation ${v}`)]));
  for (const l of s.losses) lines.push(row([l, ...s.separations.map((v) => fmtCI(r.bySeparation[l]?.[String(v)]))]));
  lines.push(
    `vs training budget (separation ${s.separation}; fraction of the epochs of CE / of contrastive pretraining)`,
  );
  lines.push(row(['loss', ...s.budgets.map((b) => `budget ${b}`)]));
  for (const l of s.losses) lines.push(row([l, ...s.budgets.map((b) => fmtCI(r.byBudget[l]?.[String(b)]))]));
  lines.push(
    `race (CE, validation AUROC >= 0.9): shortcut (${s.shortcut.factor}) alone at epoch ${fmtCI(r.epochsTo090.shortcut, 1)}, ` +
      `core feature alone at epoch ${fmtCI(r.epochsTo090.core, 1)} — ${raceVerdict(r)}`,
  );
  return lines.join('\n');
}

/** Whether the shortcut is learned in fewer epochs than the core feature (the premise of a shortcut study). */
export function raceVerdict(r: LearnabilityResults): string {
  const a = r.epochsTo090.shortcut.mean;
  const b = r.epochsTo090.core.mean;
  if (a === null) return 'the shortcut was not learned within the budget';
  if (b === null) return 'the core feature was not learned within the budget; the shortcut was';
  if (a < b) return 'the shortcut is learned first, so a model trained with it faces a real choice';
  return 'the shortcut is not learned faster than the core feature';
}

/** report.html of the sweep. */
export function learnabilityHtml(r: LearnabilityResults): string {
  const s = r.spec;
  const body: string[] = [];
  body.push('<h1>Learnability of the core feature</h1>');
  body.push(`<p>${esc(s.description)}</p>`);
  body.push(
    `<p class="note">${s.losses.length} losses × ${s.seeds.length} seed(s); volumes ${s.volume.shape.join('×')} at ` +
      `${s.volume.spacing.join('×')} mm; ${s.n} training, ${s.valN} validation and ${s.testN} test samples per run, ` +
      `each seed its own draw; ${r.runs.length + r.race.length} models in ${r.seconds.toFixed(0)} s. ` +
      'Values are means with 95% CIs (Student t) over seeds; a single seed shows no interval.</p>',
  );
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
  body.push('<h2>Balanced accuracy against training budget</h2>');
  body.push(
    chart(
      'by-budget',
      `iid test balanced accuracy per fraction of the budget (separation ${s.separation})`,
      s.budgets.map(String),
      (g, l) => r.byBudget[l]?.[g],
    ),
  );
  body.push('<h2>Is the shortcut easier than the core feature?</h2>');
  const race = raceByEpoch(r);
  const epochs = Object.keys(race.core ?? {});
  body.push(
    barChartSvg({
      id: 'race',
      title: `CE validation AUROC per epoch: ${s.shortcut.factor} alone vs the core feature alone`,
      yLabel: 'AUROC',
      groups: epochs,
      series: ['shortcut', 'core'],
      value: (g, task) => race[task]?.[g],
      domain: [0.4, 1],
      reference: { y: 0.9, label: '0.9' },
    }),
  );
  body.push(`<p>${esc(raceVerdict(r))}.</p>`);
  body.push('<h2>Every run</h2>');
  body.push(
    table(
      ['loss', 'seed', 'separation', 'budget', 'epochs', 'balanced accuracy', 'AUROC', 'train s'],
      r.runs.map((x) => [
        x.loss,
        String(x.seed),
        String(x.separation),
        String(x.budget),
        String(x.epochs),
        x.balancedAccuracy.toFixed(3),
        x.auroc.toFixed(3),
        x.trainSeconds.toFixed(1),
      ]),
      'runs',
    ),
  );
  return htmlPage('nodulab study: learnability', body);
}
