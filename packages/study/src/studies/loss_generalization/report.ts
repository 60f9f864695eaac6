// report.html: a self-contained page (inline CSS, inline SVG charts, a tiny inline script that records
// errors): the iid control's outcome and the Findings first, then the accuracy under shift, the
// control arm, counterfactual flip rates, probe scores, saliency, paired differences between losses
// and the reliability of the findings. Opens offline; fetches nothing.
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { barChartSvg, esc } from '../../kit/report/svg';
import type { StudyOutput } from '../../framework';
import { STUDY_FILES } from '../../framework/finish';
import { findingsSection } from '../../kit/report/findings';
import type { LossGeneralizationResults } from './results';
import type { StudySpec } from './spec';

const METRIC_LABEL: Record<string, string> = {
  accuracy: 'accuracy',
  sensitivity: 'sensitivity',
  specificity: 'specificity',
  balancedAccuracy: 'balanced accuracy',
  auroc: 'AUROC',
};

/** The report page of a finished study. */
export function reportHtml(o: StudyOutput<StudySpec, LossGeneralizationResults>): string {
  const r = o.results;
  const s = r.summary;
  const losses = r.losses;
  const tests = r.testSets.map((t) => t.name);
  const factors = r.analysis.factors.map((f) => f.name).filter((f) => losses.some((l) => s.counterfactual[l]?.[f]));
  const probeTargets = r.analysis.probeTargets.filter((t) =>
    losses.some((l) => s.probes[l]?.[t]?.mean !== null && s.probes[l]?.[t] !== undefined),
  );
  const body: string[] = [];
  body.push(`<h1>Study: ${esc(o.study)}</h1>`);
  if (r.description) body.push(`<p>${esc(r.description)}</p>`);
  body.push(`<p class="note">${losses.length} losses (${esc(losses.join(', '))}) × ${r.seeds.length} seed${r.seeds.length > 1 ? 's' : ''} (${r.seeds.join(', ')}) = ${r.runs.length} models;
    ${r.threads} thread${r.threads > 1 ? 's' : ''}. Every value is the mean over seeds with its 95% confidence interval (Student t) in brackets.
    Seed s trains and tests on data drawn with dataset seed ${r.dataSeeds.length ? esc(r.dataSeeds.map((d, i) => `${r.seeds[i]}→${d}`).join(', ')) : '–'}, so the intervals cover the data draw as well as training.</p>`);
  const c = r.control;
  if (c.enabled && c.passed === false)
    body.push(
      `<p class="fail" data-control="failed">The iid control failed: trained without the shortcut (rho 0.5) and tested in distribution, ${esc(c.failing.join(', '))} stayed below ${c.minBalancedAccuracy} mean balanced accuracy (${esc(
        c.failing.map((l) => `${l} ${fmtCI(c.summary[l]?.balancedAccuracy)}`).join('; '),
      )}). The core feature was not learned even without the shortcut, so this study cannot show that a loss chose the shortcut over it; read every finding below with that in mind.</p>`,
    );
  else if (c.enabled)
    body.push(
      `<p class="ok" data-control="passed">The iid control passed: trained without the shortcut, every loss reached ${c.minBalancedAccuracy} mean balanced accuracy in distribution, so the core feature is learnable at this budget.</p>`,
    );
  else body.push('<p class="warn" data-control="off">No iid control was run (control.enabled is false).</p>');
  body.push(...findingsSection(o.findings));

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

  if (c.enabled) {
    body.push(`<h2>Control: trained without the shortcut</h2><p>Every loss and seed also trained on the training distribution with every shortcut at rho 0.5
      (independent of the label) and tested on that distribution's own test split (runs/&lt;loss&gt;-s&lt;seed&gt;-control/). It passes when every loss's mean
      balanced accuracy reaches ${c.minBalancedAccuracy}.</p>`);
    body.push(
      table(
        ['loss', ...Object.values(METRIC_LABEL), 'passes'],
        losses.map((l) => [
          l,
          ...Object.keys(METRIC_LABEL).map((m) => fmtCI(c.summary[l]?.[m])),
          c.failing.includes(l) ? 'no' : 'yes',
        ]),
        'control',
      ),
    );
  }

  body.push('<h2>Which features each model uses</h2>');
  body.push(`<h3>Counterfactual sensitivity</h3><p>Each of the first ${r.analysis.n} nodules of <b>${esc(r.analysis.testSet)}</b> regenerated with only one factor
    changed (everything else, every random draw, identical). A <b>shortcut</b> factor crosses to the other side of the shortcut boundary (large → small,
    small → large, at the same quantile of the other side's distribution); a <b>core</b> factor moves to the other class's distribution, which changes the
    true label; any other factor moves to its far decile. A flip is a change of the predicted class; Δp is the mean change of P(malignant) toward the other
    class. A model that reads only the shortcut flips on every shortcut swap and on no core swap.</p>`);
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
  const roles = r.analysis.factorRoles ?? {};
  const byRole = (role: string): string[] => factors.filter((f) => (roles[f] ?? 'other') === role);
  const swapRows = (fs: string[], label: boolean): string[][] =>
    losses.flatMap((l) =>
      fs.map((f) => {
        const x = s.counterfactual[l]?.[f];
        return [
          l,
          f,
          fmtCI(x?.flipRate),
          fmtCI(x?.meanDeltaP),
          fmtCI(x?.meanAbsDeltaP),
          ...(label ? [fmtCI(x?.labelChangeRate)] : []),
        ];
      }),
    );
  const head = ['loss', 'factor', 'flip rate', 'Δp toward other class', '|Δp|'];
  if (byRole('shortcut').length) {
    body.push('<h4>Shortcut swap (across the shortcut boundary; the true label is unchanged)</h4>');
    body.push(table(head, swapRows(byRole('shortcut'), false), 'counterfactual-shortcut'));
  }
  if (byRole('core').length) {
    body.push(
      "<h4>Core-feature swap (to the other class's distribution), with how often it changes the true label</h4>",
    );
    body.push(table([...head, 'true label changed'], swapRows(byRole('core'), true), 'counterfactual-core'));
  }
  if (byRole('other').length) {
    body.push('<h4>Other factors (to the far decile)</h4>');
    body.push(table([...head, 'true label changed'], swapRows(byRole('other'), true), 'counterfactual-other'));
  }

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
  if (r.pairedDifferences.length) {
    body.push(`<h3>Paired differences between losses</h3><p>For each pair of losses, the difference a − b computed per seed (both trained and tested on
      that seed's data), then its mean and 95% CI over seeds. A CI that excludes 0 is a difference the seeds resolve.</p>`);
    body.push(
      table(
        ['a − b', 'section', 'target', 'measure', 'mean [95% CI]', 'CI excludes 0'],
        r.pairedDifferences.map((p) => [
          `${p.a} − ${p.b}`,
          p.section,
          p.target,
          p.metric,
          fmtCI(p.diff),
          p.diff.lower === null || p.diff.upper === null
            ? 'no CI'
            : p.diff.lower > 0 || p.diff.upper < 0
              ? 'yes'
              : 'no',
        ]),
        'paired-differences',
      ),
    );
  }
  body.push(
    table(
      ['loss', 'seed', 'dataset seed', ...tests.map((t) => `acc ${t}`), 'control acc', 'run folder'],
      r.runs.map((x) => [
        x.loss,
        String(x.seed),
        String(x.dataSeed),
        ...tests.map((t) => x.testSets[t]?.accuracy.toFixed(3) ?? '–'),
        r.control.runs.find((y) => y.loss === x.loss && y.seed === x.seed)?.metrics.accuracy.toFixed(3) ?? '–',
        x.dir,
      ]),
      'runs',
    ),
  );
  body.push(
    `<p class="note">Files: ${esc(STUDY_FILES.metrics)} (every number, per seed and aggregated; the same study gives the same file), metrics.csv, ${esc(STUDY_FILES.spec)} (the resolved study), ${esc(STUDY_FILES.timing)} (wall-clock times),
    runs/&lt;loss&gt;-s&lt;seed&gt;[-control]/ (config, log, checkpoints, predictions/&lt;test set&gt;.csv: index, label, p_malignant, predicted and the factors of every sample).</p>`,
  );

  return htmlPage(`nodulab study: ${o.study}`, body);
}
