// Initialising a run from a pretrained checkpoint: the encoder's weights and BatchNorm statistics (every
// tensor of the model but the classifier head and the projection head) copied from another run's
// checkpoint, so the new run trains a fresh head (linear probe) or fine-tunes everything from there.
import * as fs from 'fs';
import { loadSafetensors } from '@nodulab/nn';
import type { Tensor } from '@nodulab/tensor';
import { ConfigError, RunConfig } from './config';
import type { TrainableNet } from './model';

/** The names of `net`'s encoder tensors (parameters and buffers outside the classifier and projection heads). */
export function encoderKeys(net: TrainableNet): string[] {
  const heads = new Set<Tensor>([
    ...net.head.parameters(),
    ...net.head.buffers(),
    ...(net.projector ? [...net.projector.parameters(), ...net.projector.buffers()] : []),
  ]);
  return [...net.model.namedParameters(), ...net.model.namedBuffers()].filter(([, t]) => !heads.has(t)).map(([k]) => k);
}

/** Throws a ConfigError naming `config.init.checkpoint` when it is set but no file is there. */
export function checkInit(config: RunConfig): void {
  const file = config.init?.checkpoint;
  if (file !== undefined && !fs.existsSync(file))
    throw new ConfigError([
      `init.checkpoint: ${file} does not exist (a pretrained checkpoint, e.g. runs/x/checkpoints/last.safetensors)`,
    ]);
}

/**
 * Copies the encoder of checkpoint `file` (any nodulab checkpoint of the same model kind and width, whatever
 * its head's classes or projection head) into `net`, leaving the heads as they were. Throws naming the file and
 * the key when a tensor is missing or its shape differs.
 */
export function loadEncoder(net: TrainableNet, file: string): void {
  let tensors: Record<string, Tensor>;
  try {
    tensors = loadSafetensors(file).tensors;
  } catch (e) {
    throw new Error(`init.checkpoint ${file}: ${(e as Error).message}`);
  }
  const state: Record<string, Tensor> = {};
  for (const k of encoderKeys(net)) {
    if (!tensors[k]) throw new Error(`init.checkpoint ${file}: no tensor "${k}" of the encoder (another model kind?)`);
    state[k] = tensors[k];
  }
  try {
    net.model.loadStateDict(state, { strict: false });
  } catch (e) {
    throw new Error(`init.checkpoint ${file}: ${(e as Error).message}`);
  }
}
