// What the shared training loop and the code it calls at the end of an epoch (endEpoch, the fitted probe)
// share: the run's context, its counters and the progress events it reports. Types only, so those files
// import it and not each other.
import type { Compose, Dataset } from '@nodulab/data';
import type { RunConfig } from './config';
import type { ValidationMetrics } from './evaluate';
import type { TrainableNet } from './model';
import type { BestState, JsonlLog, RunPaths } from './run_files';
import type { StagePlan } from './stages';
import type { StepRunner } from './steps/step_runner';

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
  train: Dataset;
  val: Dataset;
  augment: Compose | null;
  /** Training batches prepared ahead in a worker thread (0: on the training thread). */
  prefetch: number;
  paths: RunPaths;
  log: JsonlLog;
  counters: RunCounters;
  stages: StagePlan[];
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** When this call started and the counters then, for samples/s and ETA. */
  session: { start: number; step0: number; samples0: number };
  /** Where each step's forward, loss and backward run (this thread or a worker thread), and validation's forward. */
  steps: StepRunner;
  /** A localization run's normalised true boxes (n, 6) of the training set, else null. */
  boxes: Float32Array | null;
  /** The config as checkpoints record it (a pretrained init by its content digest, not its path). */
  checkpointConfig: RunConfig;
}
