// MC-dropout (Gal & Ghahramani): N forward passes with the model's Dropout layers in training mode (every
// other layer, BatchNorm included, in eval mode), sample s keyed (stream 'mc', step s) so the samples are
// reproducible; the predictive mean and variance of the class probabilities per sample or per voxel.
import { Tensor } from '@nodulab/tensor';
import { Dropout, Module, setDropoutStep } from '@nodulab/nn';
import { PredictiveMoments, predictiveMoments } from './ensemble';

/** Options of {@link mcDropoutPredict}. */
export interface McDropoutOptions {
  /** Forward passes (default 10). */
  samples?: number;
}

/** The MC-dropout predictive distribution: probabilities (N, K) or (N, K, D, H, W), over `samples` passes. */
export type McDropoutPrediction = PredictiveMoments;

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
  try {
    model.eval();
    for (const [, d] of dropouts) d.train();
    return predictiveMoments(samples, (s) => {
      setDropoutStep(model, s, 'mc');
      return model.forward(x);
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}
