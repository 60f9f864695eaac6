// The files of a run folder: config.json (the resolved config), log.jsonl (one JSON record per step
// and epoch), checkpoints/{last,best}.safetensors (atomic) and summary.json.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '@nodulab/platform';
import { loadSafetensors } from '@nodulab/nn';
import type { RngState } from './seeds';

/** Where a run's files live. */
export interface RunPaths {
  dir: string;
  config: string;
  log: string;
  summary: string;
  checkpoints: string;
  last: string;
  best: string;
}

/** The file layout of the run folder `dir`. */
export function runPaths(dir: string): RunPaths {
  const checkpoints = path.join(dir, 'checkpoints');
  return {
    dir,
    config: path.join(dir, 'config.json'),
    log: path.join(dir, 'log.jsonl'),
    summary: path.join(dir, 'summary.json'),
    checkpoints,
    last: path.join(checkpoints, 'last.safetensors'),
    best: path.join(checkpoints, 'best.safetensors'),
  };
}

/** Writes JSON atomically (pretty-printed, trailing newline). */
export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, Buffer.from(JSON.stringify(value, null, 2) + '\n'));
}

/** Appends one JSON record per line; every record gets `time` (ISO) first. */
export class JsonlLog {
  private fd: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  write(record: Record<string, unknown>): void {
    fs.writeSync(
      this.fd,
      JSON.stringify({ time: new Date().toISOString(), ...record }, (_k, v) =>
        typeof v === 'number' && !Number.isFinite(v) ? null : v,
      ) + '\n',
    );
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** The best validation result so far (of the classification stage). */
export interface BestState {
  stage: number;
  epoch: number;
  metric: string;
  value: number;
  /** Every validation metric of that epoch. */
  metrics: Record<string, number>;
}

/** What a checkpoint records about the run's progress (metadata key "nodulab.train"). */
export interface TrainState {
  version: 1;
  /** Index of the stage the checkpoint was taken in, and epochs completed in it. */
  stage: number;
  stageName: string;
  epochsDone: number;
  /** Optimizer steps over the whole run, and samples seen. */
  globalStep: number;
  samplesSeen: number;
  best: BestState | null;
  rng: RngState;
}

export const TRAIN_STATE_KEY = 'nodulab.train';

/** The TrainState stored in a checkpoint's metadata; throws naming the file when absent or malformed. */
export function readTrainState(file: string): TrainState {
  const { metadata } = loadSafetensors(file);
  const raw = metadata[TRAIN_STATE_KEY];
  if (raw === undefined) throw new Error(`${file}: not a training checkpoint (no "${TRAIN_STATE_KEY}" metadata)`);
  let s: TrainState;
  try {
    s = JSON.parse(raw) as TrainState;
  } catch (e) {
    throw new Error(`${file}: "${TRAIN_STATE_KEY}" metadata is not JSON: ${(e as Error).message}`);
  }
  if (
    s?.version !== 1 ||
    !Number.isInteger(s.stage) ||
    !Number.isInteger(s.epochsDone) ||
    !Number.isInteger(s.globalStep)
  ) {
    throw new Error(`${file}: "${TRAIN_STATE_KEY}" metadata is malformed: ${raw}`);
  }
  return s;
}
