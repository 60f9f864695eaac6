// Spectral signatures of feature maps (for OOD detection): a layer's output for one sample, (C, D, H, W),
// read as the (D·H·W) × C matrix; its singular values s (the native svdvals kernel) become the signature
// log(s + floor), L2-normalised, with floor = 1e-5 × the largest singular value (at least 1e-10). The OOD score of
// a sample is the k-NN distance of its signature to the training set's signatures (spectralOodScores, KnnScorer).
// As in Karimi & Gholipour (IEEE TAI 2022) and its public re-implementations: the layer's output as the forward
// hook sees it (for a U-Net block, after its last ReLU), not centred, all min(C, D·H·W) singular values kept (a
// (D·H·W) < C map gives a shorter signature, not one padded), Euclidean distance, and k = 1 (the nearest training
// signature) as their OOD measure. One departure: their floor is an absolute 1e-10. In float32 a singular value
// below about 1e-6 of the largest is rounding noise (a ReLU-dead direction comes out as 0 in one volume and 8e-8 in
// the next), and its log (−23 against −16) then outweighed the whole spectrum after normalisation: k-NN distances
// measured that noise, and the study's positive control (uniform-noise volumes) went undetected.
import { Tensor, noGrad, svdvals } from '@nodulab/tensor';
import { Module, captureOutputs } from '@nodulab/nn';
import { KnnOptions, KnnScorer } from './ood';

/** The least floor added to each singular value before the log, so a zero singular value gives a finite log. */
export const SIGNATURE_EPS = 1e-10;

/**
 * The floor added to each singular value before the log, relative to the sample's largest: singular values below it
 * are float32 rounding noise and all read as the floor.
 */
export const SIGNATURE_RELATIVE_FLOOR = 1e-5;

/**
 * The spectral signature of each sample of a feature map (N, C, ...spatial): the singular values s of
 * the sample's (spatial) × C matrix (min(C, spatial) of them, descending), as log(s + floor) divided by its L2 norm,
 * floor = max(SIGNATURE_RELATIVE_FLOOR × s_max, SIGNATURE_EPS). Throws on a feature map with fewer than 3
 * dimensions or non-finite values.
 */
export function spectralSignatures(featureMap: Tensor): Float32Array[] {
  const what = 'spectralSignatures';
  if (featureMap.ndim < 3)
    throw new Error(`${what}: the feature map must be (N, C, ...spatial), got shape [${featureMap.shape.join(', ')}]`);
  const [N, C] = featureMap.shape;
  const spatial = featureMap.size / (N * C);
  // Sample n's block (C, spatial) is the transpose of its (spatial, C) matrix: the same singular values.
  const s = svdvals(new Tensor(featureMap.data, [N, C, spatial]));
  const k = s.shape[1];
  const out: Float32Array[] = [];
  for (let n = 0; n < N; n++) {
    const sig = new Float64Array(k);
    let largest = 0;
    for (let j = 0; j < k; j++) {
      const v = s.data[n * k + j];
      if (!Number.isFinite(v)) throw new Error(`${what}: sample ${n} of the feature map holds NaN or infinite values`);
      largest = Math.max(largest, v);
    }
    const floor = Math.max(SIGNATURE_RELATIVE_FLOOR * largest, SIGNATURE_EPS);
    let norm = 0;
    for (let j = 0; j < k; j++) {
      sig[j] = Math.log(s.data[n * k + j] + floor);
      norm += sig[j] * sig[j];
    }
    norm = Math.sqrt(norm);
    out.push(Float32Array.from(sig, (v) => (norm > 0 ? v / norm : 0)));
  }
  return out;
}

/** The dotted names of every layer of `model` that a forward hook can tap ("features.0", "bottleneck", ...). */
export function layerNames(model: Module): string[] {
  return model
    .namedModules()
    .map(([name]) => name)
    .filter((name) => name !== '');
}

/**
 * Spectral signatures ({@link spectralSignatures}) of layer `layer` of `model` for the batch x: runs
 * `model.forward(x)` in eval mode without gradients, tapping the layer with a forward hook, and restores
 * the model's training mode. Throws naming the model's layers when `layer` is not one of them.
 *
 * @example
 * const train = layerSignatures(unet, trainVolumes, 'bottleneck');
 */
export function layerSignatures(model: Module, x: Tensor, layer: string): Float32Array[] {
  return layersSignatures(model, x, [layer])[layer];
}

/**
 * Spectral signatures of several layers of `model` from one forward pass of the batch x (as {@link layerSignatures}
 * does for one): layer name -> one signature per sample. Throws naming the model's layers when one of `layers` is not
 * one of them.
 *
 * @example
 * const byLayer = layersSignatures(unet, volumes, ['encoders.1', 'bottleneck']);
 */
export function layersSignatures(model: Module, x: Tensor, layers: readonly string[]): Record<string, Float32Array[]> {
  const names = layerNames(model);
  const missing = layers.filter((l) => !names.includes(l));
  if (missing.length > 0)
    throw new Error(
      `layerSignatures: ${model.constructor.name} has no layer "${missing[0]}"; its layers: ${names.join(', ')}`,
    );
  const wasTraining = model.training;
  model.eval();
  try {
    const { outputs } = noGrad(() => captureOutputs(model, [...layers], () => model.forward(x)));
    return Object.fromEntries(layers.map((l) => [l, spectralSignatures(outputs[l])]));
  } finally {
    model.train(wasTraining);
  }
}

/**
 * OOD scores of test signatures: the k-NN distance ({@link KnnScorer}) of each to the training
 * signatures; higher = more out-of-distribution. Throws when k exceeds the number of training signatures.
 */
export function spectralOodScores(
  trainSignatures: readonly ArrayLike<number>[],
  testSignatures: readonly ArrayLike<number>[],
  options: KnnOptions = {},
): Float64Array {
  return new KnnScorer(trainSignatures, options).scoreAll(testSignatures);
}
