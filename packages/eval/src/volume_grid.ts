// A volume with its geometry (a scan as read from NIfTI: any size, voxel size and orientation) brought
// onto a model's grid — reoriented to RAS, resampled to the model's spacing — and a mask brought back.
import {
  AxisMap,
  GriddedVolume,
  InputLimits,
  Reorientation,
  fromRas,
  inverseMaps,
  isIdentity,
  resampleNearest,
  resampleToRas,
} from '@nodulab/data';
import type { ModelInfo } from './model_info';

export type { GriddedVolume };

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
 * Checks `volume` (naming it as `what`) and brings it onto the model's grid with @nodulab/data's
 * `resampleToRas`: reoriented to RAS from its affine, then trilinearly resampled to `info.spacing` over the same
 * (centred) field of view. A resampled grid past `limits.maxVoxels` (see @nodulab/data's `inputLimits`: these,
 * else the environment) throws before it is allocated, naming `what` and the voxels it would need.
 */
export function toModelGrid(
  volume: GriddedVolume,
  info: ModelInfo,
  what = 'predict',
  limits: Partial<InputLimits> = {},
): ModelGrid {
  if (info.inputChannels !== 1)
    throw new Error(`${what}: a volume with spacing is one channel but the model expects ${info.inputChannels}`);
  const g = resampleToRas(volume, info.spacing, what, limits);
  const r = g.reorientation;
  return {
    data: g.data,
    shape: g.shape,
    reorientation: r,
    maps: g.maps,
    geometry: {
      originalShape: triple(volume.shape),
      originalSpacing: triple(volume.spacing),
      orientation: r.orientation,
      reoriented: r.source.some((s, t) => s !== t),
      resampledShape: g.shape,
      resampledSpacing: g.spacing,
      resampled: !isIdentity(g.maps),
      inputSize: triple(info.inputSize),
    },
  };
}

/** A mask (D, H, W) on the model grid brought back to the volume's own grid and voxel order (nearest). */
export function maskToOriginal(mask: Uint8Array, grid: ModelGrid): Uint8Array {
  const ras = resampleNearest(mask, grid.shape, inverseMaps(grid.maps, grid.reorientation.shape));
  return fromRas(ras, grid.reorientation);
}
