// The one input path of every predictor: one volume or a batch, as a Float32Array, a {data, shape} or
// a Tensor, becomes the network input x: (N,C,D,H,W), checked against the model's channels and size
// and, for raw HU input, normalized with the model's intensity window.
import { Tensor } from '@nodulab/tensor';
import { applyWindow } from '@nodulab/data';
import type { ModelInfo, Normalization } from './model_info';

/** The part of a {@link ModelInfo} that says what input the model takes. */
export type InputInfo = Pick<ModelInfo, 'inputChannels' | 'inputSize' | 'normalization'>;

/**
 * One volume or a batch: a Float32Array of exactly C·D·H·W values (one volume), or data with a shape
 * (D,H,W) (one channel), (C,D,H,W) or (N,C,D,H,W), or a Tensor of one of those shapes.
 */
export type VolumeInput = Float32Array | Tensor | { data: ArrayLike<number>; shape: readonly number[] };

/**
 * The units of the input values: 'HU' (raw intensities: the model's normalization, e.g. its
 * window, is applied) or 'normalized' (already in network units, e.g. a generated volume in [0, 1]).
 */
export type InputUnits = 'HU' | 'normalized';

/** Maps raw intensities to network input in place, as the model's metadata says. */
export function normalizeInPlace(data: Float32Array, n: Normalization): void {
  if (n.type === 'window') applyWindow(data, n);
}

function describe(meta: InputInfo): string {
  return `(${meta.inputChannels}, ${meta.inputSize.join(', ')})`;
}

/** Splits one input into volumes of C·D·H·W values each, checking its shape. */
function volumesOf(input: VolumeInput, index: string, meta: InputInfo): ArrayLike<number>[] {
  const C = meta.inputChannels;
  const [D, H, W] = meta.inputSize;
  const per = C * D * H * W;
  const expected = `the model expects volumes ${describe(meta)} (C, D, H, W)`;
  if (input instanceof Float32Array) {
    if (input.length !== per)
      throw new Error(`predict: input${index} has ${input.length} values; ${expected} = ${per} values`);
    return [input];
  }
  const shape = input instanceof Tensor ? input.shape : input?.shape;
  const data = input instanceof Tensor ? input.data : input?.data;
  if (!Array.isArray(shape) || !data || typeof data.length !== 'number') {
    throw new Error(`predict: input${index} must be a Float32Array, a Tensor or { data, shape }`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 1) || size !== data.length) {
    throw new Error(`predict: input${index} shape [${shape.join(', ')}] does not match its ${data.length} values`);
  }
  let n = 1;
  let dims: number[];
  if (shape.length === 3) dims = [1, ...shape];
  else if (shape.length === 4) dims = [...shape];
  else if (shape.length === 5) [n, ...dims] = shape;
  else throw new Error(`predict: input${index} has shape [${shape.join(', ')}]; use (D,H,W), (C,D,H,W) or (N,C,D,H,W)`);
  if (dims[0] !== C) {
    throw new Error(
      `predict: input${index} has ${dims[0]} channel${dims[0] === 1 ? '' : 's'} (shape [${shape.join(', ')}]) but ${expected}`,
    );
  }
  if (dims[1] !== D || dims[2] !== H || dims[3] !== W) {
    throw new Error(
      `predict: input${index} volume size (${dims.slice(1).join(', ')}) differs from the model's input size (${D}, ${H}, ${W}) (shape [${shape.join(', ')}]); resample or crop the volume`,
    );
  }
  const out: ArrayLike<number>[] = [];
  for (let k = 0; k < n; k++)
    out.push(
      data instanceof Float32Array
        ? data.subarray(k * per, (k + 1) * per)
        : Array.prototype.slice.call(data, k * per, (k + 1) * per),
    );
  return out;
}

/**
 * The network input batch x: (N,C,D,H,W) as one Float32Array (a copy), normalized unless `units` is
 * 'normalized'. Throws on a wrong channel count or volume size, an empty batch or a non-finite value.
 */
export function prepareBatch(
  input: VolumeInput | readonly VolumeInput[],
  meta: InputInfo,
  units: InputUnits = 'HU',
): { data: Float32Array; n: number } {
  if (units !== 'HU' && units !== 'normalized')
    throw new Error(`predict: units must be 'HU' or 'normalized', got ${JSON.stringify(units)}`);
  const items = Array.isArray(input) ? input : [input as VolumeInput];
  const volumes = items.flatMap((it, i) => volumesOf(it, Array.isArray(input) ? `[${i}]` : '', meta));
  if (volumes.length === 0) throw new Error('predict: no volumes given');
  const per = volumes[0].length;
  const data = new Float32Array(volumes.length * per);
  volumes.forEach((v, k) => data.set(v, k * per));
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new Error(`predict: volume ${Math.floor(i / per)} has a non-finite value (${data[i]}) at voxel ${i % per}`);
  }
  if (units === 'HU') normalizeInPlace(data, meta.normalization);
  return { data, n: volumes.length };
}
