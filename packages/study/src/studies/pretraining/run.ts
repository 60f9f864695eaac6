// Runs the pretraining-robustness study: the pretrained encoders (cached by config hash), then per seed (its own
// data draw) every initialisation x mode x label fraction trained on the nodule grade and tested in distribution
// and on the scanner-shifted second dataset; the full-label models also under each distortion x severity, their
// representations (CKA, PCA) and Grad-CAM. Writes report.html, metrics.json, predictions.csv, embeddings/*.npy.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';
import { NoduleGenerator, Subset, preset, range, writeNpy } from '@nodulab/data';
import { ClassificationEvaluation, ckaMatrix, datasetBatches, linearCKA, pcaSpectrum } from '@nodulab/eval';
import { RunConfig, loadRun, openSource, resolveRunConfig, train } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';
import { inStagedFolder } from '../../kit/staged';
import { PretrainedEncoder, pretrainEncoders, pretrainSeed, sourceDatasets } from './pretrain';
import {
  CKA_LAYERS,
  GradeScores,
  HIGH_GRADE_FROM,
  SaliencyShares,
  TestSet,
  distortedBatches,
  factorProbeScores,
  layerActivations,
  makeTestSet,
  saliencyShares,
  scoreGrades,
} from './measure';
import { PretrainingSummary, summarizePretraining } from './summary';
import { pretrainingHtml } from './report';
import { checkPretrainingSpec, InitKind, PretrainingSpec, TrainMode } from './spec';

/** One target model: an initialisation trained in one mode on a fraction of the labels, scored clean. */
export interface TargetRun {
  init: InitKind;
  mode: TrainMode;
  fraction: number;
  seed: number;
  /** Labelled training samples. */
  n: number;
  trainSeconds: number;
  /** In distribution ('test') and on the second dataset ('shift'). */
  test: GradeScores;
  shift: GradeScores;
}

/** What is measured of a full-label model beyond clean scores. */
export interface ModelAnalysis {
  init: InitKind;
  mode: TrainMode;
  seed: number;
  /** distortion -> severity -> scores. */
  distorted: Record<string, Record<string, GradeScores>>;
  /** Effective rank (exp of the spectral entropy) of the embedding's PCA spectrum, and its explained variance. */
  effectiveRank: number;
  explainedVariance: number[];
  /** Linear CKA with the fine-tuned scratch model of the same seed at each layer. */
  ckaToScratch: Record<string, number>;
  /** CKA between this model's layers (CKA_LAYERS order). */
  ckaWithin: number[][];
  saliency: SaliencyShares;
}

/** Everything the study measured. */
export interface PretrainingResults {
  study: 'pretraining-robustness';
  spec: PretrainingSpec;
  pretrained: PretrainedEncoder[];
  runs: TargetRun[];
  analyses: ModelAnalysis[];
  /** Per seed: the softmax probe on the true factors (the grade's learnability ceiling), in distribution. */
  factorProbe: { seed: number; test: GradeScores }[];
  summary: PretrainingSummary;
  seconds: number;
  /** CPU seconds (user + system, all threads) by stage; their sum bounds the run's time on idle cores. */
  cpuSeconds: Record<string, number>;
  files: { report: string; metricsJson: string; predictions: string; embeddings: string; spec: string };
}

/** Progress of the study, for a command's display. */
export interface PretrainingEvent {
  index: number;
  total: number;
  what: string;
}

/** Options of {@link runPretrainingStudy}. */
export interface PretrainingOptions {
  onEvent?: (e: PretrainingEvent) => void;
  signal?: AbortSignal;
  /** Where pretrained encoders are cached by config hash (default: <out>/pretrained, inside the study folder). */
  cacheDir?: string;
}

/** predictions.csv's columns: one row per model × test set × distortion (none, severity 0) × sample. */
export const PREDICTIONS_HEADER =
  'run,init,mode,fraction,seed,test_set,distortion,severity,index,grade,predicted_grade,p_grade_ge4,diameter,satellite_count';

/** The rows of predictions.csv of one model on one (possibly distorted) test set. */
function predictionRows(
  run: { name: string; init: InitKind; mode: TrainMode; fraction: number; seed: number },
  testSet: 'test' | 'test-shift',
  distortion: string,
  severity: number,
  r: ClassificationEvaluation,
  set: TestSet,
): string[] {
  const k = r.numClasses;
  return r.predictions.map((p, i) => {
    let high = 0;
    for (let c = HIGH_GRADE_FROM; c < k; c++) high += r.probabilities[i * k + c];
    const s = set.samples[i];
    return [
      run.name,
      run.init,
      run.mode,
      run.fraction,
      run.seed,
      testSet,
      distortion,
      severity,
      p.index,
      p.label + 1,
      p.predicted + 1,
      high.toFixed(6),
      s.factors.diameter.toFixed(3),
      s.factors.satelliteCount,
    ].join(',');
  });
}

/** The run config of one target model. */
function targetConfig(
  spec: PretrainingSpec,
  init: InitKind,
  mode: TrainMode,
  fraction: number,
  seed: number,
  encoder: PretrainedEncoder | undefined,
): RunConfig {
  const n = Math.round(fraction * spec.targetN);
  return resolveRunConfig(
    deepMerge(spec.config as Record<string, unknown>, {
      name: `pretraining/${init}-${mode}-f${fraction}-s${seed}`,
      loss: 'ce',
      // A small label fraction trains in one batch of all its samples.
      batchSize: Math.min(spec.config.batchSize ?? 32, n),
      seed,
      threads: spec.threads,
      data: {
        spec: { ...preset('grade'), volume: spec.volume },
        seed: 1000 + seed,
        train: { split: 'train', n },
        val: { split: 'val', n: spec.valN },
      },
      init: encoder ? { checkpoint: encoder.checkpoint, part: 'encoder', mode } : null,
    }),
  );
}

/**
 * Runs the study into `out` (written as `<out>.partial`, renamed when complete; a failed or stopped study leaves
 * nothing but the encoder cache when `cacheDir` lies outside). Throws on a bad spec before anything is written.
 */
export async function runPretrainingStudy(
  spec: PretrainingSpec,
  out: string,
  options: PretrainingOptions = {},
): Promise<PretrainingResults> {
  checkPretrainingSpec(spec);
  return inStagedFolder(out, (staging) => runIn(spec, staging, options));
}

async function runIn(spec: PretrainingSpec, out: string, o: PretrainingOptions): Promise<PretrainingResults> {
  const t0 = Date.now();
  // CPU seconds (user + system, every thread of the process) by stage: the basis of a time estimate.
  const cpuSeconds: Record<string, number> = {};
  const timed = async <T>(stage: string, f: () => Promise<T>): Promise<T> => {
    const c = process.cpuUsage();
    try {
      return await f();
    } finally {
      const d = process.cpuUsage(c);
      cpuSeconds[stage] = (cpuSeconds[stage] ?? 0) + (d.user + d.system) / 1e6;
    }
  };
  const onEvent = o.onEvent ?? (() => undefined);
  setNumThreads(spec.threads);
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  fs.mkdirSync(path.join(out, 'embeddings'), { recursive: true });
  writeFileAtomic(path.join(out, 'pretraining.json'), Buffer.from(JSON.stringify(spec, null, 2) + '\n'));
  const fractions = [...spec.labelFractions].sort((a, b) => a - b);
  const full = fractions[fractions.length - 1];
  // Scratch is fine-tuned only: a linear probe needs a pretrained encoder to probe.
  const combos = spec.inits.flatMap((init) =>
    spec.modes.filter((mode) => init !== 'scratch' || mode === 'finetune').map((mode) => ({ init, mode })),
  );
  const pretrainCount =
    new Set(spec.inits.flatMap((i) => (i.startsWith('supervised+') ? ['supervised', i] : [i]))).size -
    (spec.inits.includes('scratch') ? 1 : 0);
  const pretrainSets = spec.pretrainPerSeed ? spec.seeds.length : 1;
  const total = pretrainCount * pretrainSets + spec.seeds.length * combos.length * fractions.length;
  // Progress: the pretraining events of the encoder sets made so far, then the target models done.
  let runsDone = 0;
  const cacheDir = o.cacheDir ?? path.join(out, 'pretrained');
  // Encoders per pretraining seed (one set, seed 0, unless each seed pretrains its own), trained when first needed.
  const encoderSets = new Map<number, Map<InitKind, PretrainedEncoder>>();
  let sources: ReturnType<typeof sourceDatasets> | undefined;
  const encodersOf = async (seed: number) => {
    const key = pretrainSeed(spec, seed);
    if (!encoderSets.has(key)) {
      const base = pretrainCount * encoderSets.size + runsDone;
      let k = 0;
      const onStart = (what: string) => onEvent({ index: base + ++k, total, what });
      sources ??= sourceDatasets(spec);
      const made = await timed('pretraining', () => pretrainEncoders(spec, cacheDir, key, onStart, o.signal, sources));
      encoderSets.set(key, made);
    }
    return encoderSets.get(key)!;
  };
  const runs: TargetRun[] = [];
  const analyses: ModelAnalysis[] = [];
  const factorProbe: PretrainingResults['factorProbe'] = [];
  const csv: string[] = [PREDICTIONS_HEADER];
  for (const seed of spec.seeds) {
    const encoders = await encodersOf(seed);
    const gen = new NoduleGenerator({ ...preset('grade'), volume: spec.volume }, 2000 + seed);
    const test = await timed('test sets', () => makeTestSet(`grade/test-s${seed}`, gen, 'test', spec.testN));
    const shift = await timed('test sets', () =>
      makeTestSet(`grade/test-shift-s${seed}`, gen, 'test-shift', spec.testN),
    );
    const trainGen = new NoduleGenerator({ ...preset('grade'), volume: spec.volume }, 1000 + seed);
    factorProbe.push({
      seed,
      test: await timed('factor probe', () => factorProbeScores(trainGen, gen, spec.targetN, spec.valN, spec.testN)),
    });
    // One data draw per seed; a fraction trains on the first samples of its training split (so they nest).
    const fullData = targetConfig(spec, 'scratch', 'finetune', full, seed, undefined).data;
    const val = openSource(fullData, 'val');
    const fullTrain = openSource(fullData, 'train');
    // The distorted test sets, made once per seed and shared by every model.
    const distortedSets = new Map<string, ReturnType<typeof distortedBatches>>();
    const distortedSet = (d: string, sev: number, bs: number) => {
      const key = `${d}/${sev}/${bs}`;
      if (!distortedSets.has(key)) distortedSets.set(key, distortedBatches(test.data, bs, d, sev, 31 * seed + sev));
      return distortedSets.get(key)!;
    };
    const activations = new Map<string, Awaited<ReturnType<typeof layerActivations>>>();
    for (const fraction of fractions) {
      for (const { init, mode } of combos) {
        const name = `${init.replace('+', '-')}-${mode}-f${fraction}-s${seed}`;
        onEvent({
          index: pretrainCount * encoderSets.size + ++runsDone,
          total,
          what: `${init} ${mode} ${fraction * 100}% labels seed ${seed}`,
        });
        const config = targetConfig(spec, init, mode, fraction, seed, encoders.get(init));
        const dir = path.join(out, 'runs', name);
        const started = Date.now();
        // Every arm of this seed trains on the same nested subsets of one generated training set.
        const trainSet =
          config.data.train.n === fullTrain.length ? fullTrain : new Subset(fullTrain, range(config.data.train.n));
        const summary = await timed(mode === 'linear' ? 'linear probes' : 'fine-tuning', () =>
          train(config, {
            outDir: dir,
            sources: { train: trainSet, val },
            signal: o.signal,
            prefetch: 0,
            // Small runs: a step worker's start-up would cost more than it frees (the loop still yields between steps).
            stepThread: 'main',
          }),
        );
        if (summary.status !== 'completed') throw new Error(`pretraining-robustness: stopped during ${name}`);
        const trainSeconds = (Date.now() - started) / 1000;
        const { net } = loadRun(dir, 'best');
        const bs = config.batchSize;
        const clean = await timed('clean tests', () => scoreGrades(net, test.data, datasetBatches(test.data, bs)));
        const shifted = await timed('clean tests', () => scoreGrades(net, shift.data, datasetBatches(shift.data, bs)));
        runs.push({
          init,
          mode,
          fraction,
          seed,
          n: trainSet.length,
          trainSeconds,
          test: clean.scores,
          shift: shifted.scores,
        });
        const row = { name, init, mode, fraction, seed };
        csv.push(...predictionRows(row, 'test', 'none', 0, clean.evaluation, test));
        csv.push(...predictionRows(row, 'test-shift', 'none', 0, shifted.evaluation, shift));
        if (fraction !== full) continue;
        // The full-label model: distortions, representations, saliency.
        const distorted: ModelAnalysis['distorted'] = {};
        for (const d of spec.distortions) {
          distorted[d] = {};
          for (const sev of spec.severities) {
            const r = await timed('distortions', () => scoreGrades(net, test.data, distortedSet(d, sev, bs)));
            distorted[d][String(sev)] = r.scores;
            csv.push(...predictionRows(row, 'test', d, sev, r.evaluation, test));
          }
        }
        const acts = await timed('representations', () => layerActivations(net, test.data, bs));
        activations.set(`${init}/${mode}`, acts);
        const emb = acts.embedding;
        writeNpy(path.join(out, 'embeddings', `${name}.npy`), { dtype: 'float32', shape: emb.shape, data: emb.data });
        const pca = pcaSpectrum(emb);
        const layers = CKA_LAYERS.map((l) => acts[l]);
        const scratch = activations.get('scratch/finetune');
        analyses.push({
          init,
          mode,
          seed,
          distorted,
          effectiveRank: pca.effectiveRank,
          explainedVariance: pca.explainedVarianceRatio.slice(0, 10),
          ckaToScratch: Object.fromEntries(CKA_LAYERS.map((l) => [l, scratch ? linearCKA(acts[l], scratch[l]) : NaN])),
          ckaWithin: ckaMatrix(layers),
          saliency: await timed('Grad-CAM', () => saliencyShares(net, test, spec.testN, bs)),
        });
      }
    }
    writeNpy(path.join(out, 'embeddings', `grades-s${seed}.npy`), {
      dtype: 'int32',
      shape: [test.samples.length],
      data: test.samples.map((s) => s.grade),
    });
  }
  const summary = summarizePretraining(spec, runs, analyses, factorProbe);
  const files = {
    report: 'report.html',
    metricsJson: 'metrics.json',
    predictions: 'predictions.csv',
    embeddings: 'embeddings',
    spec: 'pretraining.json',
  };
  const results: PretrainingResults = {
    study: 'pretraining-robustness',
    spec,
    pretrained: [...encoderSets.values()].flatMap((m) => [...m.values()]),
    runs,
    analyses,
    factorProbe,
    summary,
    seconds: (Date.now() - t0) / 1000,
    cpuSeconds,
    files,
  };
  writeFileAtomic(path.join(out, files.predictions), Buffer.from(csv.join('\n') + '\n'));
  writeFileAtomic(path.join(out, files.metricsJson), Buffer.from(JSON.stringify(results, null, 2) + '\n'));
  writeFileAtomic(path.join(out, files.report), Buffer.from(pretrainingHtml(results)));
  return results;
}
