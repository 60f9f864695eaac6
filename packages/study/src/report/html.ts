// report.html: a self-contained page (inline CSS, inline SVG charts, a tiny inline script that records
// errors) with the accuracy under shift, counterfactual flip rates, probe scores, saliency and the
// reliability of the findings. Opens offline; fetches nothing.
import type { Aggregate } from '../aggregate';
import type { StudyResults } from '../run_study';
import { barChartSvg, esc } from './svg';

const METRIC_LABEL: Record<string, string> = {
  accuracy: 'accuracy',
  sensitivity: 'sensitivity',
  specificity: 'specificity',
  balancedAccuracy: 'balanced accuracy',
  auroc: 'AUROC',
};

export const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:24px}h2{margin-top:36px;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}
.chart{display:block;margin:8px 0;max-width:100%;height:auto}.chart-title{font-weight:600;font-size:14px}.tick,.legend{font-size:11px;fill:#333}
.axis-label{font-size:12px;fill:#333}.grid{stroke:#e6e6e6}.ci line{stroke:#222;stroke-width:1.3}.reference{stroke:#888;stroke-dasharray:4 3}
.note{color:#555}.ok{color:#0a7a32}.warn{color:#b35c00}#errors:empty{display:none}#errors{color:#b00;border:1px solid #b00;padding:8px}`;

/** "0.812 [0.790, 0.834]", or "0.812" without a CI. */
export function fmtCI(a: Aggregate | undefined, digits = 3): string {
  if (!a || a.mean === null) return '–';
  return a.lower !== null && a.upper !== null
    ? `${a.mean.toFixed(digits)} [${a.lower.toFixed(digits)}, ${a.upper.toFixed(digits)}]`
    : a.mean.toFixed(digits);
}

export function table(head: string[], rows: string[][], id: string): string {
  return `<table data-table="${esc(id)}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Whether two intervals are disjoint (a difference the seeds resolve). */
function separated(a: Aggregate | undefined, b: Aggregate | undefined): boolean | null {
  if (!a || !b || a.lower === null || a.upper === null || b.lower === null || b.upper === null) return null;
  return a.upper < b.lower || b.upper < a.lower;
}

/** The report page of a finished study. */
export function reportHtml(r: StudyResults): string {
  const s = r.summary;
  const losses = r.losses;
  const tests = r.testSets.map((t) => t.name);
  const factors = r.analysis.factors.map((f) => f.name).filter((f) => losses.some((l) => s.counterfactual[l]?.[f]));
  const probeTargets = r.analysis.probeTargets.filter((t) =>
    losses.some((l) => s.probes[l]?.[t]?.mean !== null && s.probes[l]?.[t] !== undefined),
  );
  const body: string[] = [];
  body.push(`<h1>Study: ${esc(r.study)}</h1>`);
  if (r.description) body.push(`<p>${esc(r.description)}</p>`);
  body.push(`<p class="note">${losses.length} losses (${esc(losses.join(', '))}) × ${r.seeds.length} seed${r.seeds.length > 1 ? 's' : ''} (${r.seeds.join(', ')}) = ${r.runs.length} models;
    ${r.threads} thread${r.threads > 1 ? 's' : ''}; ${r.seconds.toFixed(0)} s; ${esc(r.createdAt)}. Every value is the mean over seeds with its 95% confidence interval (Student t) in brackets.</p>`);

  body.push('<h2>Accuracy under shift</h2>');
  body.push(
    `<p>Test sets: ${r.testSets.map((t) => `<b>${esc(t.name)}</b> (${esc(t.spec)} / ${esc(t.split)}, n = ${t.n})`).join('; ')}.</p>`,
  );
  for (const metric of ['accuracy', 'balancedAccuracy', 'auroc']) {
    body.push(
      barChartSvg({
        id: `performance-${metric}`,
        title: `${METRIC_LABEL[metric]} per test set (mean, 95% CI over seeds)`,
        yLabel: METRIC_LABEL[metric],
        groups: tests,
        series: losses,
        value: (g, l) => s.performance[l]?.[g]?.[metric],
        domain: [0, 1],
        reference: { y: 0.5, label: 'chance' },
      }),
    );
  }
  body.push(
    table(
      ['loss', 'test set', ...Object.values(METRIC_LABEL)],
      losses.flatMap((l) =>
        tests.map((t) => [l, t, ...Object.keys(METRIC_LABEL).map((m) => fmtCI(s.performance[l]?.[t]?.[m]))]),
      ),
      'performance',
    ),
  );

  body.push('<h2>Which features each model uses</h2>');
  body.push(`<h3>Counterfactual sensitivity</h3><p>Each of the first ${r.analysis.n} nodules of <b>${esc(r.analysis.testSet)}</b> regenerated with only one factor
    changed to a value typical of the other class (everything else, every random draw, identical). A flip is a change of the predicted class;
    Δp is the mean change of P(malignant) toward the other class. A model that uses only the label's core feature (margin) flips on margin
    and not on the others; flips on diameter, attenuation or noise mean it uses a shortcut.</p>`);
  body.push(
    table(
      ['factor', 'value set (from the training distribution)'],
      factors.map((f) => [f, r.analysis.counterfactualValues[f] ?? '']),
      'counterfactual-values',
    ),
  );
  body.push(
    barChartSvg({
      id: 'counterfactual-flip-rate',
      title: 'prediction flip rate per changed factor',
      yLabel: 'flip rate',
      groups: factors,
      series: losses,
      value: (g, l) => s.counterfactual[l]?.[g]?.flipRate,
      domain: [0, 1],
    }),
  );
  body.push(
    table(
      ['loss', 'factor', 'flip rate', 'Δp toward other class', '|Δp|', 'true label changed'],
      losses.flatMap((l) =>
        factors.map((f) => {
          const c = s.counterfactual[l]?.[f];
          return [l, f, fmtCI(c?.flipRate), fmtCI(c?.meanDeltaP), fmtCI(c?.meanAbsDeltaP), fmtCI(c?.labelChangeRate)];
        }),
      ),
      'counterfactual',
    ),
  );

  const kinds = Object.fromEntries(probeTargets.map((t) => [t, r.runs.find((x) => x.probes[t])?.probes[t]]));
  let low = 0;
  for (const l of losses)
    for (const t of probeTargets) low = Math.min(low, s.probes[l]?.[t]?.lower ?? s.probes[l]?.[t]?.mean ?? 0);
  body.push(`<h3>Linear probes</h3><p>Ridge regression (classifier for categories) from each model's frozen embedding of the analysed nodules to each factor:
    fitted on ${kinds[probeTargets[0]]?.nFit ?? '?'} nodules, scored on ${kinds[probeTargets[0]]?.nTest ?? '?'} held out — R² for continuous factors, accuracy for categorical ones (majority baseline in the table).</p>`);
  body.push(
    barChartSvg({
      id: 'probe-scores',
      title: 'linear probe score per factor (R² or accuracy)',
      yLabel: 'held-out score',
      groups: probeTargets,
      series: losses,
      value: (g, l) => s.probes[l]?.[g],
      domain: [low < 0 ? -1 : 0, 1],
    }),
  );
  body.push(
    table(
      ['loss', 'target', 'score', 'kind', 'baseline'],
      losses.flatMap((l) =>
        probeTargets.map((t) => [
          l,
          t,
          fmtCI(s.probes[l]?.[t]),
          kinds[t]?.kind === 'r2' ? 'R²' : 'accuracy',
          kinds[t] ? kinds[t]!.baseline.toFixed(3) : '–',
        ]),
      ),
      'probes',
    ),
  );

  body.push(`<h3>Saliency (3D Grad-CAM)</h3><p>Grad-CAM at the last conv layer for the predicted class, upsampled to the volume, over the first ${r.analysis.gradcamN}
    analysed nodules: the share of saliency inside the nodule mask. The mask's share of the volume is what a uniform map would give.</p>`);
  body.push(
    barChartSvg({
      id: 'saliency-inside',
      title: 'share of Grad-CAM saliency inside the nodule mask',
      yLabel: 'share inside',
      groups: ['inside mask'],
      series: losses,
      value: (_g, l) => s.saliency[l]?.insideShare,
      domain: [0, 1],
      reference: (() => {
        const m = s.saliency[losses[0]]?.maskFraction?.mean;
        return m !== null && m !== undefined ? { y: m, label: 'mask share of volume' } : undefined;
      })(),
    }),
  );
  body.push(
    table(
      ['loss', 'share inside mask', 'mask share of volume'],
      losses.map((l) => [l, fmtCI(s.saliency[l]?.insideShare), fmtCI(s.saliency[l]?.maskFraction)]),
      'saliency',
    ),
  );

  body.push('<h2>Reliability of the findings</h2>');
  if (r.seeds.length < 2)
    body.push(
      '<p class="warn">One seed: no confidence intervals can be computed, so no difference below can be told from noise. Run with <code>--seeds 3</code> or more.</p>',
    );
  else
    body.push(
      `<p>${r.seeds.length} seeds per loss. A 95% CI half-width of h means a difference smaller than about h between two losses is not resolved. Pairs below are “resolved” when their intervals do not overlap (a conservative test).</p>`,
    );
  body.push(
    table(
      ['loss', ...tests.map((t) => `accuracy CI half-width: ${t}`)],
      losses.map((l) => [
        l,
        ...tests.map((t) => {
          const h = s.performance[l]?.[t]?.accuracy?.halfWidth;
          return h === null || h === undefined ? '–' : `±${h.toFixed(3)}`;
        }),
      ]),
      'ci-widths',
    ),
  );
  const pairs: string[][] = [];
  for (let i = 0; i < losses.length; i++)
    for (let j = i + 1; j < losses.length; j++)
      for (const t of tests) {
        const a = s.performance[losses[i]]?.[t]?.balancedAccuracy;
        const b = s.performance[losses[j]]?.[t]?.balancedAccuracy;
        const sep = separated(a, b);
        pairs.push([
          `${losses[i]} vs ${losses[j]}`,
          t,
          a?.mean !== null && b?.mean !== null && a && b ? (a.mean! - b.mean!).toFixed(3) : '–',
          sep === null ? 'no CI' : sep ? 'resolved' : 'not resolved (CIs overlap)',
        ]);
      }
  if (pairs.length)
    body.push(table(['comparison', 'test set', 'Δ balanced accuracy', 'verdict'], pairs, 'comparisons'));
  body.push(
    table(
      ['loss', 'seed', 'train s', ...tests.map((t) => `acc ${t}`), 'run folder'],
      r.runs.map((x) => [
        x.loss,
        String(x.seed),
        x.trainSeconds.toFixed(1),
        ...tests.map((t) => x.testSets[t]?.accuracy.toFixed(3) ?? '–'),
        x.dir,
      ]),
      'runs',
    ),
  );
  body.push(
    `<p class="note">Files: ${esc(r.files.metricsJson)} (every number, per seed and aggregated), ${esc(r.files.metricsCsv)}, ${esc(r.files.study)} (the resolved study), runs/&lt;loss&gt;-s&lt;seed&gt;/ (config, log, checkpoints).</p>`,
  );

  return htmlPage(`nodulab study: ${r.study}`, body);
}

/**
 * A self-contained page: inline CSS, the given body parts, and tiny inline scripts that record script
 * errors (#errors) and mark the page rendered (body data-charts / data-rendered). Fetches nothing.
 */
export function htmlPage(title: string, body: readonly string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<script>(function(){var errs=[];function note(m){errs.push(m);var d=document.getElementById('errors');if(d){d.textContent=errs.join('\\n');d.setAttribute('data-count',String(errs.length));}}
window.addEventListener('error',function(e){note(String(e.message||e));});var ce=console.error;console.error=function(){note(Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments);};})();</script>
<style>${CSS}</style></head>
<body>
<div id="errors" data-count="0"></div>
${body.join('\n')}
<script>(function(){var c=document.querySelectorAll('svg.chart');document.body.setAttribute('data-charts',String(c.length));document.body.setAttribute('data-rendered','ok');})();</script>
</body></html>
`;
}
