// Reorientation to RAS (LPS and permuted axes give back the RAS array exactly) and resampling (trilinear
// reproduces linear fields, sizes keep the field of view, nearest masks go back and forth).
import {
  Affine,
  fromRas,
  inverseMaps,
  rasReorientation,
  resampleLinear,
  resampleMaps,
  resampleNearest,
  toRas,
} from '../src';

const [D, H, W] = [3, 4, 5];
/** v[z][y][x] = 100 z + 10 y + x: every voxel says where it is. */
const ras = Float32Array.from({ length: D * H * W }, (_, i) => {
  const x = i % W;
  const y = Math.floor(i / W) % H;
  const z = Math.floor(i / (W * H));
  return 100 * z + 10 * y + x;
});
const at = (z: number, y: number, x: number) => ras[(z * H + y) * W + x];

describe('rasReorientation', () => {
  it('LPS: x and y stored reversed come back in RAS order; fromRas undoes it', () => {
    const lps = Float32Array.from({ length: ras.length }, (_, i) => {
      const x = i % W;
      const y = Math.floor(i / W) % H;
      const z = Math.floor(i / (W * H));
      return at(z, H - 1 - y, W - 1 - x);
    });
    const a: Affine = [
      [-0.7, 0, 0, 0],
      [0, -0.7, 0, 0],
      [0, 0, 1.25, 0],
      [0, 0, 0, 1],
    ];
    const r = rasReorientation([D, H, W], a);
    expect(r.orientation).toBe('LPS');
    expect(r.shape).toEqual([D, H, W]);
    expect(r.spacing).toEqual([1.25, 0.7, 0.7]);
    expect(Array.from(toRas(lps, r))).toEqual(Array.from(ras));
    expect(
      Array.from(
        fromRas(
          Uint8Array.from(toRas(lps, r), (v) => v % 256),
          r,
        ),
      ),
    ).toEqual(Array.from(lps, (v) => v % 256));
  });

  it('permuted axes (i → S, j → R, k → A) are transposed into RAS with their spacings', () => {
    // Stored (D', H', W') = (H, W, D): file voxel (i, j, k) holds RAS voxel (x = j, y = k, z = i).
    const stored = new Float32Array(ras.length);
    for (let k = 0; k < H; k++)
      for (let j = 0; j < W; j++) for (let i = 0; i < D; i++) stored[(k * W + j) * D + i] = at(i, k, j);
    const a: Affine = [
      [0, 0.5, 0, 0],
      [0, 0, 0.6, 0],
      [2, 0, 0, 0],
      [0, 0, 0, 1],
    ];
    const r = rasReorientation([H, W, D], a);
    expect(r.orientation).toBe('SRA');
    expect(r.shape).toEqual([D, H, W]);
    expect(r.spacing).toEqual([2, 0.6, 0.5]);
    expect(Array.from(toRas(stored, r))).toEqual(Array.from(ras));
  });
});

describe('resampling', () => {
  it.each<[number[], number[], number[], number[]]>([
    // shape, spacing, target, expected size
    [
      [40, 48, 48],
      [1.25, 0.7, 0.7],
      [1, 1, 1],
      [50, 34, 34],
    ],
    [
      [32, 32, 32],
      [1, 1, 1],
      [1, 1, 1],
      [32, 32, 32],
    ],
    [
      [10, 8, 8],
      [2, 1.0004, 1],
      [1, 1, 1],
      [20, 8, 8],
    ],
  ])('%j at %j mm to %j mm has size %j', (shape, spacing, target, size) => {
    expect(resampleMaps(shape, spacing, target).map((m) => m.size)).toEqual(size);
  });

  it('equal spacing is the identity; trilinear reproduces a linear field at the resampled centres', () => {
    expect(Array.from(resampleLinear(ras, [D, H, W], resampleMaps([D, H, W], [1, 1, 1], [1, 1, 1])))).toEqual(
      Array.from(ras),
    );
    // Source voxel centres at z·1.25 mm etc.; f = 100 z + 10 y + x is linear in the index.
    const shape = [8, 10, 12];
    const spacing = [1.25, 0.7, 0.7];
    const v = Float32Array.from({ length: 8 * 10 * 12 }, (_, i) => {
      const x = i % 12;
      const y = Math.floor(i / 12) % 10;
      const z = Math.floor(i / 120);
      return 100 * z + 10 * y + x;
    });
    const maps = resampleMaps(shape, spacing, [1, 1, 1]);
    const out = resampleLinear(v, shape, maps);
    const [mz, my, mx] = maps;
    let worst = 0;
    for (let z = 0; z < mz.size; z++)
      for (let y = 0; y < my.size; y++)
        for (let x = 0; x < mx.size; x++) {
          const c = (k: number, m: typeof mz, n: number) => Math.min(n - 1, Math.max(0, m.offset + k * m.scale));
          const want = 100 * c(z, mz, 8) + 10 * c(y, my, 10) + c(x, mx, 12);
          worst = Math.max(worst, Math.abs(out[(z * my.size + y) * mx.size + x] - want));
        }
    expect(worst).toBeLessThan(1e-3);
    // The field of view stays centred: the middle of the output samples the middle of the source.
    expect(mz.offset + ((mz.size - 1) / 2) * mz.scale).toBeCloseTo(3.5, 10);
  });

  it('nearest: a mask upsampled by 2 and brought back is unchanged', () => {
    const mask = Uint8Array.from({ length: 4 * 6 * 6 }, (_, i) => (i * 7) % 3);
    const maps = resampleMaps([4, 6, 6], [2, 2, 2], [1, 1, 1]);
    const up = resampleNearest(mask, [4, 6, 6], maps);
    expect(up.length).toBe(8 * 12 * 12);
    expect(Array.from(resampleNearest(up, [8, 12, 12], inverseMaps(maps, [4, 6, 6])))).toEqual(Array.from(mask));
  });
});
