// The terminal summary of a finished loss-generalization study: what ran, balanced accuracy per test set,
// counterfactual flip rates, Grad-CAM share, the Findings, and where the files are.
import * as path from 'path';
import type { StudyOutput } from '../../framework';
import { STUDY_FILES } from '../../framework/finish';
import { fmtCI } from '../../kit/report/html';
import { findingsText } from '../../kit/report/findings';
import type { LossGeneralizationResults } from './results';
import type { StudySpec } from './spec';

/** The lines printed when the study ends. */
export function lossGeneralizationText(o: StudyOutput<StudySpec, LossGeneralizationResults>, outDir: string): string {
  const r = o.results;
  const lines: string[] = [];
  lines.push(
    `study ${o.study}: ${r.losses.length} losses (${r.losses.join(', ')}) x ${r.seeds.length} seeds (${r.seeds.join(', ')}) = ${r.runs.length} models`,
  );
  lines.push(`test sets: ${r.testSets.map((t) => `${t.name} (${t.spec}/${t.split}, n=${t.n})`).join(', ')}`);
  const tests = r.testSets.map((t) => t.name);
  const w = Math.max(8, ...r.losses.map((l) => l.length)) + 2;
  const col = 26;
  lines.push('', 'balanced accuracy, mean [95% CI] over seeds');
  lines.push('loss'.padEnd(w) + tests.map((t) => t.padEnd(col)).join(''));
  for (const l of r.losses)
    lines.push(
      l.padEnd(w) + tests.map((t) => fmtCI(r.summary.performance[l]?.[t]?.balancedAccuracy).padEnd(col)).join(''),
    );
  const factors = r.analysis.factors.map((f) => f.name);
  lines.push('', `counterfactual flip rate on ${r.analysis.testSet} (only that factor changed)`);
  lines.push('loss'.padEnd(w) + factors.map((f) => f.padEnd(col)).join(''));
  for (const l of r.losses)
    lines.push(
      l.padEnd(w) + factors.map((f) => fmtCI(r.summary.counterfactual[l]?.[f]?.flipRate).padEnd(col)).join(''),
    );
  lines.push(
    '',
    `Grad-CAM share inside the nodule: ${r.losses.map((l) => `${l} ${fmtCI(r.summary.saliency[l]?.insideShare)}`).join(', ')}`,
  );
  lines.push('', 'findings', ...findingsText(o.findings), '');
  lines.push(`report: ${path.join(outDir, STUDY_FILES.report)}`);
  lines.push(
    `also: ${path.join(outDir, STUDY_FILES.metrics)}, ${path.join(outDir, 'metrics.csv')}, ${path.join(outDir, STUDY_FILES.spec)}, ${path.join(outDir, 'runs')}/ (checkpoints, predictions/)`,
  );
  return lines.join('\n') + '\n';
}
