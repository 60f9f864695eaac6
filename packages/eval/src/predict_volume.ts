// predictVolume: one scan of any size, spacing and orientation through any model (a Predictor or an ONNX
// session): onto the model's grid, normalized, then centre crop/pad or sliding windows; masks come back
// on the scan's own grid.
import type { InputLimits } from '@nodulab/data';
import { Tensor } from '@nodulab/tensor';
import { InputUnits, normalizeInPlace } from './input';
import type { ModelInfo } from './model_info';
import { argmaxClasses, classProbabilities } from './probabilities';
import { SlidingWindowOptions, centerCropOrPad, slidingWindow } from './sliding_window';
import { GriddedVolume, VolumeGeometry, maskToOriginal, toModelGrid } from './volume_grid';

/** Options of {@link predictVolume}. */
export interface PredictVolumeOptions extends SlidingWindowOptions {
  /** 'HU' (default: the model's normalization is applied after resampling) or 'normalized'. */
  units?: InputUnits;
  /** The volume's name in errors, e.g. its file. */
  name?: string;
  /**
   * maxVoxels bounds the grid the volume is resampled to (@nodulab/data's `inputLimits`: these, else
   * `NODULAB_MAX_VOXELS`, else 2^28); a larger one is an error before it is allocated.
   */
  limits?: Partial<InputLimits>;
}

/** What {@link predictVolume} gives for one volume. */
export interface VolumePrediction {
  task: ModelInfo['task'];
  /**
   * Classification: logits (K); embedding: the embedding; segmentation: logits (K, D, H, W) on the model
   * grid (`geometry.resampledShape`), blended over the sliding windows.
   */
  logits: Float32Array;
  /** Softmax of the logits over classes (absent for embedding models). */
  probabilities?: Float32Array;
  /** Segmentation: the argmax mask on the volume's own grid (`geometry.originalShape`, its voxel order). */
  mask?: Uint8Array;
  geometry: VolumeGeometry;
}

/**
 * Predicts for one volume with its geometry (see {@link GriddedVolume}): reoriented to RAS, resampled
 * (trilinear) to the model's spacing, normalized, then classification and embedding models see a centred
 * crop / pad of the model's input size (padding: the volume's minimum), segmentation models see
 * overlapping windows blended with a Gaussian (see {@link slidingWindow}); the mask is resampled back
 * (nearest) to the volume's grid. `run` maps x: (n,1,D,H,W) in network units to the model's output.
 */
export async function predictVolume(
  run: (x: Tensor) => Promise<Tensor>,
  info: ModelInfo,
  volume: GriddedVolume,
  options: PredictVolumeOptions = {},
): Promise<VolumePrediction> {
  const units = options.units ?? 'HU';
  if (units !== 'HU' && units !== 'normalized')
    throw new Error(`predictVolume: units must be 'HU' or 'normalized', got ${JSON.stringify(units)}`);
  const what = options.name === undefined ? 'predictVolume' : `predictVolume ${options.name}`;
  const grid = toModelGrid(volume, info, what, options.limits);
  if (units === 'HU') normalizeInPlace(grid.data, info.normalization);
  let padValue = Infinity;
  for (const v of grid.data) if (v < padValue) padValue = v;
  const roi = info.inputSize;
  const exact = grid.shape.every((n, k) => n === roi[k]);
  if (info.task === 'segmentation') {
    const { output, channels, windows } = await slidingWindow(
      grid.data,
      grid.shape,
      roi,
      padValue,
      async (batch, n) => (await run(new Tensor(batch, [n, 1, ...roi]))).data,
      options,
    );
    const voxels = grid.data.length;
    const probabilities = classProbabilities(new Tensor(output, [1, channels, ...grid.shape])).data;
    const mask = maskToOriginal(argmaxClasses(probabilities, channels, voxels), grid);
    const fit = exact ? 'exact' : 'sliding-window';
    return { task: info.task, logits: output, probabilities, mask, geometry: { ...grid.geometry, fit, windows } };
  }
  const x = centerCropOrPad(grid.data, grid.shape, roi, padValue);
  const logits = (await run(new Tensor(x, [1, 1, ...roi]))).data;
  const geometry: VolumeGeometry = { ...grid.geometry, fit: exact ? 'exact' : 'center-crop-pad', windows: 1 };
  if (info.task === 'embedding' || info.task === 'localization') return { task: info.task, logits, geometry };
  const probabilities = classProbabilities(new Tensor(logits, [1, logits.length])).data;
  return { task: info.task, logits, probabilities, geometry };
}
