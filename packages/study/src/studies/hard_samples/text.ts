// The terminal summary of a hard-samples run: the controls, the claims engine's Findings, the pruned − dense rows
// and each setting's arms.
import type { StudyOutput } from '../../framework/study';
import { findingsText } from '../../kit/report/findings';
import { fmtCI } from '../../kit/report/html';
import { ARMS } from './results';
import type { HardSamplesResults } from './results';
import type { HardSamplesSpec } from './spec';

/** The text printed when the study ends. */
export function hardSamplesText(output: StudyOutput<HardSamplesSpec, HardSamplesResults>, outDir: string): string {
  const r = output.results;
  const lines = [`hard-samples: ${outDir} (report.html, metrics.json, htl.csv, predictions.csv)`];
  lines.push(`classifier control: ${r.classification.control.text}`);
  lines.push(...r.settings.map((s) => `control: ${s.control.text}`));
  lines.push('findings (effect [adjusted CI], paired per seed):', ...findingsText(output.findings));
  lines.push(
    `pruned − dense classifiers, test balanced accuracy by sparsity (PIE assumes about 0): ` +
      r.classification.pruned.map((p) => `${p.sparsity} ${fmtCI(p.balancedAccuracy)}`).join('; '),
  );
  for (const s of r.settings)
    lines.push(
      `pruned − dense localizers (${s.setting}), test mean IoU by sparsity: ` +
        s.pruned.map((p) => `${p.sparsity} ${fmtCI(p.iou)}`).join('; '),
    );
  for (const s of r.settings)
    lines.push(
      `test mean IoU per arm (${s.setting}; training boxes' IoU with the truth ${fmtCI(s.targetIoU)}): ` +
        ARMS.map((a) => `${a} ${fmtCI(s.arms[a])}`).join('; '),
    );
  return lines.join('\n');
}
