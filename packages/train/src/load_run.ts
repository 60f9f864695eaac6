// Reading a finished (or stopped) run back: its resolved config, summary, and the model with the
// weights of its best or last checkpoint, ready for evaluation (e.g. by a study).
import * as fs from 'fs';
import { loadCheckpoint } from '@nodulab/nn';
import { checkpointFile } from '@nodulab/eval';
import { RunConfig, resolveRunConfig } from './config';
import { TrainableNet, buildNet } from './model';
import { runPaths } from './run_files';
import type { RunSummary } from './train';

/** A run read back from its folder. */
export interface LoadedRun {
  config: RunConfig;
  /** summary.json, or null when the run never finished a call. */
  summary: RunSummary | null;
  /** The model in eval mode with the chosen checkpoint's weights. */
  net: TrainableNet;
}

/**
 * Loads the run in `outDir` with the weights of checkpoints/<which>.safetensors ('best' falls back to
 * 'last' when no epoch was ever selected). Throws naming the folder when the file is missing.
 */
export function loadRun(outDir: string, which: 'best' | 'last' = 'best'): LoadedRun {
  const paths = runPaths(outDir);
  if (!fs.existsSync(paths.config)) throw new Error(`loadRun: ${paths.config} does not exist (not a run folder)`);
  const config = resolveRunConfig(JSON.parse(fs.readFileSync(paths.config, 'utf8')));
  const file = checkpointFile(outDir, which);
  const net = buildNet(config);
  loadCheckpoint(net.model, file);
  net.model.eval();
  const summary = fs.existsSync(paths.summary)
    ? (JSON.parse(fs.readFileSync(paths.summary, 'utf8')) as RunSummary)
    : null;
  return { config, summary, net };
}
