// runLossGeneralization(study, { outDir }): per seed, draws that seed's data; trains every loss on it through
// @nodulab/train (and on the iid control), evaluates each model on every test set, measures which
// features it uses (counterfactuals, linear probes, Grad-CAM); then aggregates over seeds, compares
// losses by paired differences and states the Findings. Writes study.json, runs/<run>/ (checkpoints,
// predictions/<test set>.csv), metrics.json, metrics.csv and report.html.
import * as fs from 'fs';
import * as path from 'path';
import { noGrad, setNumThreads } from '@nodulab/tensor';
import { writeFileAtomic, yieldToEventLoop } from '@nodulab/platform';
import { DataLoader, Dataset, FactorRecord, InMemoryDataset, Subset, range } from '@nodulab/data';
import { inStagedFolder } from '../../kit/staged';
import {
  CLASSIFICATION_METRICS,
  ClassificationEvaluation,
  ClassificationMetricName,
  datasetBatches,
  evaluate,
  predictionsCsv,
} from '@nodulab/eval';
import { TrainProgress, TrainableNet, loadRun, netPredictor, openSource, train } from '@nodulab/train';
import { Aggregate, aggregateFields } from '../../kit/aggregate';
import { CounterfactualSet, FactorRole, FlipStats, counterfactualSets, flipStats } from './counterfactual';
import { Finding, PairedDifference, StudyClaim, controlResult, findings, pairedDifferences } from './findings';
import type { ControlResult } from './findings';
import { gradCam3d, insideShare } from '../../measures/gradcam';
import { ProbeResult, probe } from '../../measures/probes';
import {
  Arm,
  StudySpec,
  controlDatasetSpec,
  datasetSeedOf,
  runConfigFor,
  runId,
  testDatasetSpec,
  trainingDatasetSpec,
} from './spec';
import { generateSet } from '../../measures/test_data';
import { metricsCsv } from './csv';
import { reportHtml } from './report';

/** The classification metrics reported per test set. */
export const METRICS = CLASSIFICATION_METRICS;
export type MetricName = ClassificationMetricName;

/** What one (loss, seed) run measured. */
export interface RunResult {
  loss: string;
  seed: number;
  /** The dataset seed its training, validation and test data were drawn with. */
  dataSeed: number;
  /** The run folder, relative to the study folder. */
  dir: string;
  trainSeconds: number;
  testSets: Record<string, Record<MetricName, number>>;
  counterfactual: Record<string, FlipStats>;
  probes: Record<string, ProbeResult>;
  saliency: { n: number; insideShare: number; maskFraction: number };
}

/** Means and 95% CIs over seeds, per loss. */
export interface StudySummary {
  performance: Record<string, Record<string, Record<string, Aggregate>>>;
  counterfactual: Record<string, Record<string, Record<string, Aggregate>>>;
  probes: Record<string, Record<string, Aggregate>>;
  saliency: Record<string, Record<string, Aggregate>>;
}

/** Wall-clock fields: kept out of metrics.json (which the same study reproduces exactly), written to timing.json. */
export const LG_TIMING_KEYS: ReadonlySet<string> = new Set(['createdAt', 'seconds', 'trainSeconds']);

/** Everything a study measured; saved as metrics.json (less the LG_TIMING_KEYS fields). */
export interface StudyResults {
  study: string;
  description: string;
  createdAt: string;
  seconds: number;
  threads: number;
  losses: string[];
  seeds: number[];
  testSets: { name: string; split: string; spec: string; n: number }[];
  /** The dataset seed of each seed (see datasetSeedOf). */
  dataSeeds: number[];
  analysis: StudySpec['analysis'] & {
    counterfactualValues: Record<string, string>;
    /** What each counterfactual does: cross the shortcut, swap the core feature, or neither. */
    factorRoles: Record<string, FactorRole>;
  };
  runs: RunResult[];
  summary: StudySummary;
  /** The iid control arm: its runs, means over seeds and whether it passed. */
  control: ControlResult;
  /** Per pair of losses, the mean and 95% CI of per-seed differences of the compared measures. */
  pairedDifferences: PairedDifference[];
  /** Each claim's measures with effect, CI and verdict (see findings.ts). */
  findings: Finding[];
  /** Each claim with its combined verdict. */
  claims: StudyClaim[];
  /** The test sets the findings compare and the half-width of a negligible effect. */
  findingsRule: StudySpec['findings'];
  files: { report: string; metricsJson: string; metricsCsv: string; study: string; timing: string };
}

/** Progress events of a study. */
export type LossGeneralizationEvent =
  | { kind: 'phase'; message: string }
  | { kind: 'run-start'; index: number; total: number; loss: string; seed: number; arm: Arm }
  | { kind: 'train'; index: number; total: number; progress: TrainProgress }
  | { kind: 'run-end'; index: number; total: number; loss: string; seed: number; arm: Arm; seconds: number };

/** Options of {@link runLossGeneralization}. */
export interface StudyOptions {
  /** The study folder; must not exist or be empty. Written as <outDir>.partial, renamed when complete. */
  outDir: string;
  onEvent?: (e: LossGeneralizationEvent) => void;
  /** Stops after the current training step; the study then rejects. */
  signal?: AbortSignal;
}

/** `net` on a test set: per-sample P(malignant) and the classification metrics. */
async function evaluateOn(
  net: TrainableNet,
  set: InMemoryDataset,
  batchSize: number,
): Promise<ClassificationEvaluation> {
  const r = await evaluate(netPredictor(net, set), datasetBatches(set, batchSize));
  if (r.task !== 'classification') throw new Error(`${set.name}: ${r.info.modelKind} is not a classifier`);
  return r;
}

/** P(malignant) of each sample of an evaluation. */
const malignancyOf = (r: ClassificationEvaluation): Float64Array =>
  Float64Array.from(r.predictions, (p) => p.pMalignant);

/** Embeddings (n, d) of the first n volumes, in eval mode. */
async function embeddings(
  net: TrainableNet,
  set: InMemoryDataset,
  n: number,
  batchSize: number,
): Promise<{ X: Float32Array; d: number }> {
  const parts: Float32Array[] = [];
  let d = 0;
  net.model.eval();
  for (const b of new DataLoader(new Subset(set, range(n)), { batchSize })) {
    const h = noGrad(() => net.embed(b.x));
    d = h.shape[1];
    parts.push(h.data);
    await yieldToEventLoop();
  }
  const X = new Float32Array(n * d);
  let off = 0;
  for (const p of parts) X.set(p, (off += p.length) - p.length);
  return { X, d };
}

/** Mean Grad-CAM share inside the nodule mask over the first n analysed volumes (batches of 8). */
async function saliency(net: TrainableNet, set: InMemoryDataset, n: number): Promise<RunResult['saliency']> {
  const V = set.shape[0] * set.shape[1] * set.shape[2];
  let shareSum = 0;
  let maskSum = 0;
  let counted = 0;
  net.model.eval();
  for (const b of new DataLoader(new Subset(set, range(n)), { batchSize: 8 })) {
    const { cams } = gradCam3d(net.model, b.x);
    b.indices.forEach((i, k) => {
      const mask = set.get(i, { mask: true }).mask as Uint8Array;
      const share = insideShare(cams.subarray(k * V, (k + 1) * V), mask);
      if (!Number.isFinite(share)) return;
      let m = 0;
      for (let v = 0; v < V; v++) m += mask[v];
      shareSum += share;
      maskSum += m / V;
      counted++;
    });
    await yieldToEventLoop();
  }
  return {
    n: counted,
    insideShare: counted ? shareSum / counted : NaN,
    maskFraction: counted ? maskSum / counted : NaN,
  };
}

/** A file name from a test set's name. */
const fileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Writes runs/<run>/predictions/<name>.csv: per sample its index (in the test set, or of the analysed
 * nodule for a counterfactual set), label, P(malignant), predicted class and factor values.
 */
function writePredictions(
  dir: string,
  name: string,
  r: ClassificationEvaluation,
  factors: readonly FactorRecord[] | null,
  indices?: readonly number[],
): void {
  const rows = indices ? r.predictions.map((p) => ({ ...p, index: indices[p.index] })) : r.predictions;
  const folder = path.join(dir, 'predictions');
  fs.mkdirSync(folder, { recursive: true });
  writeFileAtomic(
    path.join(folder, `${fileName(name)}.csv`),
    Buffer.from(predictionsCsv(rows, factors ? r.predictions.map((p) => factors[p.index]) : undefined)),
  );
}

/** One seed's data, shared by every loss: test sets, the analysed set's counterfactuals, the control test set. */
export interface SeedData {
  seed: number;
  dataSeed: number;
  sets: InMemoryDataset[];
  cfSets: CounterfactualSet[];
  control: InMemoryDataset | null;
}

/** Generates seed `seed`'s test sets, counterfactuals and control test set (deterministic per seed). */
export async function seedData(
  study: StudySpec,
  seed: number,
  emit: (e: LossGeneralizationEvent) => void = () => undefined,
): Promise<SeedData> {
  const dataSeed = datasetSeedOf(seed);
  emit({
    kind: 'phase',
    message: `seed ${seed}: generating ${study.testSets.length} test sets from dataset seed ${dataSeed} (${study.testSets.map((t) => `${t.name} ${t.n}`).join(', ')})`,
  });
  const sets: InMemoryDataset[] = [];
  for (const t of study.testSets) {
    const analysed = t.name === study.analysis.testSet;
    sets.push(
      await generateSet(t.name, testDatasetSpec(t.spec as never, study.volume), dataSeed, t.split, t.n, {
        masks: analysed,
        factors: true,
      }),
    );
  }
  const aSpec = study.testSets.find((t) => t.name === study.analysis.testSet)!;
  emit({
    kind: 'phase',
    message: `seed ${seed}: counterfactuals of ${study.analysis.n} "${aSpec.name}" nodules for ${study.analysis.factors.map((f) => f.name).join(', ')}`,
  });
  const cfSets = await counterfactualSets(
    trainingDatasetSpec(study.train.spec, study.train.rho, study.volume),
    testDatasetSpec(aSpec.spec as never, study.volume),
    dataSeed,
    aSpec.split,
    study.analysis.n,
    study.analysis.factors,
  );
  const control = study.control.enabled
    ? await generateSet('control', controlDatasetSpec(study), dataSeed, 'test', study.control.n, { factors: true })
    : null;
  return { seed, dataSeed, sets, cfSets, control };
}

/**
 * Runs `study` (resolved by resolveStudySpec) into `options.outDir`. Same study, seeds and thread
 * count give the same numbers. Rejects when the folder is not empty (before writing) or when stopped.
 * The study is written into `<outDir>.partial` and renamed to outDir when complete, so a failed or
 * stopped study leaves no folder behind.
 */
export async function runLossGeneralization(study: StudySpec, options: StudyOptions): Promise<StudyResults> {
  const target = options.outDir;
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0)
    throw new Error(`runLossGeneralization: ${target} is not empty; choose another --out`);
  return inStagedFolder(target, (staging) => runStudyIn(study, staging, options));
}

/** One run of a study's grid: a loss trained on one seed's data, on one arm. */
export interface GridRun {
  loss: string;
  seed: number;
  arm: Arm;
}

/** Every run of a study's grid, in the order the in-process runner trains them (seed, arm, loss). */
export function studyGrid(study: StudySpec): GridRun[] {
  const arms: Arm[] = study.control.enabled ? ['shortcut', 'control'] : ['shortcut'];
  return study.seeds.flatMap((seed) =>
    arms.flatMap((arm) => study.losses.map((l): GridRun => ({ loss: l.name, seed, arm }))),
  );
}

/** What one grid run measured: a shortcut-arm run with its counterfactual metadata, or a control run. */
export type RunOutcome =
  | {
      arm: 'shortcut';
      run: RunResult;
      counterfactualValues: Record<string, string>;
      factorRoles: Record<string, FactorRole>;
    }
  | { arm: 'control'; run: ControlResult['runs'][number] };

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  /** The seed's data (from {@link seedData}); shared by the runs of one seed. */
  data: SeedData;
  /** Training and validation sources; opened from the run config when absent. */
  sources?: { train: Dataset; val: Dataset };
  /** The run folder, relative to the study folder, recorded in the result (default runs/<run id>). */
  rel?: string;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
}

/**
 * Trains one grid run into `dir`, tests it on the seed's test sets (or the control set) and, on the
 * shortcut arm, measures counterfactual flips, linear probes and Grad-CAM. The kernel thread count
 * must already be set (setNumThreads(study.threads)). Rejects when stopped.
 */
export async function executeRun(
  study: StudySpec,
  g: GridRun,
  dir: string,
  options: ExecuteRunOptions,
): Promise<RunOutcome> {
  const { data } = options;
  const loss = study.losses.find((l) => l.name === g.loss);
  if (!loss) throw new Error(`executeRun: study ${study.name} has no loss '${g.loss}'`);
  if (data.seed !== g.seed) throw new Error(`executeRun: data of seed ${data.seed} given for seed ${g.seed}`);
  const { seed, arm } = g;
  const rel = options.rel ?? path.join('runs', runId(loss.name, seed, arm));
  const cfg = runConfigFor(study, loss, seed, arm);
  const sources = options.sources ?? { train: openSource(cfg.data, 'train'), val: openSource(cfg.data, 'val') };
  const t0 = Date.now();
  const summary = await train(cfg, {
    outDir: dir,
    sources,
    // Training batches are generated and augmented in a worker while the model trains (same bytes).
    prefetch: 2,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  if (summary.status !== 'completed')
    throw new Error(`study stopped during ${runId(loss.name, seed, arm)}; nothing was kept`);
  const { net } = loadRun(dir, 'best');
  const trainSeconds = (Date.now() - t0) / 1000;
  const bs = cfg.batchSize;
  if (arm === 'control') {
    const r = await evaluateOn(net, data.control!, bs);
    writePredictions(dir, 'in-distribution', r, data.control!.factors);
    const { n: _n, ...metrics } = r.metrics;
    return { arm, run: { loss: loss.name, seed, dataSeed: data.dataSeed, dir: rel, trainSeconds, metrics } };
  }
  const { sets, cfSets } = data;
  const aIndex = study.testSets.findIndex((t) => t.name === study.analysis.testSet);
  const nA = study.analysis.n;
  const analysed = sets[aIndex];
  const testSets: RunResult['testSets'] = {};
  let pAnalysed: Float64Array | null = null;
  for (let k = 0; k < sets.length; k++) {
    const r = await evaluateOn(net, sets[k], bs);
    writePredictions(dir, sets[k].name, r, sets[k].factors);
    const { n: _n, ...metrics } = r.metrics;
    testSets[sets[k].name] = metrics;
    if (k === aIndex) pAnalysed = malignancyOf(r);
  }
  const counterfactual: RunResult['counterfactual'] = {};
  for (const cf of cfSets) {
    if (!cf.set) continue;
    const r = await evaluateOn(net, cf.set, bs);
    writePredictions(dir, `${analysed.name}.cf-${cf.name}`, r, cf.set.factors, cf.indices);
    counterfactual[cf.name] = flipStats(
      cf.indices.map((j) => pAnalysed![j]),
      malignancyOf(r),
      cf.indices.map((j) => analysed.labels[j]),
      cf.set.labels,
    );
  }
  const { X, d } = await embeddings(net, analysed, nA, bs);
  const probes: RunResult['probes'] = {};
  for (const t of study.analysis.probeTargets) {
    const target = Array.from({ length: nA }, (_, j) =>
      t === 'label' ? analysed.labels[j] === 1 : analysed.factors![j][t],
    );
    probes[t] = probe(X, nA, d, target, study.analysis.probeHoldout);
  }
  const sal =
    study.analysis.gradcamN > 0
      ? await saliency(net, analysed, study.analysis.gradcamN)
      : { n: 0, insideShare: NaN, maskFraction: NaN };
  return {
    arm,
    run: {
      loss: loss.name,
      seed,
      dataSeed: data.dataSeed,
      dir: rel,
      trainSeconds,
      testSets,
      counterfactual,
      probes,
      saliency: sal,
    },
    counterfactualValues: Object.fromEntries(cfSets.map((c) => [c.name, c.values])),
    factorRoles: Object.fromEntries(cfSets.map((c) => [c.name, c.role])),
  };
}

/** The study written into `out` (the staging folder). */
async function runStudyIn(study: StudySpec, out: string, options: StudyOptions): Promise<StudyResults> {
  const emit = options.onEvent ?? (() => undefined);
  const start = Date.now();
  setNumThreads(study.threads);
  const grid = studyGrid(study);
  const total = grid.length;
  const outcomes: RunOutcome[] = [];
  let data = null as SeedData | null;
  let sources = null as { key: string; train: Dataset; val: Dataset } | null;
  for (const [k, g] of grid.entries()) {
    if (data?.seed !== g.seed) {
      if (options.signal?.aborted) throw new Error(`study stopped before seed ${g.seed}; nothing was kept`);
      data = await seedData(study, g.seed, emit);
    }
    // The losses of one (seed, arm) train on the same sources.
    const key = `${g.seed}/${g.arm}`;
    if (sources?.key !== key) {
      const dataCfg = runConfigFor(study, study.losses[0], g.seed, g.arm).data;
      sources = { key, train: openSource(dataCfg, 'train'), val: openSource(dataCfg, 'val') };
    }
    const index = k + 1;
    emit({ kind: 'run-start', index, total, ...g });
    const t0 = Date.now();
    const dir = path.join(out, 'runs', runId(g.loss, g.seed, g.arm));
    const outcome = await executeRun(study, g, dir, {
      data,
      sources,
      signal: options.signal,
      onProgress: (progress) => emit({ kind: 'train', index, total, progress }),
    });
    outcomes.push(outcome);
    emit({ kind: 'run-end', index, total, ...g, seconds: (Date.now() - t0) / 1000 });
  }
  return writeStudyResults(study, out, outcomes, start);
}

/**
 * Aggregates the outcomes of every grid run (in any order) and writes study.json, metrics.json,
 * timing.json, metrics.csv and report.html into `out`, whose runs/ folder already holds the run
 * folders. The in-process runner and the queue coordinator both end here, so both write the same files.
 */
export function writeStudyResults(
  study: StudySpec,
  out: string,
  outcomes: readonly RunOutcome[],
  start: number,
): StudyResults {
  const runs: RunResult[] = [];
  const controlRuns: ControlResult['runs'] = [];
  let counterfactualValues: Record<string, string> = {};
  let factorRoles: Record<string, FactorRole> = {};
  for (const o of outcomes) {
    if (o.arm === 'control') controlRuns.push(o.run);
    else {
      runs.push(o.run);
      counterfactualValues = o.counterfactualValues;
      factorRoles = o.factorRoles;
    }
  }
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  writeFileAtomic(path.join(out, 'study.json'), Buffer.from(JSON.stringify(study, null, 2) + '\n'));
  const testSetSizes = study.testSets.map((t) => t.n);
  // Runs in (loss, seed) order, whatever order they trained in.
  const order = (r: { loss: string; seed: number }): number =>
    study.losses.findIndex((l) => l.name === r.loss) * study.seeds.length + study.seeds.indexOf(r.seed);
  runs.sort((a, b) => order(a) - order(b));
  controlRuns.sort((a, b) => order(a) - order(b));
  const summary = summarize(study, runs);
  const control = controlResult(study, controlRuns);
  const paired = pairedDifferences(study, runs, factorRoles);
  const { findings: found, claims } = findings(study, runs, control, paired, factorRoles);
  const files = {
    report: 'report.html',
    metricsJson: 'metrics.json',
    metricsCsv: 'metrics.csv',
    study: 'study.json',
    timing: 'timing.json',
  };
  const results: StudyResults = {
    study: study.name,
    description: study.description,
    createdAt: new Date(start).toISOString(),
    seconds: (Date.now() - start) / 1000,
    threads: study.threads,
    losses: study.losses.map((l) => l.name),
    seeds: study.seeds,
    dataSeeds: study.seeds.map(datasetSeedOf),
    testSets: study.testSets.map((t, k) => ({
      name: t.name,
      split: t.split,
      spec: typeof t.spec === 'string' ? t.spec : t.spec.name,
      n: testSetSizes[k],
    })),
    analysis: { ...study.analysis, counterfactualValues, factorRoles },
    runs,
    summary,
    control,
    pairedDifferences: paired,
    findings: found,
    claims,
    findingsRule: study.findings,
    files,
  };
  // metrics.json holds no wall-clock values, so the same study gives the same file; timing.json has them.
  const json = JSON.stringify(
    results,
    (k, v) => (LG_TIMING_KEYS.has(k) ? undefined : typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
  writeFileAtomic(path.join(out, files.metricsJson), Buffer.from(json + '\n'));
  const timing = {
    createdAt: results.createdAt,
    seconds: results.seconds,
    runs: [...runs, ...control.runs].map((r) => ({ dir: r.dir, trainSeconds: r.trainSeconds })),
  };
  writeFileAtomic(path.join(out, files.timing), Buffer.from(JSON.stringify(timing, null, 2) + '\n'));
  writeFileAtomic(path.join(out, files.metricsCsv), Buffer.from(metricsCsv(results)));
  writeFileAtomic(path.join(out, files.report), Buffer.from(reportHtml(results)));
  return results;
}

/** Aggregates per-run results over seeds, per loss. */
export function summarize(study: Pick<StudySpec, 'losses'>, runs: readonly RunResult[]): StudySummary {
  const s: StudySummary = { performance: {}, counterfactual: {}, probes: {}, saliency: {} };
  for (const { name } of study.losses) {
    const mine = runs.filter((r) => r.loss === name);
    if (mine.length === 0) continue;
    s.performance[name] = Object.fromEntries(
      Object.keys(mine[0].testSets).map((t) => [t, aggregateFields(mine, (r) => r.testSets[t])]),
    );
    s.counterfactual[name] = Object.fromEntries(
      Object.keys(mine[0].counterfactual).map((f) => [
        f,
        aggregateFields(mine, (r) => {
          const c = r.counterfactual[f];
          return c
            ? {
                flipRate: c.flipRate,
                meanDeltaP: c.meanDeltaP,
                meanAbsDeltaP: c.meanAbsDeltaP,
                labelChangeRate: c.labelChangeRate,
              }
            : undefined;
        }),
      ]),
    );
    s.probes[name] = aggregateFields(mine, (r) =>
      Object.fromEntries(Object.entries(r.probes).map(([k, p]) => [k, p.score])),
    );
    s.saliency[name] = aggregateFields(mine, (r) => ({
      insideShare: r.saliency.insideShare,
      maskFraction: r.saliency.maskFraction,
    }));
  }
  return s;
}
