// A volume with its geometry (a scan as read from NIfTI: any size, voxel size and orientation) brought
// onto a model's grid — reoriented to RAS, resampled to the model's spacing — and a mask brought back.
import {
  Affine,
  AxisMap,
  InputLimits,
  Reorientation,
  affineRows,
  fromRas,
  inverseMaps,
  isIdentity,
  rasReorientation,
  resampleLinear,
  resampleMaps,
  resampleNearest,
  toRas,
} from '@nodulab/data';
import type { ModelInfo } from './model_info';

/**
 * One single-channel volume with its geometry, e.g. what `readNifti` returns: data (D, H, W) x fastest,
 * spacing (z, y, x) mm and optionally the voxel→world affine (RAS+ mm; default diag(x, y, z spacing), RAS).
 */
export interface GriddedVolume {
  data: ArrayLike<number>;
  shape: readonly number[];
  spacing: readonly number[];
  affine?: readonly (readonly number[])[];
}

/** What was done to a volume to fit the model: reported by `predictVolume` and `nodulab infer --json`. */
export interface VolumeGeometry {
  /** The volume as given: (D, H, W), spacing (z, y, x) mm and orientation (axis codes, e.g. "LPS"). */
  originalShape: [number, number, number];
  originalSpacing: [number, number, number];
  orientation: string;
  /** Whether axes were permuted or flipped to reach RAS, nodulab's orientation. */
  reoriented: boolean;
  /** The volume on the model's grid: RAS, at the model's spacing (z, y, x) mm. */
  resampledShape: [number, number, number];
  resampledSpacing: [number, number, number];
  /** Whether resampling changed any axis (trilinear for the image, nearest for the mask back). */
  resampled: boolean;
  /** The model's input size (D, H, W). */
  inputSize: [number, number, number];
  /**
   * How the model grid met the input size: 'exact' (equal), 'center-crop-pad' (classification and
   * embedding: centred crop / pad around the volume centre) or 'sliding-window' (segmentation).
   */
  fit: 'exact' | 'center-crop-pad' | 'sliding-window';
  /** Model windows run (1 unless sliding-window over a larger volume). */
  windows: number;
}

/** A volume on the model's grid and how to get back; see {@link toModelGrid}. */
export interface ModelGrid {
  /** The resampled RAS volume (D, H, W), x fastest, in the input's units. */
  data: Float32Array;
  shape: [number, number, number];
  reorientation: Reorientation;
  maps: AxisMap[];
  geometry: Omit<VolumeGeometry, 'fit' | 'windows'>;
}

/** True for an input that carries its geometry (a `spacing`), i.e. a {@link GriddedVolume}. */
export function isGriddedVolume(x: unknown): x is GriddedVolume {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'spacing' in x && 'data' in x && 'shape' in x;
}

function triple(v: readonly number[]): [number, number, number] {
  return [v[0], v[1], v[2]];
}

/**
 * Checks `volume` (naming it as `what`) and brings it onto the model's grid: reoriented to RAS from its
 * affine, then trilinearly resampled to `info.spacing` over the same (centred) field of view. A resampled grid
 * past `limits.maxVoxels` (see @nodulab/data's `inputLimits`: these, else the environment) throws before it
 * is allocated, naming `what` and the voxels it would need.
 */
export function toModelGrid(
  volume: GriddedVolume,
  info: ModelInfo,
  what = 'predict',
  limits: Partial<InputLimits> = {},
): ModelGrid {
  const { data, shape, spacing } = volume;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1))
    throw new Error(
      `${what}: a volume with spacing needs shape (D, H, W) of 3 positive integers, got ${JSON.stringify(shape)}`,
    );
  if (!data || data.length !== shape[0] * shape[1] * shape[2])
    throw new Error(`${what}: shape [${shape.join(', ')}] does not match its ${data?.length} values`);
  if (!Array.isArray(spacing) || spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0))
    throw new Error(`${what}: spacing must be 3 positive numbers (z, y, x) mm, got ${JSON.stringify(spacing)}`);
  if (info.inputChannels !== 1)
    throw new Error(`${what}: a volume with spacing is one channel but the model expects ${info.inputChannels}`);
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]))
      throw new Error(`${what}: the volume has a non-finite value (${data[i]}) at voxel ${i}`);
  const affine: Affine = volume.affine
    ? affineRows(volume.affine, what)
    : [
        [spacing[2], 0, 0, 0],
        [0, spacing[1], 0, 0],
        [0, 0, spacing[0], 0],
        [0, 0, 0, 1],
      ];
  const r = rasReorientation(shape, affine);
  const maps = resampleMaps(r.shape, r.spacing, info.spacing, { name: what, limits });
  const ras = toRas(data, r);
  const resampled = !isIdentity(maps);
  const out = resampled ? resampleLinear(ras, r.shape, maps) : ras; // toRas already gave a fresh array
  const outShape = triple(maps.map((m) => m.size));
  return {
    data: out,
    shape: outShape,
    reorientation: r,
    maps,
    geometry: {
      originalShape: triple(shape),
      originalSpacing: triple(spacing),
      orientation: r.orientation,
      reoriented: r.source.some((s, t) => s !== t),
      resampledShape: outShape,
      resampledSpacing: triple(
        resampled ? maps.map((m, k) => (m.scale === 1 ? r.spacing[k] : info.spacing[k])) : r.spacing,
      ),
      resampled,
      inputSize: triple(info.inputSize),
    },
  };
}

/** A mask (D, H, W) on the model grid brought back to the volume's own grid and voxel order (nearest). */
export function maskToOriginal(mask: Uint8Array, grid: ModelGrid): Uint8Array {
  const ras = resampleNearest(mask, grid.shape, inverseMaps(grid.maps, grid.reorientation.shape));
  return fromRas(ras, grid.reorientation);
}
