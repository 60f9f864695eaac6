// The pretraining-robustness summary for a terminal: what the CIs cover, the Findings (control and claims)
// and the clean scores and mCE of the full-label fine-tuned and probed models.
import type { StudyOutput } from '../../framework/study';
import { findingsText } from '../../kit/report/findings';
import { fmtCI } from '../../kit/report/html';
import { pretrainingVariance } from './report';
import type { PretrainingSummary } from './results';
import { fullFraction } from './spec';
import type { PretrainingSpec } from './spec';

export function pretrainingText(out: StudyOutput<PretrainingSpec, PretrainingSummary>, outDir: string): string {
  const s = out.results;
  const full = String(fullFraction(out.spec));
  const lines = [
    `study pretraining-robustness: ${out.spec.inits.join(', ')} x ${out.spec.modes.join('/')} x labels ${out.spec.labelFractions.join(', ')} x seeds ${out.spec.seeds.join(', ')} (${s.encoders.length} pretrained encoders)`,
    pretrainingVariance(out.spec),
    `learnability ceiling: a softmax probe on the true factors, kappa ${fmtCI(s.control.factorKappa)}`,
    '',
    'findings',
    ...findingsText(out.findings),
    '',
    `kappa in distribution / on the second dataset (${Number(full) * 100}% labels), mCE`,
  ];
  for (const [i, m] of Object.entries(s.performance))
    for (const [mode, byF] of Object.entries(m))
      lines.push(
        `  ${`${i} ${mode}`.padEnd(28)} ${fmtCI(byF[full].test.kappa).padEnd(26)} ${fmtCI(byF[full].shift.kappa).padEnd(26)} ${fmtCI(s.mce[i]?.[mode])}`,
      );
  lines.push('', `report: ${outDir}/report.html`);
  return lines.join('\n') + '\n';
}
