// Resampling of a volume (D, H, W) to another voxel size over the same field of view (centred):
// trilinear for images, nearest for label masks; each axis maps output index k to source k·scale + offset.
// The output grid is bounded by the input limits (maxVoxels), checked before anything is allocated.
import { InputLimits, inputLimits, voxelLimitError } from '../formats/input_limits';
import { trilinearAt } from './trilinear';

/** One axis of a resampling: output `size` voxels; output voxel k samples source index offset + k·scale. */
export interface AxisMap {
  size: number;
  scale: number;
  offset: number;
}

/** Options of {@link resampleMaps}. */
export interface ResampleOptions {
  /** The input's name in errors, e.g. its file (default "resampleMaps"). */
  name?: string;
  /** maxVoxels bounds the output grid (see `inputLimits`: these, else the environment). */
  limits?: Partial<InputLimits>;
}

/**
 * The (z, y, x) axis maps from a grid of `shape` at `spacing` mm to `target` mm, centred on the same
 * field of view: size round(n·s/t) (at least 1). An axis whose spacing is within 0.1% of the target
 * is left as it is (scale 1, offset 0), so float32 rounding of a header never interpolates. A grid of more
 * than `maxVoxels` throws, naming `options.name` and the voxels it would need (a one-voxel scan whose header
 * claims 2 m voxels must not ask for gigabytes).
 */
export function resampleMaps(
  shape: readonly number[],
  spacing: readonly number[],
  target: readonly number[],
  options: ResampleOptions = {},
): AxisMap[] {
  const maps = [0, 1, 2].map((k) => {
    const n = shape[k];
    const s = spacing[k];
    const t = target[k];
    if (Math.abs(s - t) <= 1e-3 * t) return { size: n, scale: 1, offset: 0 };
    const size = Math.max(1, Math.round((n * s) / t));
    const scale = t / s;
    return { size, scale, offset: (n - 1) / 2 - ((size - 1) / 2) * scale };
  });
  const from = `resampled from (${shape.join('×')}) voxels of (${spacing.join(', ')}) mm to (${target.join(', ')}) mm`;
  const over = voxelLimitError(
    maps.map((m) => m.size),
    inputLimits(options.limits),
    `${from}, the grid`,
  );
  if (over !== null) throw new Error(`${options.name ?? 'resampleMaps'}: ${over}`);
  return maps;
}

/** The maps back from the resampled grid to the source grid of `shape` (inverse of `maps`). */
export function inverseMaps(maps: readonly AxisMap[], shape: readonly number[]): AxisMap[] {
  return maps.map((m, k) => ({ size: shape[k], scale: 1 / m.scale, offset: -m.offset / m.scale }));
}

/** True when every map keeps its axis as it is. */
export function isIdentity(maps: readonly AxisMap[]): boolean {
  return maps.every((m) => m.scale === 1 && m.offset === 0);
}

const clamp = (x: number, n: number) => Math.min(n - 1, Math.max(0, x));

/** v: (D, H, W) trilinearly resampled through `maps`: a new (maps sizes) volume, x fastest. */
export function resampleLinear(v: Float32Array, shape: readonly number[], maps: readonly AxisMap[]): Float32Array {
  const [D, H, W] = shape;
  const [mz, my, mx] = maps;
  if (isIdentity(maps)) return Float32Array.from(v);
  const out = new Float32Array(mz.size * my.size * mx.size);
  const xs = Float64Array.from({ length: mx.size }, (_, k) => clamp(mx.offset + k * mx.scale, W));
  let t = 0;
  for (let z = 0; z < mz.size; z++) {
    const sz = clamp(mz.offset + z * mz.scale, D);
    for (let y = 0; y < my.size; y++) {
      const sy = clamp(my.offset + y * my.scale, H);
      for (let x = 0; x < mx.size; x++) out[t++] = trilinearAt(v, D, H, W, sz, sy, xs[x]);
    }
  }
  return out;
}

/** v: (D, H, W) (e.g. a label mask) resampled through `maps` by the nearest voxel: a new Uint8Array. */
export function resampleNearest(v: ArrayLike<number>, shape: readonly number[], maps: readonly AxisMap[]): Uint8Array {
  const [D, H, W] = shape;
  const near = (m: AxisMap, n: number) =>
    Int32Array.from({ length: m.size }, (_, k) => clamp(Math.round(m.offset + k * m.scale), n));
  const iz = near(maps[0], D);
  const iy = near(maps[1], H);
  const ix = near(maps[2], W);
  const out = new Uint8Array(iz.length * iy.length * ix.length);
  let t = 0;
  for (const z of iz) for (const y of iy) for (const x of ix) out[t++] = v[(z * H + y) * W + x];
  return out;
}
