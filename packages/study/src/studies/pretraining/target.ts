// A target-model unit: one initialisation (scratch, or the encoder of the unit it needs) trained in one mode
// (linear probe or fine-tuning) on the first fraction·targetN samples of its seed's grade training set, then
// scored on the seed's in-distribution and scanner-shifted test sets, with per-sample outputs.
import * as path from 'path';
import { Subset, range } from '@nodulab/data';
import { datasetBatches } from '@nodulab/eval';
import { RunConfig, loadRun, openSource, resolveRunConfig, train } from '@nodulab/train';
import type { TrainableNet } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { cached, gradeSpec, targetDataSeed, testSets } from './data';
import { scoreGrades } from './measure';
import { RUN_DIR } from './pretrain';
import { TEST_SETS } from './results';
import type { GradeScores, PretrainingUnitResult, SamplePredictions, TargetResult, TargetUnit } from './results';
import { fullFraction } from './spec';
import type { InitKind, PretrainingSpec, TrainMode } from './spec';
import { unitProgress } from '../../framework/progress';

/** The run config of one target model (`encoder`: the checkpoint it starts from; null for scratch). */
export function targetConfig(
  spec: PretrainingSpec,
  init: InitKind,
  mode: TrainMode,
  fraction: number,
  seed: number,
  encoder: string | null,
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
        spec: gradeSpec(spec),
        seed: targetDataSeed(seed),
        train: { split: 'train', n },
        val: { split: 'val', n: spec.valN },
      },
      init: encoder ? { checkpoint: encoder, part: 'encoder', mode } : null,
    }),
  );
}

/** The trained model of a finished target unit (its best checkpoint) and its batch size. */
export function loadTarget(dir: string, result: TargetResult): { net: TrainableNet; batchSize: number } {
  const { net, config } = loadRun(path.join(dir, result.run), 'best');
  return { net, batchSize: config.batchSize };
}

/** Trains one target model into ctx.dir/run and scores it on both clean test sets. */
export async function runTargetUnit(
  spec: PretrainingSpec,
  unit: TargetUnit,
  ctx: UnitContext<PretrainingUnitResult>,
): Promise<TargetResult> {
  let encoder: string | null = null;
  if (unit.init !== 'scratch') {
    const need = ctx.needs.get(unit.needs![0]);
    if (!need || need.result.kind !== 'pretrain')
      throw new Error(`pretraining-robustness: ${unit.id} needs the ${unit.init} encoder (${unit.needs![0]})`);
    encoder = path.join(need.dir, need.result.checkpoint);
  }
  const config = targetConfig(spec, unit.init, unit.mode, unit.fraction, unit.seed, encoder);
  // One data draw per seed; a fraction trains on the first samples of its training split (so they nest).
  const fullData = targetConfig(spec, 'scratch', 'finetune', fullFraction(spec), unit.seed, null).data;
  const sources = await cached(ctx.cache, 'pretraining/target-data', fullData, () => ({
    train: openSource(fullData, 'train'),
    val: openSource(fullData, 'val'),
  }));
  const n = config.data.train.n;
  const trainSet = n === sources.train.length ? sources.train : new Subset(sources.train, range(n));
  ctx.phase(`${unit.init} ${unit.mode} ${unit.fraction * 100}% labels seed ${unit.seed}`);
  const dir = path.join(ctx.dir, RUN_DIR);
  const summary = await train(config, {
    outDir: dir,
    sources: { train: trainSet, val: sources.val },
    signal: ctx.signal,
    prefetch: 0,
    // Small runs: a step worker's start-up would cost more than it frees (the loop still yields between steps).
    stepThread: 'main',
    onProgress: (p) => ctx.progress(unitProgress(p)),
  });
  if (summary.status !== 'completed') throw new Error(`pretraining-robustness: ${unit.id} was stopped`);
  const { net } = loadRun(dir, 'best');
  const sets = await testSets(spec, unit.seed, ctx.cache);
  const scores = {} as Record<(typeof TEST_SETS)[number], GradeScores>;
  const predictions = {} as Record<(typeof TEST_SETS)[number], SamplePredictions>;
  for (const name of TEST_SETS) {
    const ds = sets[name].data;
    const r = await scoreGrades(net, ds, datasetBatches(ds, config.batchSize));
    scores[name] = r.scores;
    predictions[name] = r.predictions;
  }
  return {
    kind: 'target',
    init: unit.init,
    mode: unit.mode,
    fraction: unit.fraction,
    seed: unit.seed,
    n: trainSet.length,
    run: RUN_DIR,
    scores,
    predictions,
  };
}
