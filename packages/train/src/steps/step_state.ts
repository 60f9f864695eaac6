// What the step thread shares with the main thread: the model and every stage's objective state as named
// modules (one path for all of them: nn's shareModules / adoptModules), and one gradient buffer per model
// parameter, written by the thread after backward and read as `.grad` by the main thread's optimizer.
import { Tensor } from '@nodulab/tensor';
import type { Module } from '@nodulab/nn';
import type { TrainableNet } from '../model';
import type { StagePlan } from '../stages';

/**
 * The modules whose parameters and buffers the step thread shares, by name: the model as "model" and the state
 * an objective keeps between steps (`Objective.state`, e.g. MoCo's key encoder and queue) as
 * "stage <i> <objective>". The main thread and the thread build it alike, from the same config.
 */
export function stepModules(net: TrainableNet, stages: readonly StagePlan[]): Record<string, Module> {
  const modules: Record<string, Module> = { model: net.model };
  stages.forEach((s, i) => {
    if (s.objective.state) modules[`stage ${i} ${s.objective.name}`] = s.objective.state;
  });
  return modules;
}

/** The main thread's side of the gradients: one shared buffer per parameter, read as that parameter's `.grad`. */
export class SharedGradients {
  /** The buffers, in parameter order (for the step thread). */
  readonly buffers: SharedArrayBuffer[];
  private readonly tensors: Tensor[];

  constructor(private readonly params: readonly Tensor[]) {
    this.buffers = params.map((p) => new SharedArrayBuffer(p.data.byteLength));
    this.tensors = params.map((p, i) => new Tensor(new Float32Array(this.buffers[i]), p.shape));
  }

  /** Points each parameter's `.grad` at its buffer where the step wrote one (`hasGrad`), else sets it to null. */
  receive(hasGrad: readonly boolean[]): void {
    this.params.forEach((p, i) => (p.grad = hasGrad[i] ? this.tensors[i] : null));
  }
}

/**
 * The step thread's side: a function that copies each parameter's `.grad` into its shared buffer and says which
 * parameters had one (none after a non-finite loss, or for a frozen parameter).
 */
export function gradientWriter(params: readonly Tensor[], buffers: readonly SharedArrayBuffer[]): () => boolean[] {
  if (buffers.length !== params.length)
    throw new Error(`step thread: ${buffers.length} gradient buffers for ${params.length} parameters`);
  const views = buffers.map((b) => new Float32Array(b));
  return () =>
    params.map((p, i) => {
      if (!p.grad) return false;
      views[i].set(p.grad.data);
      return true;
    });
}
