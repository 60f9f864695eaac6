// The one training loop every objective runs: per epoch a seeded batch order, seeded augmentation
// (one or two views), forward/backward/step with optional clipping, a yield to the event loop after
// every step, then the schedule, validation, best selection, an atomic checkpoint and log records.
import { Compose, TwoViewPipeline, augmentBatch } from '@nodulab/data';
import { clipGradNorm_, loadCheckpoint, modelSpecMetadata, saveCheckpoint, LRScheduler } from '@nodulab/nn';
import type { RunConfig } from './config';
import { DataSource, epochBatches } from './data_source';
import { ValidationMetrics, validate } from './evaluate';
import type { TrainableNet } from './model';
import type { ViewBatch } from './objectives';
import { TrainOptimizer, buildOptimizer, buildScheduler } from './optim';
import { BestState, JsonlLog, RunPaths, TRAIN_STATE_KEY, TrainState } from './run_files';
import { derivedGenerator, rngState } from './seeds';
import type { StagePlan } from './stages';
import { yieldToEventLoop } from '@nodulab/tensor';

/** What the loop reports after every step and every epoch (e.g. to draw a progress bar). */
export interface TrainProgress {
  kind: 'step' | 'epoch';
  stage: string;
  /** 0-based stage index and the number of stages. */
  stageIndex: number;
  stages: number;
  /** 1-based epoch within the stage, and the stage's epochs. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch, and steps per epoch. */
  step: number;
  steps: number;
  /** Steps over the whole run: done and total. */
  globalStep: number;
  totalSteps: number;
  /** The step's loss ('step') or the epoch's mean training loss ('epoch'). */
  loss: number;
  /** Training samples seen over the whole run, and the run's total (steps x batch size). */
  samplesSeen: number;
  totalSamples: number;
  /** Training samples per second since this call of train() started. */
  samplesPerSec: number;
  /** Estimated seconds to the end of the run. */
  etaSec: number;
  /** Validation metrics ('epoch' only). */
  val?: ValidationMetrics;
}

/** The mutable counters of a run, saved in every checkpoint. */
export interface RunCounters {
  globalStep: number;
  samplesSeen: number;
  best: BestState | null;
  /** The last validation (of the last epoch run). */
  lastVal: ValidationMetrics | null;
}

/** Everything the loop needs, shared by all stages of a run. */
export interface LoopContext {
  config: RunConfig;
  net: TrainableNet;
  train: DataSource;
  val: DataSource;
  augment: Compose | null;
  paths: RunPaths;
  log: JsonlLog;
  counters: RunCounters;
  stages: StagePlan[];
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** When this call started and the counters then, for samples/s and ETA. */
  session: { start: number; step0: number; samples0: number };
}

/** Batches per epoch (a fixed number: the last partial batch is dropped). */
export function stepsPerEpoch(config: RunConfig): number {
  return Math.max(1, Math.floor(config.data.train.n / config.batchSize));
}


function better(metric: string, value: number, best: BestState | null): boolean {
  if (!Number.isFinite(value)) return false;
  if (!best) return true;
  return metric === 'loss' ? value < best.value : value > best.value;
}

function saveState(ctx: LoopContext, file: string, stageIndex: number, epochsDone: number, optimizer?: TrainOptimizer, scheduler?: LRScheduler | null): void {
  const state: TrainState = {
    version: 1,
    stage: stageIndex,
    stageName: ctx.stages[stageIndex].name,
    epochsDone,
    globalStep: ctx.counters.globalStep,
    samplesSeen: ctx.counters.samplesSeen,
    best: ctx.counters.best,
    rng: rngState(ctx.config.seed),
  };
  const metadata = { ...modelSpecMetadata(ctx.net.spec), [TRAIN_STATE_KEY]: JSON.stringify(state), 'nodulab.config': JSON.stringify(ctx.config) };
  saveCheckpoint(ctx.net.model, file, { optimizer, scheduler: scheduler ?? undefined, metadata });
}

/** Augments a batch into the views the objective needs (no augmentation when the config has none). */
function makeViews(ctx: LoopContext, x: ViewBatch['x1'], labels: Int32Array, views: 1 | 2, stageIndex: number, epoch: number, step: number): ViewBatch {
  const g = derivedGenerator(ctx.config.seed, `augment/${stageIndex}/${epoch}`, step);
  const spacing = ctx.train.spacing;
  if (views === 2) {
    const v = new TwoViewPipeline(ctx.augment!).batch(x, g, { spacing });
    return { x1: v.x1, x2: v.x2, labels };
  }
  return { x1: ctx.augment ? augmentBatch(ctx.augment, x, g, { spacing }).x : x, x2: null, labels };
}

/**
 * Runs stage `stageIndex` from `epochsDone` completed epochs to the end, restoring optimizer and
 * schedule from `resumeFile` when given. Resolves 'done', or 'aborted' when the signal fired (the
 * last checkpoint then holds the last completed epoch).
 */
export async function runStage(ctx: LoopContext, stageIndex: number, epochsDone: number, resumeFile: string | null): Promise<'done' | 'aborted'> {
  const { config, net, counters } = ctx;
  const plan = ctx.stages[stageIndex];
  const objective = plan.objective;
  const params = objective.parameters(net);
  const optimizer = buildOptimizer(params, plan.optimizer);
  const scheduler = buildScheduler(optimizer, plan.schedule, plan.epochs);
  if (resumeFile) loadCheckpoint(net.model, resumeFile, { optimizer, scheduler: scheduler ?? undefined });
  const steps = stepsPerEpoch(config);
  const totalSteps = ctx.stages.reduce((n, s) => n + s.epochs * steps, 0);
  const totalSamples = totalSteps * Math.min(config.batchSize, ctx.train.size);
  const rate = () => {
    const secs = (Date.now() - ctx.session.start) / 1000;
    const doneSteps = counters.globalStep - ctx.session.step0;
    return {
      samplesPerSec: secs > 0 ? (counters.samplesSeen - ctx.session.samples0) / secs : 0,
      etaSec: doneSteps > 0 ? ((totalSteps - counters.globalStep) * secs) / doneSteps : NaN,
    };
  };
  ctx.log.write({ event: 'stage', stage: plan.name, stageIndex, objective: objective.name, epochs: plan.epochs, startEpoch: epochsDone + 1, stepsPerEpoch: steps });

  for (let epoch = epochsDone; epoch < plan.epochs; epoch++) {
    const started = Date.now();
    const batches = epochBatches(config.data.train.n, config.batchSize, derivedGenerator(config.seed, `order/${stageIndex}/${epoch}`));
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const lr = optimizer.paramGroups[0].lr;
    for (let k = 0; k < batches.length; k++) {
      if (ctx.signal?.aborted) return 'aborted';
      objective.trainMode(net);
      const b = ctx.train.batch(batches[k]);
      const views = makeViews(ctx, b.x, b.labels, objective.views, stageIndex, epoch, k);
      net.model.zeroGrad();
      const out = objective.step(net, views);
      const loss = out.loss.item();
      if (!Number.isFinite(loss)) {
        throw new Error(`training diverged: ${plan.name} epoch ${epoch + 1} step ${k + 1} has loss ${loss} (lower optimizer.lr or set gradClip)`);
      }
      out.loss.backward();
      const gradNorm = config.gradClip !== null ? clipGradNorm_(params, config.gradClip) : undefined;
      optimizer.step();
      counters.globalStep += 1;
      counters.samplesSeen += b.labels.length;
      lossSum += loss * b.labels.length;
      seen += b.labels.length;
      if (out.logits) {
        const l = out.logits.data;
        for (let i = 0; i < b.labels.length; i++) if ((l[2 * i + 1] > l[2 * i] ? 1 : 0) === b.labels[i]) correct++;
      }
      const r = rate();
      ctx.log.write({ event: 'step', stage: plan.name, epoch: epoch + 1, step: k + 1, globalStep: counters.globalStep, loss, lr, ...(gradNorm !== undefined ? { gradNorm } : {}), samplesPerSec: r.samplesPerSec });
      ctx.onProgress?.({
        kind: 'step', stage: plan.name, stageIndex, stages: ctx.stages.length, epoch: epoch + 1, epochs: plan.epochs,
        step: k + 1, steps: batches.length, globalStep: counters.globalStep, totalSteps, samplesSeen: counters.samplesSeen, totalSamples, loss, ...r,
      });
      await yieldToEventLoop();
    }
    scheduler?.step();
    const val = await validate(net, objective, ctx.val, config, ctx.augment);
    counters.lastVal = val;
    let improved = false;
    if (plan.selects) {
      const value = val[config.select];
      if (value !== undefined && better(config.select, value, counters.best)) {
        counters.best = { stage: stageIndex, epoch: epoch + 1, metric: config.select, value, metrics: { ...val } as Record<string, number> };
        improved = true;
      }
    }
    saveState(ctx, ctx.paths.last, stageIndex, epoch + 1, optimizer, scheduler);
    if (improved) saveState(ctx, ctx.paths.best, stageIndex, epoch + 1);
    const trainLoss = lossSum / seen;
    const trainAccuracy = objective.classifies ? correct / seen : undefined;
    ctx.log.write({
      event: 'epoch', stage: plan.name, epoch: epoch + 1, epochs: plan.epochs, globalStep: counters.globalStep,
      trainLoss, ...(trainAccuracy !== undefined ? { trainAccuracy } : {}), lr, val, best: improved, seconds: (Date.now() - started) / 1000,
    });
    ctx.onProgress?.({
      kind: 'epoch', stage: plan.name, stageIndex, stages: ctx.stages.length, epoch: epoch + 1, epochs: plan.epochs,
      step: batches.length, steps: batches.length, globalStep: counters.globalStep, totalSteps, samplesSeen: counters.samplesSeen, totalSamples, loss: trainLoss, ...rate(), val,
    });
    await yieldToEventLoop();
  }
  return 'done';
}
