// Runs the calibration-ood study: per seed (its own data draw) one UNet3D trained jointly on every preset, a
// dedicated UNet3D per preset, and the source preset's dedicated model fine-tuned on each other preset with few
// labels; each model's Dice, HD95 and calibration (before / after a temperature fitted on its validation NLL) per
// dataset; then the joint model's OOD scores on the OOD sets. Writes report.html, metrics.json, ood_scores.csv,
// predictions.csv and runs/.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads, writeFileAtomic } from '@nodulab/tensor';
import { DatasetSpec, SCANNER_SHIFT_FACTORS, SyntheticDataset, preset } from '@nodulab/data';
import { CalibrationMetrics, KnnScorer, layerNames, oodMetrics, pcaProject, rocCurve } from '@nodulab/eval';
import { RunConfig, buildNet, loadRun, openSource, resolveRunConfig, runPaths, train } from '@nodulab/train';
import { deepMerge } from '../spec';
import { inStagedFolder } from '../staged';
import { finiteMean } from '../aggregate';
import {
  OodScores,
  VolumeSet,
  calibrationPair,
  concatSets,
  distortSet,
  fitValidationTemperature,
  headOf,
  loadVolumes,
  nearestNeighbourAccuracy,
  oodScores,
  predictLogits,
  segmentationScores,
  setSignatures,
  structureBand,
} from './measure';
import { CalibrationOodSummary, summarizeCalibrationOod } from './summary';
import { calibrationOodHtml } from './report';
import { CalibrationOodSpec, OOD_METHODS, OodMethod, Regime, checkCalibrationOodSpec } from './spec';

/** The calibration numbers kept per model and dataset (whole volume and band, before and after scaling). */
export type CalibrationNumbers = Record<
  'ece' | 'mce' | 'nll' | 'brier' | 'eceBand' | 'mceBand',
  { before: number; after: number }
>;

/** One trained model measured on one of its test datasets. */
export interface DatasetResult {
  dataset: string;
  n: number;
  dice: number;
  /** Mean over the volumes with a finite HD95 (mm), and how many those are. */
  hd95: number;
  hd95Finite: number;
  /** The Dice of predicting background everywhere on the same volumes (the control's trivial model). */
  trivialDice: number;
  calibration: CalibrationNumbers;
  /** Reliability bins: whole volume and band, before and after temperature scaling. */
  bins: {
    before: CalibrationMetrics['bins'];
    after: CalibrationMetrics['bins'];
    bandBefore: CalibrationMetrics['bins'];
    bandAfter: CalibrationMetrics['bins'];
  };
}

/** One trained model. */
export interface ModelRun {
  regime: Regime;
  name: string;
  seed: number;
  /** The datasets it trained on (transfer: the fine-tuning target). */
  trainedOn: string[];
  /** Labelled training samples (all datasets). */
  n: number;
  trainSeconds: number;
  /** Fitted on the validation NLL of its training datasets. */
  temperature: number;
  results: DatasetResult[];
}

/** OOD detection by the joint model of one seed. */
export interface OodRun {
  seed: number;
  /** set -> method -> AUROC and FPR at 95% TPR against the in-distribution test volumes. */
  sets: Record<string, Record<OodMethod, { auroc: number; fpr95: number }>>;
  /** Leave-one-out 1-NN accuracy of the in-distribution test signatures' dataset, and its chance level. */
  separation: number;
  chance: number;
}

/** Everything the study measured. */
export interface CalibrationOodResults {
  study: 'calibration-ood';
  spec: CalibrationOodSpec;
  runs: ModelRun[];
  ood: OodRun[];
  /** The OOD sets in report order. */
  oodSets: string[];
  /** First seed: ROC curves per showcased set and method ([fpr, tpr] points). */
  roc: Record<string, Record<OodMethod, [number, number][]>>;
  /** First seed: the 2-D PCA of the joint model's signatures of the test volumes, by set. */
  pca: { explained: number[]; points: { set: string; x: number; y: number }[] };
  summary: CalibrationOodSummary;
  seconds: number;
  files: { report: string; metricsJson: string; oodScores: string; predictions: string; spec: string };
}

/** Progress of the study, for a command's display. */
export interface CalibrationOodEvent {
  index: number;
  total: number;
  what: string;
}

/** Options of {@link runCalibrationOodStudy}. */
export interface CalibrationOodOptions {
  onEvent?: (e: CalibrationOodEvent) => void;
  signal?: AbortSignal;
}

/** Preset `name` at the study's volume shape (its own spacing). */
function datasetSpec(spec: CalibrationOodSpec, name: string): DatasetSpec {
  const p = preset(name);
  return { ...p, volume: { shape: spec.shape, spacing: p.volume?.spacing ?? [1, 1, 1] } };
}

/** The dataset seed of preset k in seed s (joint training draws dataset k with data.seed + k; all regimes share it). */
const dataSeed = (seed: number, k = 0): number => 1000 + 10 * seed + k;

function modelConfig(
  spec: CalibrationOodSpec,
  name: string,
  seed: number,
  datasets: string[],
  first: number,
  n: number,
  init: string | null,
): RunConfig {
  const specs = datasets.map((d) => datasetSpec(spec, d));
  return resolveRunConfig(
    deepMerge(spec.config as Record<string, unknown>, {
      name: `calibration-ood/${name}`,
      loss: 'dice-ce',
      batchSize: Math.min(spec.config.batchSize ?? 8, n),
      seed,
      threads: spec.threads,
      data: {
        spec: specs[0],
        joint: specs.length > 1 ? specs.slice(1) : null,
        seed: dataSeed(seed, first),
        train: { split: 'train', n },
        val: { split: 'val', n: spec.valN },
      },
      init: init ? { checkpoint: init, part: 'all', mode: 'finetune' } : null,
    }),
  );
}

/**
 * Runs the study into `out` (written as `<out>.partial`, renamed when complete). Throws on a bad spec, or a layer
 * the model does not have (naming its layers), before anything is trained.
 */
export async function runCalibrationOodStudy(
  spec: CalibrationOodSpec,
  out: string,
  options: CalibrationOodOptions = {},
): Promise<CalibrationOodResults> {
  checkCalibrationOodSpec(spec);
  const layers = layerNames(buildNet(modelConfig(spec, 'layer-check', 0, spec.presets, 0, spec.trainN, null)).model);
  if (!layers.includes(spec.layer))
    throw new Error(
      `invalid calibration-ood spec:\n  - layer: the model has no layer "${spec.layer}"; its layers: ${layers.join(', ')}`,
    );
  return inStagedFolder(out, (staging) => runIn(spec, staging, options));
}

async function runIn(spec: CalibrationOodSpec, out: string, o: CalibrationOodOptions): Promise<CalibrationOodResults> {
  const t0 = Date.now();
  const onEvent = o.onEvent ?? (() => undefined);
  setNumThreads(spec.threads);
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  writeFileAtomic(path.join(out, 'calibration-ood.json'), Buffer.from(JSON.stringify(spec, null, 2) + '\n'));
  const P = spec.presets.length;
  const targets = spec.presets.filter((p) => p !== spec.transfer.source);
  const few = Math.round(spec.transfer.fraction * spec.trainN);
  const total = spec.seeds.length * (1 + P + targets.length + 1);
  const bs = spec.config.batchSize ?? 8;
  let index = 0;
  const runs: ModelRun[] = [];
  const ood: OodRun[] = [];
  const predictions = ['regime,model,seed,dataset,index,dice,hd95_mm,truth_voxels,predicted_voxels'];
  const scoreRows = ['seed,set,method,index,ood,score'];
  let oodSets: string[] = [];
  const roc: CalibrationOodResults['roc'] = {};
  let pca: CalibrationOodResults['pca'] = { explained: [], points: [] };
  for (const seed of spec.seeds) {
    const load = (p: string, split: string, n: number, k: number) =>
      loadVolumes(`${p}/${split}`, new SyntheticDataset(datasetSpec(spec, p), dataSeed(seed, k), split, n), n, true);
    const tests = new Map<string, VolumeSet>();
    const vals = new Map<string, VolumeSet>();
    for (const [k, p] of spec.presets.entries()) {
      tests.set(p, await load(p, 'test', spec.testN, k));
      vals.set(p, await load(p, 'val', spec.valN, k));
    }
    const trainModel = async (regime: Regime, name: string, datasets: string[], n: number, init: string | null) => {
      onEvent({ index: ++index, total, what: `${regime} ${name} seed ${seed}` });
      const config = modelConfig(spec, `${name}-s${seed}`, seed, datasets, spec.presets.indexOf(datasets[0]), n, init);
      const dir = path.join(out, 'runs', `${name}-s${seed}`);
      const started = Date.now();
      const summary = await train(config, {
        outDir: dir,
        sources: { train: openSource(config.data, 'train'), val: openSource(config.data, 'val') },
        signal: o.signal,
        prefetch: 0,
        // Small runs: a step worker's start-up would cost more than it frees (the loop still yields between steps).
        stepThread: 'main',
      });
      if (summary.status !== 'completed') throw new Error(`calibration-ood: stopped during ${name} seed ${seed}`);
      const trainSeconds = (Date.now() - started) / 1000;
      const { net } = loadRun(dir, 'best');
      const val = concatSets(
        'val',
        datasets.map((d) => vals.get(d)!),
      );
      const temperature = fitValidationTemperature(await predictLogits(net.model, val, bs), val);
      const results: DatasetResult[] = [];
      for (const d of datasets) {
        const test = tests.get(d)!;
        const logits = await predictLogits(net.model, test, bs);
        const seg = segmentationScores(logits, test);
        const cal = calibrationPair(logits, test, temperature, structureBand(test, spec.bandRadius));
        const pair = (key: 'ece' | 'mce' | 'nll' | 'brier') => ({ before: cal.before[key], after: cal.after[key] });
        seg.forEach((v, i) =>
          predictions.push(
            [
              regime,
              name,
              seed,
              d,
              i,
              v.dice,
              Number.isFinite(v.hd95) ? v.hd95 : 'inf',
              v.truthVoxels,
              v.predictedVoxels,
            ].join(','),
          ),
        );
        results.push({
          dataset: d,
          n: seg.length,
          dice: finiteMean(seg.map((v) => v.dice)),
          hd95: finiteMean(seg.map((v) => v.hd95)),
          hd95Finite: seg.filter((v) => Number.isFinite(v.hd95)).length,
          trivialDice: finiteMean(seg.map((v) => (v.truthVoxels === 0 ? 1 : 0))),
          calibration: {
            ece: pair('ece'),
            mce: pair('mce'),
            nll: pair('nll'),
            brier: pair('brier'),
            eceBand: { before: cal.bandBefore.ece, after: cal.bandAfter.ece },
            mceBand: { before: cal.bandBefore.mce, after: cal.bandAfter.mce },
          },
          bins: {
            before: cal.before.bins,
            after: cal.after.bins,
            bandBefore: cal.bandBefore.bins,
            bandAfter: cal.bandAfter.bins,
          },
        });
      }
      runs.push({
        regime,
        name,
        seed,
        trainedOn: datasets,
        n: n * datasets.length,
        trainSeconds,
        temperature,
        results,
      });
      return { net, dir };
    };

    const joint = await trainModel('joint', 'joint', spec.presets, spec.trainN, null);
    const dedicatedDirs = new Map<string, string>();
    for (const p of spec.presets)
      dedicatedDirs.set(p, (await trainModel('dedicated', `dedicated-${p}`, [p], spec.trainN, null)).dir);
    for (const p of targets)
      await trainModel(
        'transfer',
        `transfer-${spec.transfer.source}-to-${p}`,
        [p],
        few,
        runPaths(dedicatedDirs.get(spec.transfer.source)!).best,
      );

    // OOD: the joint model against every OOD set.
    onEvent({ index: ++index, total, what: `OOD scores of the joint model, seed ${seed}` });
    const model = joint.net.model;
    const trainSets = await Promise.all(spec.presets.map((p, k) => load(p, 'train', spec.trainN, k)));
    const trainSig = (await Promise.all(trainSets.map((s) => setSignatures(model, s, spec.layer, bs)))).flat();
    const knn = new KnnScorer(trainSig, { k: spec.k });
    const scoreOpts = { layer: spec.layer, knn, mcSamples: spec.mcSamples, batchSize: bs };
    const inDist = concatSets(
      'in-distribution',
      spec.presets.map((p) => tests.get(p)!),
    );
    const inScores = await oodScores(model, inDist, scoreOpts);
    const m = Math.ceil(spec.oodN / P);
    const other = (name: string, k: number) =>
      loadVolumes(
        name,
        new SyntheticDataset(datasetSpec(spec, name), dataSeed(seed, k), 'test', spec.oodN),
        spec.oodN,
        false,
      );
    const shifted = await Promise.all(
      spec.presets.map((p, k) => {
        const s = datasetSpec(spec, p);
        const shiftedSpec: DatasetSpec = {
          ...s,
          name: `${p}-scanner-shift`,
          factors: { ...s.factors, ...SCANNER_SHIFT_FACTORS },
        };
        return loadVolumes(p, new SyntheticDataset(shiftedSpec, dataSeed(seed, k), 'test', m), m, false);
      }),
    );
    const base = concatSets(
      'distorted',
      spec.presets.map((p) => headOf(tests.get(p)!, m)),
    );
    const sets: VolumeSet[] = [
      { ...(await other(spec.unseen, 7)), name: `unseen: ${spec.unseen}` },
      { ...(await other('empty', 8)), name: 'empty' },
      concatSets('scanner-shift', shifted),
      ...spec.distortions.flatMap((d, j) =>
        spec.severities.map((sev) => distortSet(base, d, sev, 7919 * seed + 101 * j + sev)),
      ),
    ];
    oodSets = sets.map((s) => s.name);
    const rows = (set: string, isOod: number, s: OodScores) => {
      for (const method of OOD_METHODS)
        s[method].forEach((v, i) => scoreRows.push([seed, csvName(set), method, i, isOod, v].join(',')));
    };
    rows('in-distribution', 0, inScores.scores);
    const perSet: OodRun['sets'] = {};
    const pcaSets: { set: string; sig: Float32Array[] }[] = spec.presets.map((p, k) => ({
      set: p,
      sig: inScores.signatures.slice(k * spec.testN, (k + 1) * spec.testN),
    }));
    for (const set of sets) {
      const r = await oodScores(model, set, scoreOpts);
      rows(set.name, 1, r.scores);
      perSet[set.name] = Object.fromEntries(
        OOD_METHODS.map((method) => {
          const q = oodMetrics(inScores.scores[method], r.scores[method]);
          return [method, { auroc: q.auroc, fpr95: q.fpr95 }];
        }),
      ) as Record<OodMethod, { auroc: number; fpr95: number }>;
      if (seed !== spec.seeds[0]) continue;
      if (set === sets[0] || set === sets[1]) pcaSets.push({ set: set.name, sig: r.signatures });
      if (set === sets[0] || set === sets[1] || set === sets[2] || set === sets[sets.length - 1]) {
        roc[set.name] = Object.fromEntries(
          OOD_METHODS.map((method) => {
            const labels = [...inScores.scores[method]].map(() => 0).concat([...r.scores[method]].map(() => 1));
            const curve = rocCurve(labels, [...inScores.scores[method], ...r.scores[method]]);
            return [method, curve.map((p) => [p.fpr, p.tpr] as [number, number])];
          }),
        ) as Record<OodMethod, [number, number][]>;
      }
    }
    const groups = spec.presets.flatMap((_, k) => Array.from({ length: spec.testN }, () => k));
    ood.push({
      seed,
      sets: perSet,
      separation: nearestNeighbourAccuracy(inScores.signatures, groups),
      chance: 1 / P,
    });
    if (seed === spec.seeds[0]) {
      const all = pcaSets.flatMap((s) => s.sig);
      const dim = all[0].length;
      const flat = new Float32Array(all.length * dim);
      all.forEach((v, i) => flat.set(v, i * dim));
      const proj = pcaProject({ data: flat, shape: [all.length, dim] }, 2);
      const names = pcaSets.flatMap((s) => s.sig.map(() => s.set));
      pca = {
        explained: proj.explainedVarianceRatio,
        points: names.map((set, i) => ({ set, x: proj.coordinates[2 * i], y: proj.coordinates[2 * i + 1] })),
      };
    }
  }
  const summary = summarizeCalibrationOod(spec, runs, ood, oodSets);
  const files = {
    report: 'report.html',
    metricsJson: 'metrics.json',
    oodScores: 'ood_scores.csv',
    predictions: 'predictions.csv',
    spec: 'calibration-ood.json',
  };
  const results: CalibrationOodResults = {
    study: 'calibration-ood',
    spec,
    runs,
    ood,
    oodSets,
    roc,
    pca,
    summary,
    seconds: (Date.now() - t0) / 1000,
    files,
  };
  writeFileAtomic(path.join(out, files.predictions), Buffer.from(predictions.join('\n') + '\n'));
  writeFileAtomic(path.join(out, files.oodScores), Buffer.from(scoreRows.join('\n') + '\n'));
  writeFileAtomic(path.join(out, files.metricsJson), Buffer.from(JSON.stringify(results, null, 2) + '\n'));
  writeFileAtomic(path.join(out, files.report), Buffer.from(calibrationOodHtml(results)));
  return results;
}

/** A set name as a CSV cell (quoted when it holds a comma or a quote). */
function csvName(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
