// runStudy(study, { outDir }): trains every (loss, seed) through @nodulab/train, evaluates each model
// on every test set, measures which features it uses (counterfactuals, linear probes, Grad-CAM), and
// writes study.json, runs/<loss>-s<seed>/ (checkpoints), metrics.json, metrics.csv and report.html.
import * as fs from 'fs';
import * as path from 'path';
import { noGrad, setNumThreads, writeFileAtomic } from '@nodulab/tensor';
import { DataLoader, InMemoryDataset, NoduleGenerator, Sample, Subset, range } from '@nodulab/data';
import {
  CLASSIFICATION_METRICS,
  ClassificationEvaluation,
  ClassificationMetricName,
  datasetBatches,
  evaluate,
} from '@nodulab/eval';
import {
  TrainProgress,
  TrainableNet,
  loadRun,
  netPredictor,
  openSource,
  train,
  yieldToEventLoop,
} from '@nodulab/train';
import { Aggregate, aggregateFields } from './aggregate';
import { FlipStats, counterfactualValue, describeCounterfactual, factorStats, flipStats } from './counterfactual';
import { gradCam3d, insideShare } from './gradcam';
import { ProbeResult, probe } from './probes';
import { StudySpec, runConfigFor, testDatasetSpec, trainingDatasetSpec } from './spec';
import { generateSet, stackSamples } from './test_data';
import { metricsCsv } from './report/csv';
import { reportHtml } from './report/html';

/** The classification metrics reported per test set. */
export const METRICS = CLASSIFICATION_METRICS;
export type MetricName = ClassificationMetricName;

/** What one (loss, seed) run measured. */
export interface RunResult {
  loss: string;
  seed: number;
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

/** Everything a study measured; saved as metrics.json. */
export interface StudyResults {
  study: string;
  description: string;
  createdAt: string;
  seconds: number;
  threads: number;
  losses: string[];
  seeds: number[];
  testSets: { name: string; split: string; spec: string; n: number }[];
  analysis: StudySpec['analysis'] & { counterfactualValues: Record<string, string> };
  runs: RunResult[];
  summary: StudySummary;
  files: { report: string; metricsJson: string; metricsCsv: string; study: string };
}

/** Progress events of a study. */
export type StudyEvent =
  | { kind: 'phase'; message: string }
  | { kind: 'run-start'; index: number; total: number; loss: string; seed: number }
  | { kind: 'train'; index: number; total: number; progress: TrainProgress }
  | { kind: 'run-end'; index: number; total: number; loss: string; seed: number; seconds: number };

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** The study folder; must not exist or be empty. */
  outDir: string;
  onEvent?: (e: StudyEvent) => void;
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

/** The counterfactual copy of the analysed samples for one factor group, with the sample indices changed. */
interface CounterfactualSet {
  name: string;
  indices: number[];
  set: InMemoryDataset | null;
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

/**
 * Runs `study` (resolved by resolveStudySpec) into `options.outDir`. Same study, seeds and thread
 * count give the same numbers. Rejects when the folder is not empty (before writing) or when stopped.
 */
export async function runStudy(study: StudySpec, options: StudyOptions): Promise<StudyResults> {
  const out = options.outDir;
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0)
    throw new Error(`runStudy: ${out} is not empty; choose another --out`);
  const emit = options.onEvent ?? (() => undefined);
  const start = Date.now();
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  writeFileAtomic(path.join(out, 'study.json'), Buffer.from(JSON.stringify(study, null, 2) + '\n'));
  setNumThreads(study.threads);

  emit({
    kind: 'phase',
    message: `generating ${study.testSets.length} test sets (${study.testSets.map((t) => `${t.name} ${t.n}`).join(', ')})`,
  });
  const sets: InMemoryDataset[] = [];
  for (const t of study.testSets) {
    const analysed = t.name === study.analysis.testSet;
    sets.push(
      await generateSet(t.name, testDatasetSpec(t.spec as never, study.volume), 0, t.split, t.n, {
        masks: analysed,
        factors: analysed,
      }),
    );
  }
  const aIndex = study.testSets.findIndex((t) => t.name === study.analysis.testSet);
  const aSpec = study.testSets[aIndex];
  const analysed = sets[aIndex];
  const nA = study.analysis.n;

  // Counterfactual targets from the training distribution's factor records (no rendering needed).
  emit({
    kind: 'phase',
    message: `generating counterfactuals of ${nA} "${aSpec.name}" nodules for ${study.analysis.factors.map((f) => f.name).join(', ')}`,
  });
  const trainGen = new NoduleGenerator(trainingDatasetSpec(study.train.spec, study.train.rho, study.volume), 0);
  const trainRecords = Array.from({ length: study.train.n }, (_, i) => trainGen.factors('train', i));
  const testGen = new NoduleGenerator(testDatasetSpec(aSpec.spec as never, study.volume), 0);
  const counterfactualValues: Record<string, string> = {};
  const cfSets: CounterfactualSet[] = [];
  for (const group of study.analysis.factors) {
    const stats = group.factors.map((f) => factorStats(trainRecords, f));
    const samples: Sample[] = [];
    const indices: number[] = [];
    for (let i = 0; i < nA; i++) {
      const f = analysed.factors![i];
      const label = analysed.labels[i] as 0 | 1;
      const overrides: Record<string, unknown> = {};
      group.factors.forEach((name, k) => {
        const v = counterfactualValue(name, f[name], label, stats[k]);
        if (v !== null && v !== f[name]) overrides[name] = v;
      });
      if (Object.keys(overrides).length === 0) continue;
      samples.push(testGen.counterfactual(aSpec.split, i, overrides as never));
      indices.push(i);
      if (i % 16 === 15) await yieldToEventLoop();
    }
    counterfactualValues[group.name] = group.factors.map((f, k) => describeCounterfactual(f, stats[k])).join('; ');
    cfSets.push({
      name: group.name,
      indices,
      set: samples.length ? stackSamples(`${aSpec.name}/cf-${group.name}`, samples) : null,
    });
  }

  const first = runConfigFor(study, study.losses[0], study.seeds[0]);
  const sources = { train: openSource(first.data, 'train'), val: openSource(first.data, 'val') };
  const total = study.losses.length * study.seeds.length;
  const runs: RunResult[] = [];
  let index = 0;
  for (const loss of study.losses) {
    for (const seed of study.seeds) {
      index++;
      emit({ kind: 'run-start', index, total, loss: loss.name, seed });
      const rel = path.join('runs', `${loss.name}-s${seed}`);
      const dir = path.join(out, rel);
      const cfg = runConfigFor(study, loss, seed);
      const t0 = Date.now();
      const i = index;
      const summary = await train(cfg, {
        outDir: dir,
        sources,
        signal: options.signal,
        onProgress: (progress) => emit({ kind: 'train', index: i, total, progress }),
      });
      if (summary.status !== 'completed')
        throw new Error(`study stopped during ${loss.name} seed ${seed}; its run folder is ${dir}`);
      const trainSeconds = (Date.now() - t0) / 1000;
      const { net } = loadRun(dir, 'best');
      const bs = cfg.batchSize;
      const testSets: RunResult['testSets'] = {};
      let pAnalysed: Float64Array | null = null;
      for (let k = 0; k < sets.length; k++) {
        const r = await evaluateOn(net, sets[k], bs);
        const { n: _n, ...metrics } = r.metrics;
        testSets[sets[k].name] = metrics;
        if (k === aIndex) pAnalysed = malignancyOf(r);
      }
      const counterfactual: RunResult['counterfactual'] = {};
      for (const cf of cfSets) {
        if (!cf.set) continue;
        const pCf = malignancyOf(await evaluateOn(net, cf.set, bs));
        counterfactual[cf.name] = flipStats(
          cf.indices.map((j) => pAnalysed![j]),
          pCf,
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
      runs.push({ loss: loss.name, seed, dir: rel, trainSeconds, testSets, counterfactual, probes, saliency: sal });
      emit({ kind: 'run-end', index, total, loss: loss.name, seed, seconds: (Date.now() - t0) / 1000 });
    }
  }

  const summary = summarize(study, runs);
  const files = { report: 'report.html', metricsJson: 'metrics.json', metricsCsv: 'metrics.csv', study: 'study.json' };
  const results: StudyResults = {
    study: study.name,
    description: study.description,
    createdAt: new Date(start).toISOString(),
    seconds: (Date.now() - start) / 1000,
    threads: study.threads,
    losses: study.losses.map((l) => l.name),
    seeds: study.seeds,
    testSets: study.testSets.map((t, k) => ({
      name: t.name,
      split: t.split,
      spec: typeof t.spec === 'string' ? t.spec : t.spec.name,
      n: sets[k].length,
    })),
    analysis: { ...study.analysis, counterfactualValues },
    runs,
    summary,
    files,
  };
  const json = JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  writeFileAtomic(path.join(out, files.metricsJson), Buffer.from(json + '\n'));
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
