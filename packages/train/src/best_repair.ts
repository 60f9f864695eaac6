// Keeps checkpoints/best consistent with the record in checkpoints/last. `last` is written before `best`
// each epoch, so a kill between the two leaves `last` recording a best epoch that `best` does not hold
// yet; that epoch is always the one `last` holds, so `best` is rewritten from `last`.
import * as fs from 'fs';
import { copyModelCheckpoint } from '@nodulab/nn';
import { RunPaths, TrainState, readTrainState } from './run_files';

/** The (stage, epoch) a checkpoint file holds, or null when it is missing or unreadable. */
function heldEpoch(file: string): { stage: number; epoch: number } | null {
  if (!fs.existsSync(file)) return null;
  try {
    const s = readTrainState(file);
    return { stage: s.stage, epoch: s.epochsDone };
  } catch {
    return null;
  }
}

/**
 * Makes checkpoints/best hold the epoch that `last` (whose state is `last`) records as best. Returns a
 * description of the repair, or null when best was already consistent. Throws naming both files when
 * neither holds the recorded epoch.
 */
export function repairBest(paths: RunPaths, last: TrainState): string | null {
  const want = last.best;
  if (!want) return null;
  const held = heldEpoch(paths.best);
  if (held && held.stage === want.stage && held.epoch === want.epoch) return null;
  const what = held ? `stage ${held.stage} epoch ${held.epoch}` : 'no readable checkpoint';
  if (last.stage !== want.stage || last.epochsDone !== want.epoch) {
    throw new Error(
      `${paths.best} holds ${what} but ${paths.last} records the best as stage ${want.stage} epoch ${want.epoch}, which neither file holds; restore ${paths.best} or start a new run`,
    );
  }
  copyModelCheckpoint(paths.last, paths.best);
  return `${paths.best} held ${what}; rewritten from ${paths.last} (stage ${want.stage} epoch ${want.epoch}, the recorded best)`;
}
