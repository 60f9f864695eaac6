// The pretrained encoders of the pretraining-robustness study: supervised on the composition source task,
// SimCLR and MoCo v2 on the same (unlabelled) volumes, and SimCLR or MoCo started from the supervised encoder.
// Each is one run whose folder is named by the hash of its resolved config (and its parent's), so every seed
// and every later study with the same settings reuses it instead of training it again.
import * as fs from 'fs';
import * as path from 'path';
import { configHash } from '@nodulab/tensor';
import { preset } from '@nodulab/data';
import { LossKind, RunConfigInput, RunSummary, resolveRunConfig, runPaths, train } from '@nodulab/train';
import { deepMerge } from '../spec';
import type { InitKind, PretrainingSpec } from './spec';

/** A pretrained encoder: the checkpoint a target run's `init` points at. */
export interface PretrainedEncoder {
  init: Exclude<InitKind, 'scratch'>;
  /** The config hash naming its cache folder. */
  hash: string;
  checkpoint: string;
  /** Seconds spent training it now (0 when it came from the cache). */
  seconds: number;
  cached: boolean;
}

/** The source-task data every pretraining reads: the 'composition' preset at the study's volume. */
function sourceData(spec: PretrainingSpec) {
  return {
    spec: { ...preset('composition'), volume: spec.volume },
    seed: 77,
    train: { split: 'train', n: spec.sourceN },
    val: { split: 'val', n: spec.valN },
  };
}

/** The run config of one pretraining stage (`parent`: the checkpoint it starts from). */
function pretrainConfig(spec: PretrainingSpec, loss: LossKind, parent: string | null): RunConfigInput {
  return deepMerge(spec.config as Record<string, unknown>, {
    name: `pretrain-${loss}`,
    loss,
    seed: 0,
    threads: spec.threads,
    // The encoder is what pretraining is for; its head is discarded, so a one-epoch SGD probe of the source
    // task's classes only closes the run (the fitted 'linear' probe is binary).
    probe: { mode: 'linear-sgd' },
    data: sourceData(spec),
    init: parent ? { checkpoint: parent, part: 'encoder', mode: 'finetune' } : null,
  }) as RunConfigInput;
}

/** Whether `dir` holds a completed run. */
function completed(dir: string): boolean {
  const file = runPaths(dir).summary;
  if (!fs.existsSync(file)) return false;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as RunSummary).status === 'completed';
}

/**
 * Trains (or finds in `cacheDir`) the encoders `inits` need, parents first: 'supervised+simclr' needs
 * 'supervised'. A cached folder holds a completed run of the same config; an incomplete one is replaced.
 */
export async function pretrainEncoders(
  spec: PretrainingSpec,
  cacheDir: string,
  onStart: (what: string) => void,
  signal?: AbortSignal,
): Promise<Map<InitKind, PretrainedEncoder>> {
  const out = new Map<InitKind, PretrainedEncoder>();
  const needed = new Set(spec.inits.flatMap((i) => (i.startsWith('supervised+') ? ['supervised', i] : [i])));
  const order: Exclude<InitKind, 'scratch'>[] = [
    'supervised',
    'simclr',
    'moco',
    'supervised+simclr',
    'supervised+moco',
  ];
  for (const init of order) {
    if (!needed.has(init)) continue;
    const [first, second] = init.split('+');
    const parent = second ? out.get(first as InitKind)! : null;
    const loss = (second ?? (first === 'supervised' ? 'ce' : first)) as LossKind;
    const input = pretrainConfig(spec, loss, parent ? parent.checkpoint : null);
    // The hash leaves out where the parent lives, and names the parent by its own hash instead.
    const resolved = resolveRunConfig(input);
    const hash = configHash({ ...resolved, init: parent ? parent.hash : null })
      .replace(/^sha256:/, '')
      .slice(0, 16);
    const dir = path.join(cacheDir, `${init.replace('+', '-')}-${hash}`);
    const checkpoint = path.join(dir, 'checkpoints', 'last.safetensors');
    if (completed(dir) && fs.existsSync(checkpoint)) {
      out.set(init, { init, hash, checkpoint, seconds: 0, cached: true });
      continue;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    onStart(`pretraining ${init} (${hash})`);
    const started = Date.now();
    const summary = await train(input, { outDir: dir, signal, prefetch: 0, stepThread: 'main' });
    if (summary.status !== 'completed') throw new Error(`pretraining ${init} was stopped; nothing was kept`);
    out.set(init, { init, hash, checkpoint, seconds: (Date.now() - started) / 1000, cached: false });
  }
  return out;
}
