// MC-dropout (Gal & Ghahramani): N forward passes with the model's Dropout layers in training mode (every
// other layer, BatchNorm included, in eval mode), sample s keyed (stream 'mc', step s) so the samples are
// reproducible; the predictive mean and variance of the class probabilities per sample or per voxel.
import { Tensor, noGrad } from '@nodulab/tensor';
import { Dropout, Module, setDropoutStep } from '@nodulab/nn';
import { classProbabilities } from './probabilities';

/** Options of {@link mcDropoutPredict}. */
export interface McDropoutOptions {
  /** Forward passes (default 10). */
  samples?: number;
}

/** The MC-dropout predictive distribution: probabilities (N, K) or (N, K, D, H, W). */
export interface McDropoutPrediction {
  /** Mean over samples of softmax(logits) along the class axis. */
  mean: Tensor;
  /** Variance over samples (population, divided by N) of each class probability, shaped like `mean`. */
  variance: Tensor;
  samples: number;
}

/**
 * Runs `model` on x: (N, C, D, H, W) `samples` times with dropout on (the masks of sample s derive from
 * (layer seed, 'mc', s, layer), so the result repeats exactly) and returns the mean and variance of the class
 * probabilities. The model's modes are restored afterwards. Throws when the model has no Dropout layer or
 * `samples` is not an integer >= 2.
 */
export function mcDropoutPredict(model: Module, x: Tensor, options: McDropoutOptions = {}): McDropoutPrediction {
  const samples = options.samples ?? 10;
  if (!Number.isInteger(samples) || samples < 2)
    throw new Error(`mcDropoutPredict: samples must be an integer >= 2, got ${samples}`);
  const dropouts = model.namedModules().filter(([, m]) => m instanceof Dropout);
  if (dropouts.length === 0)
    throw new Error(
      `mcDropoutPredict: ${model.constructor.name} has no Dropout layer (e.g. UNet3D needs options.dropout > 0)`,
    );
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  let sum: Float64Array | null = null;
  let sumSq: Float64Array | null = null;
  let shape: number[] = [];
  try {
    model.eval();
    for (const [, d] of dropouts) d.train();
    for (let s = 0; s < samples; s++) {
      setDropoutStep(model, s, 'mc');
      const p = noGrad(() => classProbabilities(model.forward(x)));
      sum ??= new Float64Array(p.size);
      sumSq ??= new Float64Array(p.size);
      shape = [...p.shape];
      for (let i = 0; i < p.size; i++) {
        sum[i] += p.data[i];
        sumSq[i] += p.data[i] * p.data[i];
      }
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  const mean = new Float32Array(sum!.length);
  const variance = new Float32Array(sum!.length);
  for (let i = 0; i < mean.length; i++) {
    const m = sum![i] / samples;
    mean[i] = m;
    variance[i] = Math.max(0, sumSq![i] / samples - m * m);
  }
  return { mean: new Tensor(mean, shape), variance: new Tensor(variance, shape), samples };
}
