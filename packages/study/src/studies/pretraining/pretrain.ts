// The pretrained encoders of the pretraining-robustness study: supervised on the composition source task,
// SimCLR and MoCo v2 on the same (unlabelled) volumes, and SimCLR or MoCo started from the supervised encoder.
// Each is one run whose folder is named by the hash of its resolved config (and its parent's), so a study with
// the same settings reuses it instead of training it again. The run seed (initialisation, augmentations, batch
// order) is the study seed when each seed pretrains its own encoders, else 0 for one set shared by the seeds;
// the source data is one fixed draw either way, as a public pretraining set would be.
import * as fs from 'fs';
import * as path from 'path';
import { configHash } from '@nodulab/platform';
import { preset } from '@nodulab/data';
import { Dataset } from '@nodulab/data';
import { LossKind, RunConfigInput, RunSummary, openSource, resolveRunConfig, runPaths, train } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';
import type { InitKind, PretrainingSpec } from './spec';

/** A pretrained encoder: the checkpoint a target run's `init` points at. */
export interface PretrainedEncoder {
  init: Exclude<InitKind, 'scratch'>;
  /** Its run seed. */
  seed: number;
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

/** The source-task training and validation sets, generated once and shared by every pretraining run. */
export function sourceDatasets(spec: PretrainingSpec): { train: Dataset; val: Dataset } {
  const data = resolveRunConfig(pretrainConfig(spec, 'ce', null, 0)).data;
  return { train: openSource(data, 'train'), val: openSource(data, 'val') };
}

/** The run config of one pretraining stage (`parent`: the checkpoint it starts from). */
function pretrainConfig(spec: PretrainingSpec, loss: LossKind, parent: string | null, seed: number): RunConfigInput {
  return deepMerge(spec.config as Record<string, unknown>, {
    name: `pretrain-${loss}`,
    loss,
    seed,
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

/** Whether `dir` holds a completed run. */
function completed(dir: string): boolean {
  const file = runPaths(dir).summary;
  if (!fs.existsSync(file)) return false;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as RunSummary).status === 'completed';
}

/** The pretraining run seed of study seed `seed`: itself when each seed pretrains, else 0 (shared). */
export function pretrainSeed(spec: PretrainingSpec, seed: number): number {
  return spec.pretrainPerSeed ? seed : 0;
}

/**
 * Trains (or finds in `cacheDir`) the encoders `inits` need with run seed `seed`, parents first:
 * 'supervised+simclr' needs 'supervised'. A cached folder holds a completed run of the same config; an
 * incomplete one is replaced. `sources` (default: {@link sourceDatasets}, made when first needed) are the
 * source-task volumes every run reads.
 */
export async function pretrainEncoders(
  spec: PretrainingSpec,
  cacheDir: string,
  seed: number,
  onStart: (what: string) => void,
  signal?: AbortSignal,
  sources?: { train: Dataset; val: Dataset },
): Promise<Map<InitKind, PretrainedEncoder>> {
  let shared = sources;
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
    const input = pretrainConfig(spec, loss, parent ? parent.checkpoint : null, seed);
    // The hash leaves out where the parent lives, and names the parent by its own hash instead.
    const resolved = resolveRunConfig(input);
    const hash = configHash({ ...resolved, init: parent ? parent.hash : null })
      .replace(/^sha256:/, '')
      .slice(0, 16);
    const dir = path.join(cacheDir, `${init.replace('+', '-')}-${hash}`);
    const checkpoint = path.join(dir, 'checkpoints', 'last.safetensors');
    if (completed(dir) && fs.existsSync(checkpoint)) {
      out.set(init, { init, seed, hash, checkpoint, seconds: 0, cached: true });
      continue;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    onStart(`pretraining ${init} seed ${seed} (${hash})`);
    const started = Date.now();
    shared ??= sourceDatasets(spec);
    const summary = await train(input, { outDir: dir, signal, prefetch: 0, stepThread: 'main', sources: shared });
    if (summary.status !== 'completed') throw new Error(`pretraining ${init} was stopped; nothing was kept`);
    out.set(init, { init, seed, hash, checkpoint, seconds: (Date.now() - started) / 1000, cached: false });
  }
  return out;
}
