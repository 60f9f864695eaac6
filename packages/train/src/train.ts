// train(config, { outDir }): the library entry point. Validates the config before touching the disk,
// lays out the run folder, runs the loss's stages through the shared loop, resumes exactly from the
// last checkpoint with `resume`, and returns (and saves) a run summary. The folder is locked while the
// run writes it (<outDir>.lock); temporary files of a killed run and a stale best checkpoint are repaired.
import * as crypto from 'crypto';
import * as fs from 'fs';
import { Compose, Dataset } from '@nodulab/data';
import { loadCheckpoint } from '@nodulab/nn';
import { setNumThreads } from '@nodulab/tensor';
import { lockOutput, removeStaleTempFiles } from '@nodulab/platform';
import { repairBest } from './best_repair';
import { ConfigError, LossKind, RunConfig, isLocalization, resolveRunConfig } from './config';
import { boxTargets } from './targets';
import { openSource } from './data_source';
import type { ValidationMetrics } from './evaluate';
import { runStage } from './loop';
import type { LoopContext, RunCounters, TrainProgress } from './loop_context';
import { checkInit, loadEncoder } from './init';
import { buildNet } from './model';
import { BestState, JsonlLog, readTrainState, runPaths, writeJson } from './run_files';
import { planStages } from './stages';
import { inlineStepRunner, StepRunner, workerStepRunner } from './steps/step_runner';

/** Options of {@link train}. */
export interface TrainOptions {
  /** The run folder (e.g. runs/<id>): config.json, log.jsonl, checkpoints/, summary.json. */
  outDir: string;
  /** Continue the run in outDir from its last checkpoint (the config may be omitted; if given it must match). */
  resume?: boolean;
  /** Called after every step and every epoch. */
  onProgress?: (p: TrainProgress) => void;
  /** Stops the run before the next step; the last checkpoint holds the last completed epoch. */
  signal?: AbortSignal;
  /** Replaces the train/val datasets built from `config.data` (e.g. to share one cached set between runs). */
  sources?: { train: Dataset; val: Dataset };
  /**
   * Training batches prepared ahead in a worker thread while the model trains (default PREFETCH;
   * 0: on the training thread). Results are byte-identical either way.
   */
  prefetch?: number;
  /**
   * Where each step's forward, loss and backward run: 'worker' (default) a worker thread sharing the
   * model's memory, so the event loop stays free during the step; 'main' this thread (the step blocks
   * it). The optimizer runs on this thread either way. Results are bit-identical either way.
   */
  stepThread?: 'worker' | 'main';
}

/** What a run did. Also saved as summary.json. */
export interface RunSummary {
  name: string;
  outDir: string;
  status: 'completed' | 'interrupted';
  loss: LossKind;
  seed: number;
  stages: { name: string; objective: string; epochs: number }[];
  globalStep: number;
  samplesSeen: number;
  /** Seconds this call spent (not earlier calls of a resumed run). */
  seconds: number;
  /** Validation metrics after the last epoch run. */
  final: ValidationMetrics | null;
  /** The best epoch of the classifying stage by `config.select`. */
  best: BestState | null;
  checkpoints: { last: string | null; best: string | null };
  config: RunConfig;
}

/** Default of TrainOptions.prefetch. */
export const PREFETCH = 0;

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

/** The resolved config of a run: validated from `config`, or read from outDir when resuming. Writes nothing. */
function prepare(config: unknown, options: TrainOptions): { cfg: RunConfig; resuming: boolean } {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '')
    throw new ConfigError(['outDir: a run folder is required']);
  const paths = runPaths(options.outDir);
  const hasRun = fs.existsSync(paths.config);
  if (options.resume) {
    if (!hasRun) throw new ConfigError([`resume: ${paths.config} does not exist; nothing to resume`]);
    let saved: RunConfig;
    try {
      saved = resolveRunConfig(JSON.parse(fs.readFileSync(paths.config, 'utf8')));
    } catch (e) {
      throw new ConfigError([`resume: cannot read ${paths.config}: ${(e as Error).message}`]);
    }
    if (config !== null && config !== undefined) {
      const given = resolveRunConfig(config);
      const diff = Object.keys(saved).filter(
        (k) =>
          canonical((saved as unknown as Record<string, unknown>)[k]) !==
          canonical((given as unknown as Record<string, unknown>)[k]),
      );
      if (diff.length > 0)
        throw new ConfigError([
          `resume: the config differs from the run's saved config in ${diff.join(', ')}; resume with the saved config (omit it) or start a new run`,
        ]);
    }
    return { cfg: saved, resuming: true };
  }
  const cfg = resolveRunConfig(config);
  if (hasRun)
    throw new ConfigError([
      `outDir: ${options.outDir} already holds a run (config.json); pass resume to continue it or choose another folder`,
    ]);
  return { cfg, resuming: false };
}

/**
 * Trains a model as `config` says (a partial config is completed with defaults; see RunConfig) and
 * writes the run to `options.outDir`. Rejects with a ConfigError, before writing anything, on a bad
 * config. Same config, seed and thread count give bit-identical weights, also across a resume. Only
 * one run writes a folder at a time: another run (in any process) into `outDir` rejects with
 * OutputLockedError naming it. Resuming removes temporary files of interrupted writes and rewrites a
 * best checkpoint left stale by a kill between the `last` and `best` writes. A diverging loss rejects
 * with DivergenceError; the last checkpoint then holds the last good epoch.
 *
 * @example
 * const config = { loss: 'supcon', pretrainEpochs: 5, data: { spec: 'shortcut-size' } };
 * const summary = await train(config, { outDir: 'runs/supcon-s0' });
 * console.log(summary.best);   // { epoch, metric: 'auroc', value, metrics }
 */
export async function train(config: unknown, options: TrainOptions): Promise<RunSummary> {
  // A bad config fails here, before anything is written; the folder's state is checked under the lock.
  if (!options || typeof options.outDir !== 'string' || options.outDir === '')
    throw new ConfigError(['outDir: a run folder is required']);
  if (!options.resume) checkInit(resolveRunConfig(config));
  else if (!fs.existsSync(runPaths(options.outDir).config)) prepare(config, options);
  const lock = lockOutput(options.outDir);
  try {
    const { cfg, resuming } = prepare(config, options);
    return await trainLocked(cfg, resuming, options);
  } finally {
    lock.release();
  }
}

/** The checkpoint file of `config.init`: a .safetensors file, or a run folder's best (else last) checkpoint. */
function initCheckpoint(init: string): string {
  if (fs.existsSync(init) && fs.statSync(init).isDirectory()) {
    const p = runPaths(init);
    const file = [p.best, p.last].find((f) => fs.existsSync(f));
    if (!file) throw new Error(`init: ${init} is a folder without a checkpoint (checkpoints/best or last)`);
    return file;
  }
  if (!fs.existsSync(init)) throw new Error(`init: ${init} does not exist`);
  return init;
}

/**
 * The config as checkpoints record it: a pretrained init by the SHA-256 of its checkpoint's bytes instead of
 * its path, so that a run's checkpoints are the same bytes wherever its encoder lies (a study folder, a queue
 * worker's results folder). The path stays in config.json. Unchanged when the init file is gone (a resume).
 */
function recordedConfig(cfg: RunConfig): RunConfig {
  if (!cfg.init) return cfg;
  let file: string;
  try {
    file = initCheckpoint(cfg.init.checkpoint);
  } catch {
    return cfg;
  }
  const digest = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  return { ...cfg, init: { ...cfg.init, checkpoint: `sha256:${digest}` } };
}

/** The run, with the folder locked. */
async function trainLocked(cfg: RunConfig, resuming: boolean, options: TrainOptions): Promise<RunSummary> {
  const paths = runPaths(options.outDir);
  const repairs = [...removeStaleTempFiles(paths.dir), ...removeStaleTempFiles(paths.checkpoints)].map(
    (f) => `removed ${f}, left by an interrupted write`,
  );
  const sources = options.sources ?? { train: openSource(cfg.data, 'train'), val: openSource(cfg.data, 'val') };
  if (sources.train.shape.join() !== sources.val.shape.join()) {
    throw new Error(
      `train (${sources.train.name}) and val (${sources.val.name}) volumes differ in shape: (${sources.train.shape.join(', ')}) vs (${sources.val.shape.join(', ')})`,
    );
  }
  setNumThreads(cfg.threads);
  const net = buildNet(cfg);
  // The pretrained model starts a fresh run; a resumed one takes its weights from its own checkpoint.
  if (cfg.init && !(resuming && fs.existsSync(paths.last))) {
    const file = initCheckpoint(cfg.init.checkpoint);
    if (cfg.init.part === 'all') loadCheckpoint(net.model, file);
    else loadEncoder(net, file);
  }
  const checkpointConfig = recordedConfig(cfg);
  const boxes = isLocalization(cfg.loss) ? boxTargets(sources.train) : null;
  const stages = planStages(cfg);
  const counters: RunCounters = { globalStep: 0, samplesSeen: 0, best: null, lastVal: null };
  let startStage = 0;
  let startEpoch = 0;
  let resumeFile: string | null = null;
  let previous: RunSummary | null = null;
  if (resuming && fs.existsSync(paths.last)) {
    const st = readTrainState(paths.last);
    const repaired = repairBest(paths, st);
    if (repaired) repairs.push(repaired);
    if (st.stage >= stages.length || st.epochsDone > stages[st.stage].epochs)
      throw new Error(`${paths.last}: stage ${st.stage} epoch ${st.epochsDone} does not fit this run's stages`);
    counters.globalStep = st.globalStep;
    counters.samplesSeen = st.samplesSeen;
    counters.best = st.best;
    if (st.epochsDone >= stages[st.stage].epochs) {
      loadCheckpoint(net.model, paths.last);
      startStage = st.stage + 1;
    } else {
      startStage = st.stage;
      startEpoch = st.epochsDone;
      resumeFile = paths.last;
    }
    if (fs.existsSync(paths.summary)) previous = JSON.parse(fs.readFileSync(paths.summary, 'utf8')) as RunSummary;
  }
  fs.mkdirSync(paths.checkpoints, { recursive: true });
  if (!resuming) writeJson(paths.config, cfg);
  const log = new JsonlLog(paths.log);
  const start = Date.now();
  let steps: StepRunner;
  try {
    steps = options.stepThread === 'main' ? inlineStepRunner(net) : await workerStepRunner(net, cfg, stages);
  } catch (e) {
    log.close();
    throw e;
  }
  const ctx: LoopContext = {
    config: cfg,
    net,
    train: sources.train,
    val: sources.val,
    augment: cfg.augment ? new Compose(cfg.augment) : null,
    prefetch: options.prefetch ?? PREFETCH,
    paths,
    log,
    counters,
    stages,
    onProgress: options.onProgress,
    signal: options.signal,
    session: { start, step0: counters.globalStep, samples0: counters.samplesSeen },
    steps,
    boxes,
    checkpointConfig,
  };
  let status: RunSummary['status'] = 'completed';
  try {
    log.write({
      event: resuming ? 'resume' : 'start',
      name: cfg.name,
      loss: cfg.loss,
      seed: cfg.seed,
      threads: cfg.threads,
      stage: startStage,
      epoch: startEpoch,
      globalStep: counters.globalStep,
      ...(repairs.length > 0 ? { repairs } : {}),
    });
    for (let s = startStage; s < stages.length; s++) {
      if (
        options.signal?.aborted ||
        (await runStage(ctx, s, s === startStage ? startEpoch : 0, s === startStage ? resumeFile : null)) === 'aborted'
      ) {
        status = 'interrupted';
        break;
      }
    }
    const summary: RunSummary = {
      name: cfg.name,
      outDir: options.outDir,
      status,
      loss: cfg.loss,
      seed: cfg.seed,
      stages: stages.map((s) => ({ name: s.name, objective: s.objective.name, epochs: s.epochs })),
      globalStep: counters.globalStep,
      samplesSeen: counters.samplesSeen,
      seconds: (Date.now() - start) / 1000,
      final: counters.lastVal ?? previous?.final ?? null,
      best: counters.best,
      checkpoints: {
        last: fs.existsSync(paths.last) ? paths.last : null,
        best: fs.existsSync(paths.best) ? paths.best : null,
      },
      config: cfg,
    };
    log.write({
      event: 'end',
      status,
      globalStep: counters.globalStep,
      seconds: summary.seconds,
      final: summary.final,
      best: summary.best,
    });
    writeJson(paths.summary, summary);
    return summary;
  } finally {
    await steps.close();
    log.close();
  }
}
