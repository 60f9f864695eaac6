// The hard-samples study's outputs: report.html (the classifiers' and each setting's control, then the Findings,
// then per setting its arms with paired differences, HTL counts per sparsity and subgroups, then the classifiers'
// PIE), the text the command prints, htl.csv (per training sample: factors, PIE, and per setting its training box
// quality, HTL score and flag, and every model's output) and predictions.csv (per test sample, setting and model).
import { csvCell } from '@nodulab/eval';
import type { FactorRecord } from '@nodulab/data';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { barChartSvg, esc } from '../../kit/report/svg';
import { ARMS } from './run';
import type { HardSamplesResults, SubgroupRow } from './summary';
import type { ModelOutputs } from './populations';
import type { HardSamplesSpec } from './spec';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The text the command prints: the classifiers' and each setting's control, the Findings and each setting's arms. */
export function hardSamplesText(r: HardSamplesResults): string {
  const lines = [`classifier control: ${r.classification.control.text}`];
  lines.push(...r.settings.map((s) => `control: ${s.control.text}`));
  lines.push('findings (effect, mean [95% CI] over seeds):');
  for (const f of r.findings)
    lines.push(
      `  ${f.verdict.padEnd(15)} ${f.claim}: ${f.measure} = ${fmtCI(f.effect)}${f.note ? ` (${f.note})` : ''}`,
    );
  lines.push(
    `pruned − dense classifiers, test balanced accuracy by sparsity (PIE assumes about 0): ` +
      r.classification.pruned.map((p) => `${p.sparsity} ${fmtCI(p.balancedAccuracy!)}`).join('; '),
  );
  for (const s of r.settings)
    lines.push(
      `pruned − dense localizers (${s.setting}), test mean IoU by sparsity: ` +
        s.pruned.map((p) => `${p.sparsity} ${fmtCI(p.iou!)}`).join('; '),
    );
  for (const s of r.settings)
    lines.push(
      `test mean IoU per arm (${s.setting}; training boxes' IoU with the truth ${fmtCI(s.targetIoU)}): ` +
        ARMS.map((a) => `${a} ${fmtCI(s.arms[a])}`).join('; '),
    );
  return lines.join('\n');
}

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
export function hardSamplesHtml(r: HardSamplesResults): string {
  const s = r.spec;
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
  b.push('<h2>Findings</h2>');
  b.push(
    table(
      ['setting', 'claim', 'measure', 'effect, mean [95% CI] over seeds', 'verdict', 'note'],
      r.findings.map((f) => [
        f.setting ?? 'classification',
        f.claim,
        f.measure,
        fmtCI(f.effect),
        f.verdict,
        f.note ?? '',
      ]),
      'findings',
    ),
  );
  b.push(
    `<p class="note">Verdicts: reproduced when the 95% CI excludes 0 on the claimed side; not reproduced when it excludes ` +
      `0 on the other side or includes 0 and is narrower than a negligible effect (0.01 IoU); inconclusive otherwise ` +
      `(including one seed). ${s.seeds.length} seed(s), each its own data draw; ${s.models} models per population; ` +
      `volumes ${s.volume.shape.join('×')} at ${s.volume.spacing.join('×')} mm; ${s.n} training, ${s.testN} test samples; ` +
      `localizers ${s.localizerEpochs} epochs; classifiers on ${s.classifier.n} training samples (the pool first), ` +
      `${s.classifier.config.epochs ?? s.config.epochs} epochs; HTL = top ${pct(s.htlFraction)} by score, up-weighted ×${s.upweight}; ` +
      `mining keeps the top ${pct(s.miningFraction)} of each batch; the baseline arm is dense model 0; ` +
      `augmentation: ${augmentText(s)}. ` +
      `Semi-supervised: ${pct(s.labeledFraction)} of boxes known, pseudo-boxes from a teacher trained on them; weakly ` +
      `supervised: boxes of the mean Grad-CAM of the dense classifiers thresholded at ${s.camThreshold} of its peak. ` +
      `${r.seconds.toFixed(0)} s.</p>`,
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
  b.push('<p class="note">Also here: metrics.json, htl.csv, predictions.csv, hard-samples.json, runs/.</p>');
  return htmlPage('nodulab study: hard-samples', b);
}

const FACTOR_COLUMNS = [
  'diameter',
  'densityType',
  'attenuation',
  'lobulation',
  'spiculationCount',
  'pleuralWall',
  'offsetZ',
  'offsetY',
  'offsetX',
  'vesselCount',
  'noiseStd',
] as const;

const factorCells = (f: FactorRecord) => FACTOR_COLUMNS.map((c) => csvCell(f[c]));
const boxCell = (m: ModelOutputs['train'], i: number) => (m.ious ? m.ious[i].toFixed(4) : String(m.classes![i]));

/**
 * htl.csv: per seed and training sample its factors, PIE score and flag, every classifier's class, and per setting
 * whether its true box was given, its training box's IoU with the truth, its HTL score and flag, and every
 * localizer's IoU with the true box (columns prefixed by the setting).
 */
export function htlCsv(r: HardSamplesResults): string {
  const first = r.perSeed[0];
  const head = [
    'seed',
    'sample',
    ...FACTOR_COLUMNS,
    'pie_score',
    'pie_htl',
    ...first.classModels.map((m) => `${m.name}_class`),
    ...first.settings.flatMap((x) => [
      `${x.setting}_labeled`,
      `${x.setting}_target_iou`,
      `${x.setting}_loc_score`,
      `${x.setting}_loc_htl`,
      ...x.boxModels.map((m) => `${x.setting}_${m.name}_iou`),
    ]),
  ];
  const rows = [head.join(',')];
  for (const s of r.perSeed) {
    s.factors.train.forEach((f, i) =>
      rows.push(
        [
          s.seed,
          i,
          ...factorCells(f),
          s.pieScore[i].toFixed(5),
          s.pieHtl[i],
          ...s.classModels.map((m) => boxCell(m.train, i)),
          ...s.settings.flatMap((x) => [
            x.labeled[i],
            x.targetIoUs[i].toFixed(4),
            x.locScore[i].toFixed(5),
            x.locHtl[i],
            ...x.boxModels.map((m) => boxCell(m.train, i)),
          ]),
        ].join(','),
      ),
    );
  }
  return rows.join('\n') + '\n';
}

/**
 * predictions.csv: per seed, test sample, setting and model (arms, the mean box, the populations), its IoU with
 * the true box; the classifiers' classes with an empty setting.
 */
export function predictionsCsvOf(r: HardSamplesResults): string {
  const rows = [['seed', 'sample', 'setting', 'model', 'iou', 'class', ...FACTOR_COLUMNS].join(',')];
  for (const s of r.perSeed) {
    s.factors.test.forEach((f, i) => {
      const fc = factorCells(f).join(',');
      for (const x of s.settings) {
        const row = (model: string, iou: number) => `${s.seed},${i},${x.setting},${model},${iou.toFixed(4)},,${fc}`;
        for (const arm of ARMS) rows.push(row(`attend-${arm}`, x.armIoUs[arm][i]));
        rows.push(row('mean-box', x.meanBoxIoUs[i]));
        for (const m of x.boxModels) rows.push(row(m.name, m.test.ious![i]));
      }
      for (const m of s.classModels) rows.push(`${s.seed},${i},,${m.name},,${m.test.classes![i]},${fc}`);
    });
  }
  return rows.join('\n') + '\n';
}
