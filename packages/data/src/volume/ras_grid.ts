// A scan with its geometry (any size, voxel size and orientation, as read from NIfTI or DICOM) brought onto a
// RAS grid at a target spacing — MONAI's Orientation("RAS") then Spacing — the one path every scan takes into
// a model or a dataset item.
import { Affine, affineRows } from '../formats/nifti_affine';
import type { InputLimits } from '../formats/input_limits';
import { Reorientation, rasReorientation, toRas } from './reorient';
import { AxisMap, isIdentity, resampleLinear, resampleMaps } from './resample';

/**
 * One single-channel volume with its geometry, e.g. what `readVolume` returns: data (D, H, W) x fastest,
 * spacing (z, y, x) mm and optionally the voxel→world affine (RAS+ mm; default diag(x, y, z spacing), RAS).
 */
export interface GriddedVolume {
  data: ArrayLike<number>;
  shape: readonly number[];
  spacing: readonly number[];
  affine?: readonly (readonly number[])[];
}

/** A volume on a RAS grid at a target spacing, and how it got there; see {@link resampleToRas}. */
export interface RasGrid {
  /** The resampled RAS volume (D, H, W), x fastest, in the input's units. */
  data: Float32Array;
  shape: [number, number, number];
  /** The RAS grid's voxel size (z, y, x) mm: the target on resampled axes, the scan's own on the others. */
  spacing: [number, number, number];
  reorientation: Reorientation;
  maps: AxisMap[];
}

/**
 * Checks `volume` (naming it as `what`) and brings it onto the RAS grid at `spacing` (z, y, x) mm: reoriented
 * to RAS from its affine, then trilinearly resampled over the same (centred) field of view (see
 * {@link resampleMaps}: an axis within 0.1% of the target is kept). A resampled grid past `limits.maxVoxels`
 * (see `inputLimits`: these, else the environment) throws before it is allocated, naming `what`.
 *
 * @example
 * const grid = resampleToRas(readVolume('ct/series1'), [1, 1, 1], 'ct/series1'); // grid.data: (D, H, W) HU
 */
export function resampleToRas(
  volume: GriddedVolume,
  spacing: readonly number[],
  what = 'resampleToRas',
  limits: Partial<InputLimits> = {},
): RasGrid {
  const { data, shape } = volume;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1))
    throw new Error(
      `${what}: a volume with spacing needs shape (D, H, W) of 3 positive integers, got ${JSON.stringify(shape)}`,
    );
  if (!data || data.length !== shape[0] * shape[1] * shape[2])
    throw new Error(`${what}: shape [${shape.join(', ')}] does not match its ${data?.length} values`);
  const positive3 = (s: unknown) =>
    Array.isArray(s) && s.length === 3 && s.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!positive3(volume.spacing))
    throw new Error(`${what}: spacing must be 3 positive numbers (z, y, x) mm, got ${JSON.stringify(volume.spacing)}`);
  if (!positive3(spacing))
    throw new Error(
      `${what}: the target spacing must be 3 positive numbers (z, y, x) mm, got ${JSON.stringify(spacing)}`,
    );
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]))
      throw new Error(`${what}: the volume has a non-finite value (${data[i]}) at voxel ${i}`);
  const s = volume.spacing;
  const affine: Affine = volume.affine
    ? affineRows(volume.affine, what)
    : [
        [s[2], 0, 0, 0],
        [0, s[1], 0, 0],
        [0, 0, s[0], 0],
        [0, 0, 0, 1],
      ];
  const r = rasReorientation(shape, affine);
  const maps = resampleMaps(r.shape, r.spacing, spacing, { name: what, limits });
  const ras = toRas(data, r);
  const out = isIdentity(maps) ? ras : resampleLinear(ras, r.shape, maps); // toRas already gave a fresh array
  return {
    data: out,
    shape: [maps[0].size, maps[1].size, maps[2].size],
    spacing: [0, 1, 2].map((k) => (maps[k].scale === 1 ? r.spacing[k] : spacing[k])) as [number, number, number],
    reorientation: r,
    maps,
  };
}
