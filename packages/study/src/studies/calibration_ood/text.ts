// The calibration-ood study's terminal summary: the findings (control and claims, from the engine), Dice and ECE
// per regime and dataset, and the mean OOD AUROC per set and method of the joint and the dedicated models.
import { findingsText } from '../../kit/report/findings';
import { fmtCI } from '../../kit/report/html';
import type { CalibrationOodOutput } from './report';
import { OOD_METHODS, OodTable } from './results';

/** The text printed when the study ends. */
export function calibrationOodText(o: CalibrationOodOutput, outDir: string): string {
  const s = o.results;
  const lines = [
    `study calibration-ood: ${s.models.length} models, ${s.oodSets.length} OOD sets, seeds ${o.spec.seeds.join(', ')} -> ${outDir}`,
    '',
    'findings',
    ...findingsText(o.findings),
    '',
    'Dice / ECE before -> after temperature scaling',
  ];
  for (const [regime, byD] of Object.entries(s.performance))
    for (const [d, m] of Object.entries(byD))
      lines.push(
        `  ${`${regime} ${d}`.padEnd(26)} ${fmtCI(m.dice).padEnd(26)} ${fmtCI(m.ece, 4)} -> ${fmtCI(m.eceAfter, 4)}`,
      );
  const aurocLines = (title: string, t: OodTable) => {
    lines.push('', title);
    lines.push(`  ${'set'.padEnd(26)} ${OOD_METHODS.map((m) => m.padEnd(12)).join(' ')}`);
    for (const set of s.oodSets)
      lines.push(
        `  ${set.padEnd(26)} ${OOD_METHODS.map((m) => (t[set]?.[m]?.auroc.mean ?? NaN).toFixed(3).padEnd(12)).join(' ')}`,
      );
  };
  aurocLines('OOD AUROC (joint model), mean over seeds', s.oodJoint);
  aurocLines('OOD AUROC (dedicated models, each on its own dataset), mean over models and seeds', s.oodDedicated);
  lines.push('', `report: ${outDir}/report.html`);
  return lines.join('\n') + '\n';
}
