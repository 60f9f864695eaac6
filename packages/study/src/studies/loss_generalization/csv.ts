// metrics.csv: one row per (section, loss, target, metric) with the mean and 95% CI over seeds: the
// shortcut arm's performance, counterfactuals, probes and saliency, the control arm, and the paired
// differences between losses (loss "a - b").
import type { Aggregate } from '../../kit/aggregate';
import type { LossGeneralizationResults } from './results';
import { csvCell } from '@nodulab/eval';

export const CSV_HEADER = [
  'section',
  'loss',
  'target',
  'metric',
  'n',
  'mean',
  'std',
  'ci_lower',
  'ci_upper',
  'ci_half_width',
];

const cell = csvCell;

/** The study's summary as CSV text (header line first, "\n" line ends). */
export function metricsCsv(r: LossGeneralizationResults): string {
  const rows: string[][] = [CSV_HEADER];
  const add = (section: string, loss: string, target: string, metric: string, a: Aggregate): void => {
    rows.push([section, loss, target, metric, a.n, a.mean, a.std, a.lower, a.upper, a.halfWidth].map(cell));
  };
  const s = r.summary;
  for (const loss of r.losses) {
    for (const [t, ms] of Object.entries(s.performance[loss] ?? {}))
      for (const [m, a] of Object.entries(ms)) add('performance', loss, t, m, a);
    for (const [f, ms] of Object.entries(s.counterfactual[loss] ?? {}))
      for (const [m, a] of Object.entries(ms)) add('counterfactual', loss, f, m, a);
    for (const [t, a] of Object.entries(s.probes[loss] ?? {}))
      add('probe', loss, t, r.runs.find((x) => x.loss === loss)?.probes[t]?.kind ?? 'score', a);
    for (const [m, a] of Object.entries(s.saliency[loss] ?? {})) add('saliency', loss, 'gradcam', m, a);
    for (const [m, a] of Object.entries(r.control.summary[loss] ?? {})) add('control', loss, 'in-distribution', m, a);
  }
  for (const p of r.pairedDifferences) add(`paired-${p.section}`, `${p.a} - ${p.b}`, p.target, p.metric, p.diff);
  return rows.map((row) => row.join(',')).join('\n') + '\n';
}
