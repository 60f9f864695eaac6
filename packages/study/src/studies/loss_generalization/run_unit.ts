// One unit of the loss-generalization study: a loss trained on one seed's data (shortcut arm or iid
// control), tested on the seed's test sets and, on the shortcut arm, analysed for which features it uses
// (counterfactual flips, linear probes, Grad-CAM). Writes its run folder and predictions/<test set>.csv.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, noGrad } from '@nodulab/tensor';
import { writeFileAtomic, yieldToEventLoop } from '@nodulab/platform';
import { Dataset, FactorRecord, InMemoryDataset, Subset, range } from '@nodulab/data';
import { ClassificationEvaluation, datasetBatches, evaluate, predictionsCsv } from '@nodulab/eval';
import { TrainProgress, TrainableNet, loadRun, netPredictor, openSource, train } from '@nodulab/train';
import type { UnitContext } from '../../framework';
import { unitDir } from '../../framework/plan';
import { CounterfactualSet, counterfactualSets, flipStats } from './counterfactual';
import { forEachCam, insideShare } from '../../measures/gradcam';
import { probe } from '../../measures/probes';
import { generateSet } from '../../measures/test_data';
import type { LossGeneralizationUnit, RunOutcome, RunResult } from './results';
import {
  StudySpec,
  controlDatasetSpec,
  datasetSeedOf,
  runConfigFor,
  runId,
  testDatasetSpec,
  trainingDatasetSpec,
} from './spec';
import { unitProgress } from '../../framework/progress';

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
  for (const b of datasetBatches(new Subset(set, range(n)), batchSize)) {
    const h = noGrad(() => net.embed(b.x as Tensor));
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
  let shareSum = 0;
  let maskSum = 0;
  let counted = 0;
  await forEachCam(net.model, new Subset(set, range(n)), 8, (cam, _i, mask) => {
    const share = insideShare(cam, mask);
    if (!Number.isFinite(share)) return;
    let m = 0;
    for (let v = 0; v < mask.length; v++) m += mask[v];
    shareSum += share;
    maskSum += m / mask.length;
    counted++;
  });
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
  phase: (message: string) => void = () => undefined,
): Promise<SeedData> {
  const dataSeed = datasetSeedOf(seed);
  phase(
    `seed ${seed}: generating ${study.testSets.length} test sets from dataset seed ${dataSeed} (${study.testSets.map((t) => `${t.name} ${t.n}`).join(', ')})`,
  );
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
  phase(
    `seed ${seed}: counterfactuals of ${study.analysis.n} "${aSpec.name}" nodules for ${study.analysis.factors.map((f) => f.name).join(', ')}`,
  );
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
  g: LossGeneralizationUnit,
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

/**
 * Runs one unit into ctx.dir. The seed's data and the (seed, arm) training sources are generated once per
 * process and shared by the losses trained on them (ctx.cache); they are deterministic per seed, so a unit
 * run on its own gives the same bytes.
 */
export async function runLossGeneralizationUnit(
  study: StudySpec,
  unit: LossGeneralizationUnit,
  ctx: UnitContext<RunOutcome>,
): Promise<RunOutcome> {
  const dataKey = `data:${unit.seed}`;
  let data = ctx.cache.get(dataKey) as SeedData | undefined;
  if (!data) {
    for (const k of [...ctx.cache.keys()]) if (k.startsWith('data:') || k.startsWith('sources:')) ctx.cache.delete(k);
    data = await seedData(study, unit.seed, ctx.phase);
    ctx.cache.set(dataKey, data);
  }
  const sourcesKey = `sources:${unit.seed}/${unit.arm}`;
  let sources = ctx.cache.get(sourcesKey) as { train: Dataset; val: Dataset } | undefined;
  if (!sources) {
    const dataCfg = runConfigFor(study, study.losses[0], unit.seed, unit.arm).data;
    sources = { train: openSource(dataCfg, 'train'), val: openSource(dataCfg, 'val') };
    ctx.cache.set(sourcesKey, sources);
  }
  return executeRun(study, unit, ctx.dir, {
    data,
    sources,
    rel: unitDir(unit.id),
    signal: ctx.signal,
    onProgress: (p) => ctx.progress(unitProgress(p)),
  });
}
