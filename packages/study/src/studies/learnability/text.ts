// The terminal summary of the learnability study: balanced accuracy against separation and budget as
// tables, the race, and the Findings (controls and claims with their verdicts).
import type { StudyOutput } from '../../framework/study';
import { findingsText } from '../../kit/report/findings';
import { fmtCI } from '../../kit/report/html';
import type { LearnabilityResults, LearnabilitySpec } from './results';

/** What `nodulab study learnability` prints when it ends. */
export function learnabilityText(output: StudyOutput<LearnabilitySpec, LearnabilityResults>, outDir: string): string {
  const s = output.spec;
  const r = output.results;
  const lines: string[] = [];
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(8) : c.padEnd(26)))
      .join('')
      .trimEnd();
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
    `race (CE, validation AUROC >= ${s.race.auroc}): shortcut (${s.shortcut.factor}) alone at epoch ` +
      `${fmtCI(r.epochsToLevel.shortcut, 1)}, core feature alone at epoch ${fmtCI(r.epochsToLevel.core, 1)}`,
  );
  lines.push('findings:');
  lines.push(...findingsText(output.findings));
  lines.push(`report: ${outDir}/report.html`);
  return lines.join('\n');
}
