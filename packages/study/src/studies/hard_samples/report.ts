// The hard-samples study's report.html: the classifiers' and each setting's control, the Findings (the claims
// engine's verdicts), then per setting its arms with paired differences, HTL counts per sparsity, pruned − dense
// rows and subgroups, then the classifiers' PIE.
import type { StudyOutput } from '../../framework/study';
import { findingsSection } from '../../kit/report/findings';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { barChartSvg, esc } from '../../kit/report/svg';
import { ARMS } from './results';
import type { HardSamplesResults, SubgroupRow } from './results';
import type { HardSamplesSpec } from './spec';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function subgroupTable(rows: SubgroupRow[], id: string): string {
  if (rows.length === 0) return '<p class="note">No sample was HTL, so no subgroup can be compared.</p>';
  return table(
    [
      'factor',
      'subgroup',
      'n',
      'HTL',
      'rate [Wilson 95% CI]',
      'population',
      'ratio',
      'test n',
      'IoU baseline',
      'IoU HTL-weighted',
    ],
    rows.map((x) => [
      x.factor,
      x.group,
      String(x.n),
      String(x.htl),
      `${x.rate.rate.toFixed(3)} [${x.rate.lower.toFixed(3)}, ${x.rate.upper.toFixed(3)}]`,
      x.populationRate.toFixed(3),
      x.ratio.toFixed(2),
      String(x.testN),
      x.iouBaseline === null ? '–' : x.iouBaseline.toFixed(3),
      x.iouHtl === null ? '–' : x.iouHtl.toFixed(3),
    ]),
    id,
  );
}

/** The study's augmentation in words: its steps (the localizers' boxes move with the volume), or none. */
function augmentText(s: HardSamplesSpec): string {
  const a = s.augment;
  return a === null || a.steps.length === 0 ? 'none' : `${a.steps.map((x) => x.op).join(', ')} (boxes move with them)`;
}

/** report.html: opens with the classifiers' and each setting's control, then the Findings. */
export function hardSamplesHtml(output: StudyOutput<HardSamplesSpec, HardSamplesResults>): string {
  const s = output.spec;
  const r = output.results;
  const b: string[] = [];
  b.push('<h1>Hard-to-learn nodules found by pruning</h1>');
  const c = r.classification.control;
  b.push(
    `<p class="${c.passed ? 'note' : 'warn'}" data-classifier-control="${c.passed ? 'passed' : 'failed'}">` +
      `<b>Classifier control.</b> ${esc(c.text)}</p>`,
  );
  for (const x of r.settings)
    b.push(
      `<p class="${x.control.passed ? 'note' : 'warn'}" data-control="${x.control.passed ? 'passed' : 'failed'}" ` +
        `data-setting="${x.setting}"><b>Control.</b> ${esc(x.control.text)}</p>`,
    );
  b.push(...findingsSection(output.findings));
  b.push(
    `<p class="note">${s.seeds.length} seed(s), each its own data draw; ${s.models} models per population; ` +
      `volumes ${s.volume.shape.join('×')} at ${s.volume.spacing.join('×')} mm; ${s.n} training, ${s.testN} test samples; ` +
      `localizers ${s.localizerEpochs} epochs; classifiers on ${s.classifier.n} training samples (the pool first), ` +
      `${s.classifier.config.epochs ?? s.config.epochs} epochs; HTL = top ${pct(s.htlFraction)} by score, up-weighted ×${s.upweight}; ` +
      `mining keeps the top ${pct(s.miningFraction)} of each batch; the baseline arm is dense localizer 0; ` +
      `augmentation: ${augmentText(s)}. ` +
      `Semi-supervised: ${pct(s.labeledFraction)} of boxes known, pseudo-boxes from a teacher trained on them; weakly ` +
      `supervised: boxes of the mean Grad-CAM of the dense classifiers thresholded at ${s.camThreshold} of its peak.</p>`,
  );
  b.push(`<p>${esc(s.description)}</p>`);
  for (const x of r.settings) {
    b.push(`<h2>${esc(x.setting)}: test mean IoU per arm</h2>`);
    b.push(
      `<p class="note">The localizers' training boxes have mean IoU ${fmtCI(x.targetIoU)} with the true boxes.</p>`,
    );
    b.push(
      barChartSvg({
        id: `arms-${x.setting}`,
        title: `${x.setting}: test mean IoU (95% CI over seeds)`,
        yLabel: 'mean IoU',
        groups: ['localization'],
        series: [...ARMS],
        value: (_g, arm) => x.arms[arm as (typeof ARMS)[number]],
        domain: [0, 1],
      }),
    );
    b.push(
      table(
        ['difference', 'mean [95% CI]'],
        x.differences.map((d) => [`${d.a} − ${d.b}`, fmtCI(d.difference, 4)]),
        `differences-${x.setting}`,
      ),
    );
    b.push(`<h3>${esc(x.setting)}: samples whose dense and pruned boxes diverge (1 − IoU > 0.5), per sparsity</h3>`);
    b.push(
      table(
        ['sparsity', 'count', 'fraction'],
        x.counts.map((c) => [String(c.sparsity), fmtCI(c.count, 1), fmtCI(c.fraction)]),
        `counts-${x.setting}`,
      ),
    );
    b.push(`<h3>${esc(x.setting)}: pruned − dense localizers, test mean IoU per sparsity</h3>`);
    b.push(
      table(
        ['sparsity', 'pruned − dense IoU'],
        x.pruned.map((p) => [String(p.sparsity), fmtCI(p.iou!)]),
        `pruned-${x.setting}`,
      ),
    );
    b.push(`<h3>${esc(x.setting)}: HTL rate by subgroup against the population rate</h3>`);
    b.push(subgroupTable(x.subgroups, `subgroups-${x.setting}`));
  }
  b.push('<h2>Classification: PIE per sparsity</h2>');
  b.push(
    table(
      ['sparsity', 'PIE count', 'PIE fraction'],
      r.classification.counts.map((c) => [String(c.sparsity), fmtCI(c.count, 1), fmtCI(c.fraction)]),
      'counts-classification',
    ),
  );
  b.push(
    '<h3>Classification: pruned − dense classifiers on the test set per sparsity</h3><p class="note">PIE compares ' +
      'pruned models with dense ones of about the same accuracy; a large drop means the pruned models disagree ' +
      'everywhere, not on particular samples. Pruned models are fine-tuned at spec.fineTuneLrScale of the dense ' +
      'learning rate.</p>',
  );
  b.push(
    table(
      ['sparsity', 'AUROC', 'balanced accuracy'],
      r.classification.pruned.map((p) => [String(p.sparsity), fmtCI(p.auroc!), fmtCI(p.balancedAccuracy!)]),
      'pruned-classification',
    ),
  );
  b.push('<h3>Classification: PIE rate by subgroup against the population rate</h3>');
  b.push(subgroupTable(r.classification.subgroups, 'subgroups-classification'));
  b.push(
    '<p class="note">Also here: metrics.json, spec.json, timing.json, htl.csv, predictions.csv, runs/ (one folder per unit).</p>',
  );
  return htmlPage('nodulab study: hard-samples', b);
}
