// Runs the calibration-ood study: per seed (its own data draw) one UNet3D trained jointly on every preset, a
// dedicated UNet3D per preset, and the source preset's dedicated model fine-tuned on each other preset with few
// labels (for as many optimizer steps as a dedicated model); each model's Dice, HD95 and calibration (before /
// after a temperature fitted on its validation NLL) per dataset; then, once every seed is trained, the OOD scores
// of each seed's joint model on that seed's OOD sets, and of each dedicated model on the OOD sets of its own preset
// (the ensemble baseline: the disagreement of that model of every seed). Writes report.html, metrics.json,
// ood_scores.csv, predictions.csv and runs/.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';
import { Module } from '@nodulab/nn';
import { layerNames } from '@nodulab/eval';
import { buildNet, loadRun, openSource, runPaths, train } from '@nodulab/train';
import { inStagedFolder } from '../../kit/staged';
import { VolumeSet } from './measure';
import { presetVolumes } from './data';
import { optimizerSteps, studyRunConfig, transferEpochs, transferVolumes } from './configs';
import { DatasetResult, measureModel } from './model_results';
import { OOD_SCORES_HEADER, OodModel, OodRun, RocCurves, SignatureMap, runOod } from './ood_run';
import { CalibrationOodSummary, summarizeCalibrationOod } from './summary';
import { calibrationOodHtml } from './report';
import { CalibrationOodSpec, Regime, checkCalibrationOodSpec } from './spec';

/** One trained model. */
export interface ModelRun {
  regime: Regime;
  name: string;
  seed: number;
  /** The datasets it trained on (transfer: the fine-tuning target). */
  trainedOn: string[];
  /** Labelled training samples (all datasets). */
  n: number;
  /** Epochs and optimizer steps (transfer: as many steps as a dedicated model, over fewer volumes). */
  epochs: number;
  steps: number;
  trainSeconds: number;
  /** Fitted on the validation NLL of its training datasets. */
  temperature: number;
  results: DatasetResult[];
}

/** Everything the study measured. */
export interface CalibrationOodResults {
  study: 'calibration-ood';
  spec: CalibrationOodSpec;
  runs: ModelRun[];
  /** Every OOD run: each seed's joint model, then each seed's dedicated models (model `dedicated:<preset>`). */
  ood: OodRun[];
  /** The OOD sets in report order. */
  oodSets: string[];
  /** First seed: ROC curves per showcased set and method ([fpr, tpr] points). */
  roc: RocCurves;
  /** First seed: the 2-D PCA of the joint model's signatures of the test volumes (and two OOD sets), by set. */
  pca: SignatureMap;
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

/**
 * Checks that the spectral score's `spec.layer` is a layer (a forward-hook name) of the study's model, built
 * untrained from `spec.config`; throws naming the model's layers when it is not.
 */
export function checkCalibrationOodLayer(spec: CalibrationOodSpec): void {
  const layers = layerNames(buildNet(studyRunConfig(spec, 'layer-check', 0, spec.presets, spec.trainN, null)).model);
  if (!layers.includes(spec.layer))
    throw new Error(
      `invalid calibration-ood spec:\n  - layer: the model has no layer "${spec.layer}"; its layers: ${layers.join(', ')}`,
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
  checkCalibrationOodLayer(spec);
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
  const few = transferVolumes(spec);
  const fewEpochs = transferEpochs(spec);
  const total = spec.seeds.length * (1 + P + targets.length + 1 + P);
  const bs = spec.config.batchSize ?? 8;
  let index = 0;
  const runs: ModelRun[] = [];
  const ood: OodRun[] = [];
  const predictions = ['regime,model,seed,dataset,index,dice,hd95_mm,truth_voxels,predicted_voxels'];
  const scoreRows = [OOD_SCORES_HEADER];
  let setNames: string[] = [];
  let roc: RocCurves = {};
  let pca: SignatureMap = { explained: [], points: [] };
  const trained: { seed: number; joint: Module; dedicated: Map<string, Module>; tests: Map<string, VolumeSet> }[] = [];
  for (const seed of spec.seeds) {
    const tests = new Map<string, VolumeSet>();
    const vals = new Map<string, VolumeSet>();
    for (const p of spec.presets) {
      tests.set(p, await presetVolumes(spec, seed, p, 'test', spec.testN));
      vals.set(p, await presetVolumes(spec, seed, p, 'val', spec.valN));
    }
    const trainModel = async (
      regime: Regime,
      name: string,
      datasets: string[],
      n: number,
      init: string | null,
      epochs?: number,
    ) => {
      onEvent({ index: ++index, total, what: `${regime} ${name} seed ${seed}` });
      const config = studyRunConfig(spec, `${name}-s${seed}`, seed, datasets, n, init, epochs);
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
      const m = await measureModel(net.model, datasets, tests, vals, spec.bandRadius, bs);
      for (const { dataset, scores } of m.volumes)
        scores.forEach((v, i) => {
          const hd = Number.isFinite(v.hd95) ? v.hd95 : 'inf';
          predictions.push([regime, name, seed, dataset, i, v.dice, hd, v.truthVoxels, v.predictedVoxels].join(','));
        });
      const n0 = n * datasets.length;
      runs.push({
        regime,
        name,
        seed,
        trainedOn: datasets,
        n: n0,
        epochs: config.epochs,
        steps: optimizerSteps(config),
        trainSeconds,
        temperature: m.temperature,
        results: m.results,
      });
      return { net, dir };
    };

    const joint = await trainModel('joint', 'joint', spec.presets, spec.trainN, null);
    const dedicatedDirs = new Map<string, string>();
    const dedicated = new Map<string, Module>();
    for (const p of spec.presets) {
      const d = await trainModel('dedicated', `dedicated-${p}`, [p], spec.trainN, null);
      dedicatedDirs.set(p, d.dir);
      dedicated.set(p, d.net.model);
    }
    const source = runPaths(dedicatedDirs.get(spec.transfer.source)!).best;
    for (const p of targets)
      await trainModel('transfer', `transfer-${spec.transfer.source}-to-${p}`, [p], few, source, fewEpochs);
    trained.push({ seed, joint: joint.net.model, dedicated, tests });
  }
  // Joint models first (every seed), then dedicated models: each scored on its own presets' OOD sets.
  const oodModels = (t: (typeof trained)[number]): OodModel[] => [
    { name: 'joint', model: t.joint, presets: spec.presets, ensemble: trained.map((u) => u.joint) },
    ...spec.presets.map((p) => ({
      name: `dedicated:${p}` as const,
      model: t.dedicated.get(p)!,
      presets: [p],
      ensemble: trained.map((u) => u.dedicated.get(p)!),
    })),
  ];
  for (const joint of [true, false])
    for (const t of trained)
      for (const m of oodModels(t).filter((x) => (x.name === 'joint') === joint)) {
        onEvent({ index: ++index, total, what: `OOD scores of the ${m.name} model, seed ${t.seed}` });
        const showcase = joint && t.seed === spec.seeds[0];
        const r = await runOod(m, spec, t.seed, t.tests, bs, showcase);
        ood.push(r.run);
        scoreRows.push(...r.rows);
        if (joint) setNames = r.setNames;
        if (showcase) {
          roc = r.roc;
          pca = r.pca!;
        }
      }
  const summary = summarizeCalibrationOod(spec, runs, ood, setNames);
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
    oodSets: setNames,
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
