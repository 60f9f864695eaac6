// A diverging run stops at the first non-finite loss or weight with DivergenceError, which says where
// and which checkpoint still holds the last good epoch (nothing is written for the diverged epoch).
import * as fs from 'fs';
import type { Module } from '@nodulab/nn';
import { readTrainState } from './run_files';

/** Thrown when the loss (or the model's state after a step) is NaN or infinite. */
export class DivergenceError extends Error {
  constructor(
    /** Where: e.g. "train epoch 3 step 2". */
    readonly where: string,
    /** What was not finite: e.g. "NaN" or "features.0.weight became Infinity". */
    readonly what: string,
    /** The checkpoint that holds the last good epoch, or null when none was written. */
    readonly lastGood: string | null,
    lastGoodEpoch: string,
  ) {
    super(
      `loss diverged at ${where}: ${what}; ` +
        (lastGood
          ? `the last good checkpoint is ${lastGood} (${lastGoodEpoch})`
          : 'no checkpoint was written before it') +
        '. Lower the learning rate (--lr) or set gradClip',
    );
    this.name = 'DivergenceError';
  }
}

/** The DivergenceError for `where`/`what`, naming checkpoint `last` when it exists. */
export function divergence(where: string, what: string, last: string): DivergenceError {
  if (!fs.existsSync(last)) return new DivergenceError(where, what, null, '');
  let epoch = 'its epoch unknown';
  try {
    const s = readTrainState(last);
    epoch = `${s.stageName} epoch ${s.epochsDone}`;
  } catch {
    /* named without its epoch */
  }
  return new DivergenceError(where, what, last, epoch);
}

/** The first parameter or buffer of `model` holding NaN or Infinity, described, or null when all are finite. */
export function nonFiniteState(model: Module): string | null {
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return `${name} became ${d[i]}`;
  }
  return null;
}
