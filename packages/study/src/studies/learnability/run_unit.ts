// One unit of the learnability sweep, into its folder: a model trained on its seed's iid draw and scored
// on the seed's iid test set (per-sample predictions in predictions/test.csv), or one side of the race (a CE
// model whose validation AUROC is recorded after every epoch). Needs nothing but the spec and the unit.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '@nodulab/platform';
import { Dataset, DatasetSpec, InMemoryDataset } from '@nodulab/data';
import { ClassificationEvaluation, datasetBatches, evaluate, predictionsCsv } from '@nodulab/eval';
import { RunConfig, loadRun, netPredictor, openSource, train } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import { generateSet } from '../../measures/test_data';
import { PREDICTIONS_FILE, budgetEpochs, coreSpec, runConfigFor, shortcutOnlySpec, testDataSeed } from './configs';
import type {
  LearnabilitySpec,
  LearnabilityUnit,
  LearnabilityUnitResult,
  ModelResult,
  ModelUnit,
  RaceResult,
  RaceUnit,
  ValidationCurve,
} from './results';
import { unitProgress } from '../../framework/progress';

/** One seed's data at one separation: training and validation sources, and (for models) the iid test set. */
interface Draw {
  key: string;
  sources: { train: Dataset; val: Dataset };
  test: InMemoryDataset | null;
}

const CACHE_KEY = 'learnability/draw';

/**
 * The draw of `config.data` (and its test set when `test` is given), from ctx.cache when the previous unit
 * used the same one. Only the latest draw is kept, so a process holds one seed's data at one separation.
 */
async function drawOf(
  config: RunConfig,
  test: { spec: DatasetSpec; seed: number; n: number } | null,
  cache: Map<string, unknown>,
): Promise<Draw> {
  const key = JSON.stringify({ data: config.data, test });
  const held = cache.get(CACHE_KEY) as Draw | undefined;
  if (held && held.key === key) return held;
  const draw: Draw = {
    key,
    sources: { train: openSource(config.data, 'train'), val: openSource(config.data, 'val') },
    test:
      test &&
      (await generateSet(`${test.spec.name}-test-${test.seed}`, test.spec, test.seed, 'test', test.n, {
        factors: true,
      })),
  };
  cache.set(CACHE_KEY, draw);
  return draw;
}

/** A metric as a result holds it: JSON has no NaN. */
const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** Trains `config` into ctx.dir and returns its validation curve; throws unless the run completed. */
async function trainInto(
  config: RunConfig,
  sources: Draw['sources'],
  ctx: UnitContext<LearnabilityUnitResult>,
): Promise<ValidationCurve> {
  const curve: ValidationCurve = { stepsPerEpoch: 0, auroc: [], balancedAccuracy: [] };
  const summary = await train(config, {
    outDir: ctx.dir,
    sources,
    prefetch: 2,
    signal: ctx.signal,
    onProgress: (p) => {
      if (p.kind === 'step') {
        ctx.progress(unitProgress(p));
        return;
      }
      if (!p.val || p.val.auroc === undefined) return;
      curve.auroc.push(finiteOrNull(p.val.auroc));
      curve.balancedAccuracy.push(finiteOrNull(p.val.balancedAccuracy));
      curve.stepsPerEpoch = p.steps;
    },
  });
  if (summary.status !== 'completed') throw new Error(`learnability: stopped during ${config.name}; nothing was kept`);
  return curve;
}

/** A model of the sweep: trained, then its best checkpoint scored on the seed's iid test set. */
async function runModel(
  spec: LearnabilitySpec,
  unit: ModelUnit,
  ctx: UnitContext<LearnabilityUnitResult>,
): Promise<ModelResult> {
  const data = coreSpec(spec, unit.separation);
  const config = runConfigFor(spec, unit.loss, unit.seed, data, unit.budget);
  const draw = await drawOf(config, { spec: data, seed: testDataSeed(unit.seed), n: spec.testN }, ctx.cache);
  const test = draw.test!;
  ctx.phase(`${unit.id}: ${unit.loss} at separation ${unit.separation}, budget ${unit.budget}, seed ${unit.seed}`);
  const validation = await trainInto(config, draw.sources, ctx);
  const { net } = loadRun(ctx.dir, 'best');
  const r = (await evaluate(
    netPredictor(net, test),
    datasetBatches(test, config.batchSize),
  )) as ClassificationEvaluation;
  const file = path.join(ctx.dir, PREDICTIONS_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const factors = test.factors;
  writeFileAtomic(
    file,
    Buffer.from(predictionsCsv(r.predictions, factors ? r.predictions.map((p) => factors[p.index]) : undefined)),
  );
  return {
    kind: 'model',
    loss: unit.loss,
    seed: unit.seed,
    separation: unit.separation,
    budget: unit.budget,
    epochs: budgetEpochs(config),
    balancedAccuracy: finiteOrNull(r.metrics.balancedAccuracy),
    auroc: finiteOrNull(r.metrics.auroc),
    testN: r.predictions.length,
    predictions: PREDICTIONS_FILE,
    validation,
  };
}

/** One side of the race: CE on the shortcut alone or on the core feature alone, its validation curve. */
async function runRace(
  spec: LearnabilitySpec,
  unit: RaceUnit,
  ctx: UnitContext<LearnabilityUnitResult>,
): Promise<RaceResult> {
  const data = unit.task === 'shortcut' ? shortcutOnlySpec(spec) : coreSpec(spec, spec.separation);
  const config = runConfigFor(spec, 'ce', unit.seed, data, 1);
  const draw = await drawOf(config, null, ctx.cache);
  ctx.phase(`${unit.id}: race, ce on the ${unit.task} alone, seed ${unit.seed}`);
  const curve = await trainInto(config, draw.sources, ctx);
  return { kind: 'race', task: unit.task, seed: unit.seed, ...curve };
}

/** Runs one unit into ctx.dir. */
export function runLearnabilityUnit(
  spec: LearnabilitySpec,
  unit: LearnabilityUnit,
  ctx: UnitContext<LearnabilityUnitResult>,
): Promise<LearnabilityUnitResult> {
  return unit.kind === 'model' ? runModel(spec, unit, ctx) : runRace(spec, unit, ctx);
}
