// The one training loop every objective runs: per stage a DataLoader (seeded batch order, seeded
// augmentation into one or two views, optional prefetch); per step forward/backward/step with optional
// clipping, a divergence check and a yield to the event loop (forward, loss and backward on a worker
// thread unless the run asks for the calling thread: see steps/step_runner); per epoch the schedule, validation, best
// selection, an atomic checkpoint and log records.
import type { DataLoader } from '@nodulab/data';
import type { Tensor } from '@nodulab/tensor';
import { clipGradNorm_, loadCheckpoint, LRScheduler } from '@nodulab/nn';
import { type RunConfig, trainingSetSize } from './config';
import { stageLoader } from './data_source';
import { validate } from './evaluate';
import type { LoopContext } from './loop_context';
import { TrainOptimizer, buildOptimizer, buildScheduler } from './optim';
import { StageTotals, endEpoch, objectiveState } from './epoch_end';
import { fitProbeStage } from './probe_fit';
import { DivergenceError, divergence, nonFiniteState } from './divergence';
import { StagePruning, startPruning } from './pruning';
import { gatherBoxes, gatherWeights } from './targets';
import { yieldToEventLoop } from '@nodulab/platform';

/** Batches per epoch (a fixed number: the last partial batch is dropped). */
export function stepsPerEpoch(config: RunConfig): number {
  return Math.max(1, Math.floor(trainingSetSize(config) / config.batchSize));
}

/** Logs the divergence and returns its error (naming the last good checkpoint). */
function diverged(ctx: LoopContext, where: string, what: string): DivergenceError {
  const e = divergence(where, what, ctx.paths.last);
  ctx.log.write({ event: 'diverged', where, what, lastGood: e.lastGood });
  return e;
}

/**
 * Checks that the optimizer and schedule restored from `file` are at the checkpoint's epoch: the
 * schedule at `epochsDone` and every stepped parameter at `epochsDone * steps` optimizer steps.
 */
function checkRestored(
  file: string,
  stage: string,
  epochsDone: number,
  steps: number,
  optimizer: TrainOptimizer,
  scheduler: LRScheduler | null,
): void {
  const where = `${file}: ${stage} epoch ${epochsDone}`;
  if (scheduler && scheduler.lastEpoch !== epochsDone)
    throw new Error(`${where}, but its learning-rate schedule is at epoch ${scheduler.lastEpoch}`);
  for (const [index, s] of Object.entries(optimizer.stateDict().state)) {
    if (typeof s.step === 'number' && s.step !== epochsDone * steps)
      throw new Error(
        `${where} (${epochsDone * steps} steps), but optimizer state "step" of parameter ${index} is ${s.step}`,
      );
  }
}

/**
 * Runs stage `stageIndex` from `epochsDone` completed epochs to the end, restoring optimizer and
 * schedule from `resumeFile` when given. Resolves 'done', or 'aborted' when the signal fired (the
 * last checkpoint then holds the last completed epoch).
 */
export async function runStage(
  ctx: LoopContext,
  stageIndex: number,
  epochsDone: number,
  resumeFile: string | null,
): Promise<'done' | 'aborted'> {
  const { config, net, counters } = ctx;
  const plan = ctx.stages[stageIndex];
  const objective = plan.objective;
  const steps = stepsPerEpoch(config);
  const totalSteps = ctx.stages.reduce((n, s) => n + (s.fitted ? 0 : s.epochs * steps), 0);
  const totalSamples = totalSteps * Math.min(config.batchSize, ctx.train.length);
  const rate = () => {
    const secs = (Date.now() - ctx.session.start) / 1000;
    const doneSteps = counters.globalStep - ctx.session.step0;
    return {
      samplesPerSec: secs > 0 ? (counters.samplesSeen - ctx.session.samples0) / secs : 0,
      etaSec: doneSteps > 0 ? ((totalSteps - counters.globalStep) * secs) / doneSteps : NaN,
    };
  };
  const logStage = (stepsPerEpoch: number) =>
    ctx.log.write({
      event: 'stage',
      stage: plan.name,
      stageIndex,
      objective: objective.name,
      epochs: plan.epochs,
      startEpoch: epochsDone + 1,
      stepsPerEpoch,
    });
  if (plan.fitted) {
    logStage(0);
    return fitProbeStage(ctx, stageIndex, { totalSteps, totalSamples, rate });
  }
  const params = objective.parameters(net);
  const optimizer = buildOptimizer(params, plan.optimizer);
  const scheduler = buildScheduler(optimizer, plan.schedule, plan.epochs);
  if (resumeFile) {
    const auxiliary = objectiveState(objective);
    loadCheckpoint(net.model, resumeFile, { optimizer, scheduler: scheduler ?? undefined, auxiliary });
    checkRestored(resumeFile, plan.name, epochsDone, steps, optimizer, scheduler);
  } else if (epochsDone === 0) objective.start?.(net);
  const pruning = plan.selects ? startPruning(net.model, config.prune, steps, !resumeFile && epochsDone === 0) : null;
  logStage(steps);
  const loader = stageLoader(ctx.train, {
    seed: config.seed,
    stageIndex,
    batchSize: config.batchSize,
    views: objective.views,
    masks: objective.segments,
    augment: ctx.augment,
    prefetch: ctx.prefetch,
  });
  try {
    return await runEpochs(ctx, stageIndex, epochsDone, loader, {
      params,
      optimizer,
      scheduler,
      totalSteps,
      totalSamples,
      rate,
      pruning,
    });
  } finally {
    await loader.close();
  }
}

/** What runEpochs shares with its stage. */
interface StageState extends StageTotals {
  params: Tensor[];
  optimizer: TrainOptimizer;
  scheduler: LRScheduler | null;
  /** Gradual pruning of this stage, or null. */
  pruning: StagePruning | null;
}

/** Epochs `epochsDone`.. of stage `stageIndex`: steps, schedule, validation, best selection, checkpoints. */
async function runEpochs(
  ctx: LoopContext,
  stageIndex: number,
  epochsDone: number,
  loader: DataLoader,
  st: StageState,
): Promise<'done' | 'aborted'> {
  const { config, net, counters } = ctx;
  const plan = ctx.stages[stageIndex];
  const objective = plan.objective;
  const { params, optimizer, scheduler, totalSteps, totalSamples, rate } = st;
  const steps = loader.length;
  for (let epoch = epochsDone; epoch < plan.epochs; epoch++) {
    const started = Date.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let k = -1;
    const lr = optimizer.paramGroups[0].lr;
    for await (const b of loader.iter(epoch)) {
      k++;
      if (ctx.signal?.aborted) return 'aborted';
      const batch = {
        x1: b.x,
        x2: b.x2 ?? null,
        labels: b.labels,
        masks: b.masks,
        step: counters.globalStep,
        boxes: objective.localizes && ctx.boxes ? gatherBoxes(ctx.boxes, b.indices, b.records) : null,
        weights: gatherWeights(config.sampleWeights, b.indices),
      };
      const out = await ctx.steps.step(stageIndex, objective, batch);
      const loss = out.loss;
      const where = `${plan.name} epoch ${epoch + 1} step ${k + 1}`;
      if (!Number.isFinite(loss)) throw diverged(ctx, where, String(loss));
      const gradNorm = config.gradClip !== null ? clipGradNorm_(params, config.gradClip) : undefined;
      optimizer.step();
      st.pruning?.afterStep(epoch * steps + k + 1);
      counters.globalStep += 1;
      counters.samplesSeen += b.labels.length;
      lossSum += loss * b.labels.length;
      seen += b.labels.length;
      if (out.logits) {
        const l = out.logits;
        const K = l.length / b.labels.length;
        for (let i = 0; i < b.labels.length; i++) {
          let best = 0;
          for (let c = 1; c < K; c++) if (l[i * K + c] > l[i * K + best]) best = c;
          if (best === b.labels[i]) correct++;
        }
      }
      const r = rate();
      ctx.log.write({
        event: 'step',
        stage: plan.name,
        epoch: epoch + 1,
        step: k + 1,
        globalStep: counters.globalStep,
        loss,
        lr,
        ...(gradNorm !== undefined ? { gradNorm } : {}),
        samplesPerSec: r.samplesPerSec,
      });
      ctx.onProgress?.({
        kind: 'step',
        stage: plan.name,
        stageIndex,
        stages: ctx.stages.length,
        epoch: epoch + 1,
        epochs: plan.epochs,
        step: k + 1,
        steps,
        globalStep: counters.globalStep,
        totalSteps,
        samplesSeen: counters.samplesSeen,
        totalSamples,
        loss,
        ...r,
      });
      await yieldToEventLoop();
    }
    // Weights that overflowed during a step give a non-finite loss at the next step; only the epoch's
    // last step can overflow unseen, so the state is scanned once per epoch, before anything is written.
    const bad = nonFiniteState(net.model);
    if (bad) throw diverged(ctx, `${plan.name} epoch ${epoch + 1} step ${k + 1}`, bad);
    scheduler?.step();
    const val = await validate(net, objective, ctx.val, config, ctx.augment, ctx.steps.forward).catch((e: Error) => {
      // Finite weights can still overflow in a forward pass: NaN scores (the network's own outputs) are the
      // loss diverging; any other error, e.g. a non-finite input voxel, is reported as it is.
      throw /^auroc: scores\[\d+\] is NaN/.test(e.message)
        ? diverged(ctx, `${plan.name} epoch ${epoch + 1} validation`, `NaN outputs (${e.message})`)
        : e;
    });
    if (!Number.isFinite(val.loss))
      throw diverged(ctx, `${plan.name} epoch ${epoch + 1} validation`, `val loss ${val.loss}`);
    endEpoch(ctx, stageIndex, {
      epoch: epoch + 1,
      val,
      trainLoss: lossSum / seen,
      trainAccuracy: objective.classifies ? correct / seen : undefined,
      lr,
      started,
      steps,
      totalSteps,
      totalSamples,
      rate,
      optimizer,
      scheduler,
      // Under gradual pruning only epochs at the final sparsity may become the best checkpoint.
      selectable: st.pruning?.selects(epoch + 1) ?? true,
    });
    await yieldToEventLoop();
  }
  return 'done';
}
