// A pretrained-encoder unit: supervised CE on the composition source task, SimCLR or MoCo v2 on the same
// (unlabelled) volumes, or SimCLR / MoCo started from the supervised encoder (the unit it needs). The run seed
// (initialisation, augmentations, batch order) is the study seed when each seed pretrains its own encoders,
// else 0 for one set shared by the seeds; the source data is one fixed draw either way, as a public
// pretraining set would be. Its key (what determines its bytes) is its resolved config and its parent's key,
// so a queue trains an encoder once across specs that agree on it.
import * as path from 'path';
import { openSource, resolveRunConfig, train } from '@nodulab/train';
import type { LossKind, RunConfigInput } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { SOURCE_DATA_SEED, cached, sourceSpec } from './data';
import { parentOf } from './plan';
import type { PretrainResult, PretrainUnit, PretrainingUnitResult } from './results';
import type { PretrainedInit, PretrainingSpec } from './spec';
import { unitProgress } from '../../framework/progress';

/** The training run inside a unit folder (train() locks `<run>.lock` beside it, also inside the unit folder). */
export const RUN_DIR = 'run';

/** The loss of the pretraining stage that makes `init`: its last stage ('supervised+simclr' is simclr). */
export function pretrainLoss(init: PretrainedInit): LossKind {
  const last = init.split('+').pop()!;
  return (last === 'supervised' ? 'ce' : last) as LossKind;
}

/** The source-task data every pretraining reads. */
function sourceData(spec: PretrainingSpec) {
  return {
    spec: sourceSpec(spec),
    seed: SOURCE_DATA_SEED,
    train: { split: 'train', n: spec.sourceN },
    val: { split: 'val', n: spec.valN },
  };
}

/** The run config of one pretraining stage (`parent`: the checkpoint it starts from). */
export function pretrainConfig(
  spec: PretrainingSpec,
  init: PretrainedInit,
  runSeed: number,
  parent: string | null,
): RunConfigInput {
  const loss = pretrainLoss(init);
  return deepMerge(spec.config as Record<string, unknown>, {
    name: `pretrain-${loss}`,
    loss,
    seed: runSeed,
    threads: spec.threads,
    // Supervised pretraining (ce) trains as long as the contrastive ones: config.pretrainEpochs, not epochs.
    ...(spec.config.pretrainEpochs !== undefined ? { epochs: spec.config.pretrainEpochs } : {}),
    // The encoder is what pretraining is for; its head is discarded, so the cheapest probe of the source task's
    // classes (one SGD epoch) only closes the run.
    probe: { mode: 'linear-sgd', epochs: 1 },
    data: sourceData(spec),
    init: parent ? { checkpoint: parent, part: 'encoder', mode: 'finetune' } : null,
  }) as RunConfigInput;
}

/** What determines an encoder's bytes: its resolved config without the parent's path, and the parent's key. */
export function pretrainKey(spec: PretrainingSpec, init: PretrainedInit, runSeed: number): unknown {
  const parent = parentOf(init);
  return {
    kind: 'pretrain',
    config: resolveRunConfig(pretrainConfig(spec, init, runSeed, null)),
    parent: parent ? pretrainKey(spec, parent, runSeed) : null,
  };
}

/** Trains one encoder into ctx.dir/run; its parent's checkpoint comes from the unit it needs. */
export async function runPretrainUnit(
  spec: PretrainingSpec,
  unit: PretrainUnit,
  ctx: UnitContext<PretrainingUnitResult>,
): Promise<PretrainResult> {
  const parentInit = parentOf(unit.init);
  let parent: string | null = null;
  if (parentInit) {
    const need = ctx.needs.get(unit.needs![0]);
    if (!need || need.result.kind !== 'pretrain')
      throw new Error(`pretraining-robustness: ${unit.id} needs the ${parentInit} encoder (${unit.needs![0]})`);
    parent = path.join(need.dir, need.result.checkpoint);
  }
  const input = pretrainConfig(spec, unit.init, unit.runSeed, parent);
  const data = resolveRunConfig(input).data;
  const sources = await cached(ctx.cache, 'pretraining/source', data, () => ({
    train: openSource(data, 'train'),
    val: openSource(data, 'val'),
  }));
  ctx.phase(`pretraining ${unit.init} (run seed ${unit.runSeed})`);
  const dir = path.join(ctx.dir, RUN_DIR);
  const summary = await train(input, {
    outDir: dir,
    signal: ctx.signal,
    prefetch: 0,
    stepThread: 'main',
    sources,
    onProgress: (p) => ctx.progress(unitProgress(p, `${unit.init} ${p.stage}`)),
  });
  if (summary.status !== 'completed') throw new Error(`pretraining-robustness: ${unit.id} was stopped`);
  const checkpoint = path.relative(ctx.dir, path.join(dir, 'checkpoints', 'last.safetensors'));
  return { kind: 'pretrain', init: unit.init, runSeed: unit.runSeed, checkpoint };
}
