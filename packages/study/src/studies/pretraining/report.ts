// The pretraining-robustness report: report.html opening with the Findings (policy, the control, each claim's
// verdict, effect, CI, SESOI and seeds needed), then the tables behind them — grade scores per initialisation,
// mode and label fraction, mCE and distortion × severity heat maps (SVG and table), CKA matrix plots and PCA,
// Grad-CAM enrichment by lesion size, and the pretrained encoders.
import { esc } from '../../kit/report/svg';
import { findingsSection } from '../../kit/report/findings';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { heatMapSvg } from '../../kit/report/heatmap';
import type { StudyOutput } from '../../framework/study';
import { CKA_LAYERS, SIZE_BINS } from './measure';
import type { PretrainingSummary } from './results';
import type { PretrainingSpec } from './spec';

/** A cell shaded from white (0) to blue (1). */
function heatCell(v: number | null): string {
  const ok = v !== null && Number.isFinite(v);
  const t = ok ? Math.max(0, Math.min(1, v)) : 0;
  const c = Math.round(255 - 150 * t);
  return `<td style="background:rgb(${c},${c},255)">${ok ? v.toFixed(2) : '–'}</td>`;
}

function heatTable(
  id: string,
  rowNames: string[],
  colNames: string[],
  value: (r: string, c: string) => number | null,
): string {
  return `<table data-table="${esc(id)}"><thead><tr><th></th>${colNames.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rowNames
    .map((r) => `<tr><th>${esc(r)}</th>${colNames.map((c) => heatCell(value(r, c))).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Which sources of randomness the CIs over seeds cover. */
export function pretrainingVariance(spec: Pick<PretrainingSpec, 'pretrainPerSeed'>): string {
  return spec.pretrainPerSeed
    ? 'Each seed pretrains its own encoders (run seed = the seed: initialisation, augmentations, batch order; ' +
        'the source data is one fixed draw) and draws its own target data, label subsets and initial heads, so the ' +
        'CIs include pretraining variance.'
    : 'The pretrained encoders (run seed 0) are shared by the seeds; the target data, its label subsets and the ' +
        'initial heads differ per seed. The CIs do NOT include pretraining variance: effects hold for these encoders.';
}

/** The page. */
export function pretrainingHtml(out: StudyOutput<PretrainingSpec, PretrainingSummary>): string {
  const s = out.results;
  const spec = out.spec;
  const body: string[] = [`<h1>nodulab study: pretraining-robustness</h1>`];
  if (spec.description) body.push(`<p class="note">${esc(spec.description)}</p>`);
  body.push(`<p class="note">${esc(pretrainingVariance(spec))}</p>`);
  body.push(
    `<p class="note">The grade is learnable: a softmax probe on the true factors the grade rule reads (diameter, lobulation, spicules, density, calcium) reaches kappa ${fmtCI(s.control.factorKappa)} on the same test sets, the ceiling the scratch model's kappa is to be read against.</p>`,
  );
  body.push(...findingsSection(out.findings));
  const rows: string[][] = [];
  for (const [init, modes] of Object.entries(s.performance))
    for (const [mode, byF] of Object.entries(modes))
      for (const f of spec.labelFractions) {
        const p = byF[String(f)];
        rows.push([
          init,
          mode,
          `${f * 100}%`,
          fmtCI(p.test.accuracy),
          fmtCI(p.test.kappa),
          fmtCI(p.test.auroc),
          fmtCI(p.shift.kappa),
        ]);
      }
  body.push('<h2>Grade 1–5: accuracy, quadratic weighted kappa, AUROC (grade ≥ 4)</h2>');
  body.push(
    table(['init', 'mode', 'labels', 'accuracy', 'kappa', 'AUROC ≥ 4', 'kappa, second dataset'], rows, 'performance'),
  );
  body.push('<h2>Robustness: mCE and relative mCE against fine-tuned scratch (the claim reads relative mCE)</h2>');
  body.push(
    table(
      ['init', 'mode', 'mCE', 'relative mCE'],
      Object.entries(s.mce).flatMap(([i, m]) =>
        Object.entries(m).map(([mode, a]) => [i, mode, fmtCI(a), fmtCI(s.relativeMce[i]?.[mode])]),
      ),
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
          value: (d, sev) => grid[d][sev] ?? NaN,
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
  const at = (m: (number | null)[][], a: string, b: string) =>
    m[CKA_LAYERS.indexOf(a as never)][CKA_LAYERS.indexOf(b as never)];
  for (const [init, modes] of Object.entries(s.representations))
    for (const [mode, v] of Object.entries(modes)) {
      body.push(`<h3>CKA between layers: ${esc(init)} (${esc(mode)})</h3>`);
      body.push(
        heatMapSvg({
          id: `cka-${init}-${mode}`,
          title: `linear CKA between the layers of ${init} (${mode}), mean over seeds`,
          rows: [...CKA_LAYERS],
          cols: [...CKA_LAYERS],
          rowLabel: 'layer',
          colLabel: 'layer',
          value: (a, b) => at(v.ckaWithin, a, b) ?? NaN,
          domain: [0, 1],
        }),
      );
      body.push(heatTable(`cka-${init}-${mode}`, [...CKA_LAYERS], [...CKA_LAYERS], (a, b) => at(v.ckaWithin, a, b)));
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
      ['init', 'run seed', 'unit'],
      s.encoders.map((e) => [e.init, String(e.runSeed), `runs/${e.unit}`]),
      'pretrained',
    ),
  );
  body.push(
    `<p class="note">Files: metrics.json, predictions.csv (every target model on both test sets, and the full-label models on every distortion × severity), timing.json (each unit's seconds), runs/&lt;unit&gt;/ (training runs; analysis-*/embedding.npy the full-label models' embeddings of the in-distribution test set; facts-s&lt;seed&gt;/grades.npy its grades).</p>`,
  );
  return htmlPage('nodulab study: pretraining-robustness', body);
}
