// The pretraining-robustness report: report.html opening with the control and the Findings (each claim, its
// paired effects with 95% CIs over seeds and a verdict), then the tables behind them — grade scores per
// initialisation, mode and label fraction, mCE and distortion × severity heat maps (SVG and table), CKA matrix
// plots and PCA, Grad-CAM shares by lesion size — and the same headline as text for the command line.
import { esc } from '../../kit/report/svg';
import { claimsTables } from '../../kit/report/claims_table';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { heatMapSvg } from '../../kit/report/heatmap';
import { CKA_LAYERS, SIZE_BINS } from './measure';
import type { PretrainingResults } from './run';

/** A cell shaded from white (0) to blue (1). */
function heatCell(v: number): string {
  const t = Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
  const c = Math.round(255 - 150 * t);
  return `<td style="background:rgb(${c},${c},255)">${Number.isFinite(v) ? v.toFixed(2) : '–'}</td>`;
}

function heatTable(
  id: string,
  rowNames: string[],
  colNames: string[],
  value: (r: string, c: string) => number,
): string {
  return `<table data-table="${esc(id)}"><thead><tr><th></th>${colNames.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rowNames
    .map((r) => `<tr><th>${esc(r)}</th>${colNames.map((c) => heatCell(value(r, c))).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The CPU seconds of every stage together. */
export function cpuTotal(r: PretrainingResults): number {
  return Object.values(r.cpuSeconds).reduce((a, b) => a + b, 0);
}

/** Which sources of randomness the CIs over seeds cover. */
export function pretrainingVariance(r: PretrainingResults): string {
  return r.spec.pretrainPerSeed
    ? 'Each seed pretrains its own encoders (run seed = the seed: initialisation, augmentations, batch order; ' +
        'the source data is one fixed draw) and draws its own target data, label subsets and initial heads, so the ' +
        'CIs include pretraining variance.'
    : 'The pretrained encoders (run seed 0) are shared by the seeds; the target data, its label subsets and the ' +
        'initial heads differ per seed. The CIs do NOT include pretraining variance: effects hold for these encoders.';
}

/** The page. */
export function pretrainingHtml(r: PretrainingResults): string {
  const s = r.summary;
  const spec = r.spec;
  const body: string[] = [
    `<h1>nodulab study: pretraining-robustness</h1>`,
    `<p class="note">${esc(spec.description)}</p>`,
  ];
  body.push(
    s.control.passed
      ? `<p class="ok">Control passed: ${esc(s.control.note)}; kappa ${fmtCI(s.control.kappa)}, accuracy ${fmtCI(s.control.accuracy)}.</p>`
      : `<p class="fail">Control ${esc(s.control.note)}; kappa ${fmtCI(s.control.kappa)}, accuracy ${fmtCI(s.control.accuracy)}.</p>`,
  );
  body.push(
    `<p class="note">The grade is learnable: a softmax probe on the true factors the grade rule reads (diameter, lobulation, spicules, density, calcium) reaches kappa ${fmtCI(s.control.factorKappa)} on the same test sets, the ceiling the scratch model's kappa is to be read against.</p>`,
  );
  body.push('<h2 id="findings">Findings</h2>');
  body.push(`<p>Each claim as paired per-seed differences against scratch (or supervised), mean and 95% CI over ${spec.seeds.length} seed(s), each seed its own data draw.
    A claim measured k ways is judged on Bonferroni-adjusted CIs (level 1 − 0.05/k): <b>reproduced</b> when the adjusted CI excludes 0 on the claimed side,
    <b>not reproduced</b> when it includes 0 with a half-width below 0.05 or excludes 0 on the other side, <b>inconclusive</b> otherwise; a claim is reproduced when any of its effects is.
    ${esc(pretrainingVariance(r))}</p>`);
  body.push(...claimsTables(s.claims));
  const fractions = [...spec.labelFractions].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const [init, modes] of Object.entries(s.performance))
    for (const [mode, byF] of Object.entries(modes))
      for (const f of fractions)
        rows.push([
          init,
          mode,
          `${f * 100}%`,
          fmtCI(byF[String(f)].test.accuracy),
          fmtCI(byF[String(f)].test.kappa),
          fmtCI(byF[String(f)].test.auroc),
          fmtCI(byF[String(f)].shift.kappa),
        ]);
  body.push('<h2>Grade 1–5: accuracy, quadratic weighted kappa, AUROC (grade ≥ 4)</h2>');
  body.push(
    table(['init', 'mode', 'labels', 'accuracy', 'kappa', 'AUROC ≥ 4', 'kappa, second dataset'], rows, 'performance'),
  );
  body.push('<h2>Robustness: mCE relative to fine-tuned scratch</h2>');
  body.push(
    table(
      ['init', 'mode', 'mCE'],
      Object.entries(s.mce).flatMap(([i, m]) => Object.entries(m).map(([mode, a]) => [i, mode, fmtCI(a)])),
      'mce',
    ),
  );
  for (const [init, modes] of Object.entries(s.distortedAccuracy))
    for (const [mode, grid] of Object.entries(modes)) {
      body.push(`<h3>Accuracy under distortion × severity: ${esc(init)} (${esc(mode)})</h3>`);
      body.push(
        heatMapSvg({
          id: `heat-${init}-${mode}`,
          title: `accuracy of ${init} (${mode}), mean over seeds`,
          rows: spec.distortions,
          cols: spec.severities.map(String),
          rowLabel: 'distortion',
          colLabel: 'severity',
          value: (d, sev) => grid[d][sev],
          domain: [0, 1],
        }),
      );
      body.push(
        heatTable(`heat-${init}-${mode}`, spec.distortions, spec.severities.map(String), (d, sev) => grid[d][sev]),
      );
    }
  body.push('<h2>Representations</h2>');
  body.push(
    table(
      ['init', 'mode', 'effective rank', ...CKA_LAYERS.map((l) => `CKA to scratch: ${l}`)],
      Object.entries(s.representations).flatMap(([i, m]) =>
        Object.entries(m).map(([mode, v]) => [
          i,
          mode,
          fmtCI(v.effectiveRank),
          ...CKA_LAYERS.map((l) => fmtCI(v.ckaToScratch[l])),
        ]),
      ),
      'representations',
    ),
  );
  for (const [init, modes] of Object.entries(s.representations))
    for (const [mode, v] of Object.entries(modes)) {
      body.push(`<h3>CKA between layers: ${esc(init)} (${esc(mode)})</h3>`);
      const at = (a: string, b: string) => v.ckaWithin[CKA_LAYERS.indexOf(a as never)][CKA_LAYERS.indexOf(b as never)];
      body.push(
        heatMapSvg({
          id: `cka-${init}-${mode}`,
          title: `linear CKA between the layers of ${init} (${mode}), mean over seeds`,
          rows: [...CKA_LAYERS],
          cols: [...CKA_LAYERS],
          rowLabel: 'layer',
          colLabel: 'layer',
          value: at,
          domain: [0, 1],
        }),
      );
      body.push(
        heatTable(
          `cka-${init}-${mode}`,
          [...CKA_LAYERS],
          [...CKA_LAYERS],
          (a, b) => v.ckaWithin[CKA_LAYERS.indexOf(a as never)][CKA_LAYERS.indexOf(b as never)],
        ),
      );
    }
  body.push('<h2>Grad-CAM enrichment on the main nodule and on the satellites, by main-nodule size</h2>');
  body.push(
    '<p>Enrichment = share of the saliency inside the mask ÷ share of the voxels inside it: 1 is no preference, ' +
      'above 1 the model looks there more than at a random voxel.</p>',
  );
  const bins = ['all', ...SIZE_BINS.map((b) => b.name)];
  body.push(
    table(
      ['init', 'mode', ...bins.flatMap((b) => [`main ${b}`, `satellites ${b}`])],
      Object.entries(s.saliency).flatMap(([i, m]) =>
        Object.entries(m).map(([mode, v]) => [
          i,
          mode,
          ...bins.flatMap((b) => [fmtCI(v.main[b]), fmtCI(v.satellites[b])]),
        ]),
      ),
      'saliency',
    ),
  );
  body.push('<h2>Pretrained encoders</h2>');
  body.push(
    table(
      ['init', 'run seed', 'config hash', 'from cache', 'seconds'],
      r.pretrained.map((p) => [p.init, String(p.seed), p.hash, String(p.cached), p.seconds.toFixed(1)]),
      'pretrained',
    ),
  );
  body.push('<h2>Time</h2>');
  body.push(
    table(
      ['stage', 'CPU seconds (user + system, all threads)'],
      [...Object.entries(r.cpuSeconds).map(([k, v]) => [k, v.toFixed(1)]), ['total', cpuTotal(r).toFixed(1)]],
      'cpu',
    ),
  );
  body.push(
    `<p class="note">${r.runs.length} target models in ${r.seconds.toFixed(1)} s. Files: metrics.json, predictions.csv (every target model on both test sets, and the full-label models on every distortion × severity), embeddings/*.npy (full-label models on the in-distribution test set; grades-s&lt;seed&gt;.npy the grades), runs/.</p>`,
  );
  return htmlPage('nodulab study: pretraining-robustness', body);
}

/** The headline for a terminal: control, findings and the clean scores of the full-label models. */
export function pretrainingText(r: PretrainingResults): string {
  const s = r.summary;
  const lines = [
    `study pretraining-robustness: ${r.runs.length} target models, ${r.pretrained.length} pretrained encoders, ${r.seconds.toFixed(1)} s (${cpuTotal(r).toFixed(1)} CPU s: ${Object.entries(
      r.cpuSeconds,
    )
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')})`,
    pretrainingVariance(r),
    `control ${s.control.passed ? 'passed' : 'FAILED'}: scratch kappa ${fmtCI(s.control.kappa)} (${s.control.note})`,
    `learnability ceiling: a softmax probe on the true factors, kappa ${fmtCI(s.control.factorKappa)}`,
    '',
    'findings',
  ];
  for (const c of s.claims) {
    lines.push(`  ${c.verdict.padEnd(15)} ${c.claim} (${c.measure})`);
    for (const e of c.effects) lines.push(`      ${e.comparison.padEnd(28)} ${fmtCI(e.effect)}`);
  }
  lines.push('', 'kappa in distribution / on the second dataset, all labels, mCE');
  const full = String(Math.max(...r.spec.labelFractions));
  for (const [i, m] of Object.entries(s.performance))
    for (const [mode, byF] of Object.entries(m))
      lines.push(
        `  ${`${i} ${mode}`.padEnd(28)} ${fmtCI(byF[full].test.kappa).padEnd(26)} ${fmtCI(byF[full].shift.kappa).padEnd(26)} ${fmtCI(s.mce[i]?.[mode])}`,
      );
  return lines.join('\n') + '\n';
}
