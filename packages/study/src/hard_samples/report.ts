// The hard-samples study's outputs: report.html (the control, then the Findings, HTL counts per sparsity,
// retraining arms with paired differences, subgroups), the text the command prints, htl.csv (per training
// sample: factors, HTL scores and flags, every model's output) and predictions.csv (per test sample and model).
import { csvCell } from '@nodulab/eval';
import type { FactorRecord } from '@nodulab/data';
import { fmtCI, htmlPage, table } from '../report/html';
import { barChartSvg, esc } from '../report/svg';
import { ARMS } from './run';
import type { HardSamplesResults } from './summary';
import type { ModelOutputs } from './populations';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The text the command prints: the control, the Findings and the arms. */
export function hardSamplesText(r: HardSamplesResults): string {
  const lines = [`control: ${r.control.text}`, 'findings (effect, mean [95% CI] over seeds):'];
  for (const f of r.findings)
    lines.push(
      `  ${f.verdict.padEnd(15)} ${f.claim}: ${f.measure} = ${fmtCI(f.effect)}${f.note ? ` (${f.note})` : ''}`,
    );
  lines.push('test mean IoU per arm: ' + ARMS.map((a) => `${a} ${fmtCI(r.arms[a])}`).join('; '));
  return lines.join('\n');
}

/** report.html: opens with the control and the Findings. */
export function hardSamplesHtml(r: HardSamplesResults): string {
  const s = r.spec;
  const b: string[] = [];
  b.push('<h1>Hard-to-learn nodules found by pruning</h1>');
  b.push(
    `<p class="${r.control.passed ? 'note' : 'warn'}" data-control="${r.control.passed ? 'passed' : 'failed'}"><b>Control.</b> ${esc(r.control.text)}</p>`,
  );
  b.push('<h2>Findings</h2>');
  b.push(
    table(
      ['claim', 'measure', 'effect, mean [95% CI] over seeds', 'verdict', 'note'],
      r.findings.map((f) => [f.claim, f.measure, fmtCI(f.effect), f.verdict, f.note ?? '']),
      'findings',
    ),
  );
  b.push(
    `<p class="note">Verdicts: reproduced when the 95% CI excludes 0 on the claimed side; not reproduced when it excludes ` +
      `0 on the other side or includes 0 and is narrower than a negligible effect (0.01 IoU); inconclusive otherwise ` +
      `(including one seed). ${s.seeds.length} seed(s), each its own data draw; ${s.models} models per population; ` +
      `volumes ${s.volume.shape.join('×')} at ${s.volume.spacing.join('×')} mm; ${s.n} training, ${s.testN} test samples; ` +
      `HTL = top ${pct(s.htlFraction)} by score, up-weighted ×${s.upweight}; mining keeps the top ${pct(s.miningFraction)} of each batch. ` +
      `${r.seconds.toFixed(0)} s.</p>`,
  );
  b.push(`<p>${esc(s.description)}</p>`);
  b.push('<h2>Attending: test mean IoU per arm</h2>');
  b.push(
    barChartSvg({
      id: 'arms',
      title: 'test mean IoU (95% CI over seeds)',
      yLabel: 'mean IoU',
      groups: ['localization'],
      series: [...ARMS],
      value: (_g, arm) => r.arms[arm as (typeof ARMS)[number]],
      domain: [0, 1],
    }),
  );
  b.push(
    table(
      ['difference', 'mean [95% CI]'],
      r.differences.map((d) => [`${d.a} − ${d.b}`, fmtCI(d.difference, 4)]),
      'differences',
    ),
  );
  b.push('<h2>How many samples are HTL at each sparsity</h2>');
  b.push(
    table(
      ['sparsity', 'localization: 1 − IoU > 0.5 (count)', 'classification: PIE (count)', 'PIE fraction'],
      r.counts.localization.map((c, k) => [
        String(c.sparsity),
        fmtCI(c.count, 1),
        fmtCI(r.counts.classification[k]?.count, 1),
        fmtCI(r.counts.classification[k]?.fraction),
      ]),
      'counts',
    ),
  );
  for (const [task, rows] of Object.entries(r.subgroups)) {
    b.push(`<h2>Subgroups: HTL rate (${esc(task)}) against the population rate</h2>`);
    if (rows.length === 0) {
      b.push('<p class="note">No sample was HTL, so no subgroup can be compared.</p>');
      continue;
    }
    b.push(
      table(
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
        `subgroups-${task}`,
      ),
    );
  }
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

/** htl.csv: per seed and training sample its factors, HTL scores and flags, and every model's IoU or class. */
export function htlCsv(r: HardSamplesResults): string {
  const first = r.perSeed[0];
  const models = [...first.boxModels, ...first.classModels];
  const head = [
    'seed',
    'sample',
    ...FACTOR_COLUMNS,
    'loc_score',
    'loc_htl',
    'pie_score',
    'pie_htl',
    ...models.map((m) => (m.train.ious ? `${m.name}_iou` : `${m.name}_class`)),
  ];
  const rows = [head.join(',')];
  for (const s of r.perSeed) {
    const all = [...s.boxModels, ...s.classModels];
    s.factors.train.forEach((f, i) =>
      rows.push(
        [
          s.seed,
          i,
          ...factorCells(f),
          s.locScore[i].toFixed(5),
          s.locHtl[i],
          s.pieScore[i].toFixed(5),
          s.pieHtl[i],
          ...all.map((m) => boxCell(m.train, i)),
        ].join(','),
      ),
    );
  }
  return rows.join('\n') + '\n';
}

/** predictions.csv: per seed, test sample and model (arms and populations), its IoU with the true box (or class). */
export function predictionsCsvOf(r: HardSamplesResults): string {
  const rows = [['seed', 'sample', 'model', 'iou', 'class', ...FACTOR_COLUMNS].join(',')];
  for (const s of r.perSeed) {
    s.factors.test.forEach((f, i) => {
      const fc = factorCells(f).join(',');
      for (const arm of ARMS) rows.push(`${s.seed},${i},attend-${arm},${s.armIoUs[arm][i].toFixed(4)},,${fc}`);
      rows.push(`${s.seed},${i},mean-box,${s.meanBoxIoUs[i].toFixed(4)},,${fc}`);
      for (const m of s.boxModels) rows.push(`${s.seed},${i},${m.name},${m.test.ious![i].toFixed(4)},,${fc}`);
      for (const m of s.classModels) rows.push(`${s.seed},${i},${m.name},,${m.test.classes![i]},${fc}`);
    });
  }
  return rows.join('\n') + '\n';
}
