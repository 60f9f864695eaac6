// The calibration-ood report: report.html opening with the Findings (the engine's policy, the control, each claim
// with its paired effect, adjusted CI, SESOI and verdict), then Dice/HD95 per regime and dataset, calibration before
// and after temperature scaling with reliability diagrams, OOD AUROC/FPR95 per set and method of the joint model
// with ROC curves and of the dedicated models (their mean and each), a 2-D PCA of the spectral signatures by
// dataset, and the models trained.
import type { StudyOutput } from '../../framework/study';
import { findingsSection } from '../../kit/report/findings';
import { esc, xyChartSvg } from '../../kit/report/svg';
import { fmtCI, htmlPage, table } from '../../kit/report/html';
import { BASELINES, CalibrationOodSpec, CalibrationOodSummary, OOD_METHODS, OodTable } from './results';

/** What the report and the terminal text read. */
export type CalibrationOodOutput = StudyOutput<CalibrationOodSpec, CalibrationOodSummary>;

/** Rows of an OOD table: each set, then AUROC and FPR95 of each method. */
const oodRows = (t: OodTable, sets: readonly string[]) =>
  sets.map((set) => [set, ...OOD_METHODS.flatMap((m) => [fmtCI(t[set]?.[m]?.auroc), fmtCI(t[set]?.[m]?.fpr95)])]);
const oodHead = ['OOD set', ...OOD_METHODS.flatMap((m) => [`AUROC ${m}`, `FPR95 ${m}`])];

/** The page. */
export function calibrationOodHtml(o: CalibrationOodOutput): string {
  const s = o.results;
  const spec = o.spec;
  const oodSets = s.oodSets;
  const body: string[] = [`<h1>nodulab study: calibration-ood</h1>`, `<p class="note">${esc(spec.description)}</p>`];
  body.push(...findingsSection(o.findings));
  body.push(`<p class="note">Each claim's effect is a paired per-seed difference over ${spec.seeds.length} seed(s), each seed its own data
    draw (all regimes of a seed train and test on the same volumes). The calibration claim holds when either of its measures does
    (whole volume or band); each OOD claim only when the spectral score beats every baseline.</p>`);
  body.push(
    table(
      ['regime', 'dataset', 'Dice − all-background Dice [95% CI]'],
      Object.entries(s.margins).flatMap(([regime, m]) => Object.entries(m).map(([d, a]) => [regime, d, fmtCI(a)])),
      'control',
    ),
  );

  body.push('<h2>Segmentation: Dice and HD95 (mm)</h2>');
  body.push(`<p>Per regime and test dataset, ${spec.testN} volumes per dataset and seed. HD95 is the mean over volumes where it is finite
    (a volume whose prediction or truth is empty has none). Transfer: the dedicated ${esc(spec.transfer.source)} model fine-tuned on
    ${s.transfer.volumes} labelled volumes of each other dataset (joint and dedicated: ${spec.trainN} per dataset), for as many
    optimizer steps as a dedicated model takes (${s.transfer.epochs} epochs over the fewer volumes; see Models).</p>`);
  const perf = Object.entries(s.performance).flatMap(([regime, byD]) =>
    Object.entries(byD).map(([d, m]) => ({ regime, d, m })),
  );
  body.push(
    table(
      ['regime', 'dataset', 'Dice', 'HD95 (mm)', 'all-background Dice'],
      perf.map(({ regime, d, m }) => [regime, d, fmtCI(m.dice), fmtCI(m.hd95, 2), fmtCI(m.trivialDice)]),
      'segmentation',
    ),
  );

  body.push('<h2>Calibration before and after temperature scaling</h2>');
  body.push(`<p>Voxel-wise, 15 equal-width confidence bins; the band is the voxels within ${spec.bandRadius} voxels of the structure's surface
    (both sides). The temperature T is fitted per model on the validation NLL of its training datasets (${spec.valN} volumes each).</p>`);
  body.push(
    table(
      [
        'regime',
        'dataset',
        'T',
        'ECE',
        'ECE after',
        'MCE',
        'MCE after',
        'ECE band',
        'ECE band after',
        'MCE band',
        'MCE band after',
        'NLL',
        'NLL after',
        'Brier',
        'Brier after',
      ],
      perf.map(({ regime, d, m }) => [
        regime,
        d,
        fmtCI(m.temperature, 2),
        ...['ece', 'mce', 'eceBand', 'mceBand', 'nll', 'brier'].flatMap((k) => [
          fmtCI(m[k], 4),
          fmtCI(m[`${k}After`], 4),
        ]),
      ]),
      'calibration',
    ),
  );
  body.push(
    '<p>Reliability diagrams, every dataset and seed of a regime pooled: mean accuracy against mean confidence per bin (the dashed diagonal is perfect calibration).</p>',
  );
  for (const [regime, rel] of Object.entries(s.reliability))
    for (const where of ['whole volume', 'band'] as const) {
      const [b, a] = where === 'band' ? [rel.bandBefore, rel.bandAfter] : [rel.before, rel.after];
      const pts = (bins: typeof b) =>
        bins.filter((x) => x.count > 0).map((x) => [x.confidence, x.accuracy] as [number, number]);
      body.push(
        xyChartSvg({
          id: `reliability-${regime}-${where === 'band' ? 'band' : 'whole'}`,
          title: `${regime}, ${where}`,
          xLabel: 'confidence',
          yLabel: 'accuracy',
          x: [0.5, 1],
          y: [0, 1],
          diagonal: true,
          series: [
            { name: 'before scaling', points: pts(b), kind: 'line' },
            { name: 'after scaling', points: pts(a), kind: 'line' },
          ],
        }),
      );
    }

  body.push('<h2>OOD detection (joint model)</h2>');
  body.push(`<p>In distribution: the ${spec.presets.length} × ${spec.testN} test volumes. Each OOD set has ${spec.oodN} volumes (distortions and the scanner shift
    apply to an equal share of each dataset's test volumes). Scores, higher = more OOD: <b>spectral</b>, the distance to the k-th nearest
    training signature of one layer (log singular values of its (D·H·W) × C feature map, L2-normalised), the layer and k each model chose on its
    validation volumes (below);
    <b>max-softmax</b>, 1 − the mean voxel max probability; <b>entropy</b>, the mean voxel entropy; <b>mc-dropout</b>, the mean voxel variance of the
    class probabilities over ${spec.mcSamples} dropout samples; <b>ensemble</b>, the same variance over the joint models of all ${spec.seeds.length} seeds
    (a deep ensemble shared by every seed's row, so its seeds differ only in their data draw; with one seed it is the constant 0). ood_scores.csv holds every score.</p>`);
  body.push(table(oodHead, oodRows(s.oodJoint, oodSets), 'ood'));
  body.push(`<p>The spectral detector of each model and seed, chosen before any OOD set is scored: of the candidate layers
    ${spec.layers.map((l) => `<code>${esc(l)}</code>`).join(', ')} and k ${spec.ks.join(', ')}, the one whose k-NN distance best separates
    the model's validation volumes from the same volumes with their voxels shuffled (same intensities, no anatomy; none of the OOD sets
    is drawn from them), by AUROC; ties go to the earlier candidate. metrics.json holds every candidate's AUROC.</p>`);
  body.push(
    table(
      ['model', 'seed', 'layer', 'k', 'validation AUROC'],
      s.ood.map((o) => [
        o.model,
        String(o.seed),
        o.detector.layer,
        String(o.detector.k),
        o.detector.validationAuroc.toFixed(3),
      ]),
      'detectors',
    ),
  );
  body.push('<h3>Spectral minus baseline AUROC, paired over seeds</h3>');
  body.push(
    table(
      ['OOD set', ...BASELINES.map((b) => `spectral − ${b}`)],
      oodSets.map((set) => [set, ...BASELINES.map((b) => fmtCI(s.oodDifferences[set]?.[b]))]),
      'ood-differences',
    ),
  );
  body.push(
    `<p>ROC curves of seed ${spec.seeds[0]}: the unseen preset, empty volumes, the scanner shift and the last distortion set.</p>`,
  );
  for (const [set, byMethod] of Object.entries(s.roc))
    body.push(
      xyChartSvg({
        id: `roc-${set.replace(/[^a-z0-9-]+/gi, '-')}`,
        title: `ROC: ${set}`,
        xLabel: 'false positive rate',
        yLabel: 'true positive rate',
        x: [0, 1],
        y: [0, 1],
        diagonal: true,
        series: OOD_METHODS.map((m) => ({ name: m, points: byMethod[m], kind: 'line' as const })),
      }),
    );

  body.push('<h2>OOD detection (dedicated models)</h2>');
  body.push(`<p>Each dedicated model is scored on its own dataset: in distribution, its ${spec.testN} test volumes; the reference
    signatures, its own ${spec.trainN} training volumes; the OOD sets, the unseen preset and empty volumes (the joint model's), and the scanner
    shift and each distortion applied to ${Math.min(spec.oodN, spec.testN)} volumes of its own dataset — never another training dataset's volumes.
    The ensemble baseline is the disagreement of that dataset's dedicated models of all seeds. Below, per seed the mean over the
    ${spec.presets.length} dedicated models, then mean and 95% CI over seeds; then each dedicated model. ood_scores.csv holds every score
    (column <code>model</code>: joint or dedicated:&lt;dataset&gt;).</p>`);
  body.push(table(oodHead, oodRows(s.oodDedicated, oodSets), 'ood-dedicated'));
  body.push('<h3>Spectral minus baseline AUROC, dedicated models, paired over seeds</h3>');
  body.push(
    table(
      ['OOD set', ...BASELINES.map((b) => `spectral − ${b}`)],
      oodSets.map((set) => [set, ...BASELINES.map((b) => fmtCI(s.oodDifferencesDedicated[set]?.[b]))]),
      'ood-dedicated-differences',
    ),
  );
  body.push('<h3>AUROC of each dedicated model</h3>');
  body.push(
    table(
      ['dedicated model', 'OOD set', ...OOD_METHODS.map((m) => `AUROC ${m}`)],
      Object.entries(s.oodDedicatedByPreset).flatMap(([p, t]) =>
        oodSets.map((set) => [p, set, ...OOD_METHODS.map((m) => fmtCI(t[set]?.[m]?.auroc))]),
      ),
      'ood-dedicated-presets',
    ),
  );

  body.push('<h2>Spectral signatures by dataset</h2>');
  body.push(`<p>Leave-one-out 1-NN accuracy of the dataset from the joint model's signatures of the test volumes: ${fmtCI(s.separation)} (chance ${s.chance.toFixed(3)}).
    The 2-D PCA below (seed ${spec.seeds[0]}; components explain ${s.pca.explained.map((v) => `${(100 * v).toFixed(0)}%`).join(' and ')}) shows the test volumes of each dataset and two OOD sets.</p>`);
  const showcaseLayer = s.ood.find((o) => o.model === 'joint' && o.seed === spec.seeds[0])?.detector.layer ?? '?';
  const sets = [...new Set(s.pca.points.map((p) => p.set))];
  const xs = s.pca.points.map((p) => p.x);
  const ys = s.pca.points.map((p) => p.y);
  const pad = (lo: number, hi: number): [number, number] => [lo - 0.05 * (hi - lo || 1), hi + 0.05 * (hi - lo || 1)];
  if (s.pca.points.length)
    body.push(
      xyChartSvg({
        id: 'signature-pca',
        title: `PCA of the ${showcaseLayer} signatures`,
        xLabel: 'PC 1',
        yLabel: 'PC 2',
        x: pad(Math.min(...xs), Math.max(...xs)),
        y: pad(Math.min(...ys), Math.max(...ys)),
        series: sets.map((set) => ({
          name: set,
          points: s.pca.points.filter((p) => p.set === set).map((p) => [p.x, p.y] as [number, number]),
          kind: 'points' as const,
        })),
      }),
    );
  body.push('<h2>Models</h2>');
  body.push(
    table(
      ['regime', 'model', 'seed', 'trained on', 'labelled volumes', 'epochs', 'optimizer steps', 'T'],
      s.models.map((m) => [
        m.regime,
        m.name,
        String(m.seed),
        m.trainedOn.join(', '),
        String(m.n),
        String(m.epochs),
        String(m.steps),
        m.temperature.toFixed(3),
      ]),
      'models',
    ),
  );
  body.push(
    `<p class="note">${s.models.length} models. Files: metrics.json (the spec, every number per seed and aggregated, the findings), ` +
      'ood_scores.csv (model, seed, set, method, index, ood, score), predictions.csv (Dice, HD95 and voxel counts of every model ' +
      'on every test volume), spec.json (the resolved spec), timing.json (seconds per unit), runs/ (one folder per unit: ' +
      'configs, logs, checkpoints).</p>',
  );
  return htmlPage('nodulab study: calibration-ood', body);
}
