// Linear CKA: 1 on identical inputs, invariance to orthogonal transforms and isotropic scaling, values worked
// out by hand on constructed cases, agreement of the feature-space and Gram (HSIC) forms, and the CKA matrix.
import { Generator, randn } from '@nodulab/tensor';
import { ckaMatrix, linearCKA } from '../src';

type Rep = { data: Float64Array; shape: number[] };

const rep = (rows: number[][]): Rep => ({ data: Float64Array.from(rows.flat()), shape: [rows.length, rows[0].length] });

function random(n: number, p: number, seed: number): Rep {
  const t = randn([n, p], new Generator(seed));
  return { data: Float64Array.from(t.data), shape: [n, p] };
}

/** x (N,P) · m (P,Q). */
function times(x: Rep, m: Rep): Rep {
  const [n, p] = x.shape;
  const q = m.shape[1];
  const out = new Float64Array(n * q);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < p; k++) for (let j = 0; j < q; j++) out[i * q + j] += x.data[i * p + k] * m.data[k * q + j];
  return { data: out, shape: [n, q] };
}

/** A random P × P orthogonal matrix (Gram-Schmidt on Gaussian columns). */
function orthogonal(p: number, seed: number): Rep {
  const g = random(p, p, seed).data;
  const cols: number[][] = [];
  for (let j = 0; j < p; j++) {
    let v = Array.from({ length: p }, (_, i) => g[i * p + j]);
    for (const u of cols) {
      const d = u.reduce((s, x, i) => s + x * v[i], 0);
      v = v.map((x, i) => x - d * u[i]);
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    cols.push(v.map((x) => x / norm));
  }
  return { data: Float64Array.from({ length: p * p }, (_, k) => cols[k % p][Math.floor(k / p)]), shape: [p, p] };
}

const scale = (x: Rep, s: number): Rep => ({ data: x.data.map((v) => v * s), shape: x.shape });

describe('linearCKA', () => {
  const x = random(40, 6, 1);
  const y = random(40, 9, 2);

  it.each(['features', 'gram'] as const)('is 1 on identical inputs (%s)', (method) => {
    expect(linearCKA(x, x, { method })).toBeCloseTo(1, 12);
  });

  it('is invariant to orthogonal transforms and isotropic scaling, not to anisotropic scaling', () => {
    const base = linearCKA(x, y);
    expect(base).toBeGreaterThan(0.01);
    expect(base).toBeLessThan(0.99);
    expect(linearCKA(times(x, orthogonal(6, 3)), y)).toBeCloseTo(base, 12);
    expect(linearCKA(x, times(y, orthogonal(9, 4)))).toBeCloseTo(base, 12);
    expect(linearCKA(scale(x, 3.7), scale(y, 0.01))).toBeCloseTo(base, 12);
    expect(linearCKA(x, times(x, orthogonal(6, 5)))).toBeCloseTo(1, 12);
    const stretch = rep([
      [10, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    expect(linearCKA(x, times(x, stretch))).toBeLessThan(0.9);
  });

  it.each([
    // one feature each: CKA is the squared Pearson correlation; centred dot 4, squared norms 5 and 5 -> 0.8²
    ['squared correlation', rep([[1], [2], [3], [4]]), rep([[1], [3], [2], [4]]), 0.64],
    // orthogonal centred features share nothing
    ['orthogonal', rep([[1], [-1], [1], [-1]]), rep([[1], [1], [-1], [-1]]), 0],
    // y = [x, u] with u ⟂ x, |x|² = |u|² = 4: ‖yᵀx‖² = 16, ‖xᵀx‖ = 4, ‖yᵀy‖ = √32 -> 1/√2
    [
      'half the subspace',
      rep([[1], [-1], [1], [-1]]),
      rep([
        [1, 1],
        [-1, 1],
        [1, -1],
        [-1, -1],
      ]),
      Math.SQRT1_2,
    ],
  ])('%s', (_name, a, b, want) => {
    expect(linearCKA(a, b, { method: 'features' })).toBeCloseTo(want, 12);
    expect(linearCKA(a, b, { method: 'gram' })).toBeCloseTo(want, 12);
    expect(linearCKA(b, a)).toBeCloseTo(want, 12);
  });

  it('gives the same value in feature space and through centred Gram matrices (HSIC)', () => {
    expect(linearCKA(x, y, { method: 'gram' })).toBeCloseTo(linearCKA(x, y, { method: 'features' }), 12);
    // more features than samples: feature maps (N, C, D, H, W) are flattened
    const maps = randn([5, 2, 3, 3, 3], new Generator(7));
    const other = randn([5, 4], new Generator(8));
    expect(linearCKA(maps, other, { method: 'gram' })).toBeCloseTo(linearCKA(maps, other, { method: 'features' }), 10);
  });

  it('is NaN for a constant representation and names bad input', () => {
    expect(linearCKA(rep([[1], [1], [1]]), rep([[1], [2], [3]]))).toBeNaN();
    expect(() => linearCKA(x, random(39, 9, 2))).toThrow(/x has 40 samples but y has 39/);
    const bad = random(40, 9, 2);
    bad.data[13] = NaN;
    expect(() => linearCKA(x, bad)).toThrow(/linearCKA: y\[1\]\[4\] is NaN/);
    expect(() => linearCKA(rep([[1, 2]]), rep([[1]]))).toThrow(/x needs at least 2 samples/);
    expect(() => linearCKA(x, y, { method: 'rbf' as never })).toThrow(/method must be/);
  });
});

describe('ckaMatrix', () => {
  const layers = [random(30, 4, 11), random(30, 8, 12), random(30, 3, 13)];
  layers.push(times(layers[0], orthogonal(4, 14)));

  it('within a model: symmetric, ones on the diagonal, each entry linearCKA', () => {
    const m = ckaMatrix(layers);
    expect(m).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      expect(m[i][i]).toBeCloseTo(1, 12);
      for (let j = 0; j < 4; j++) {
        expect(m[i][j]).toBe(m[j][i]);
        expect(m[i][j]).toBeCloseTo(linearCKA(layers[i], layers[j]), 12);
      }
    }
    expect(m[0][3]).toBeCloseTo(1, 12); // a rotated copy
  });

  it('between two models: rows are the first model, columns the second', () => {
    const m = ckaMatrix(layers.slice(0, 2), layers.slice(1));
    expect(m.map((r) => r.length)).toEqual([3, 3]);
    expect(m[1][0]).toBeCloseTo(1, 12);
    expect(m[0][2]).toBeCloseTo(1, 12);
    expect(m[0][1]).toBeCloseTo(linearCKA(layers[0], layers[2]), 12);
    expect(() => ckaMatrix(layers, [random(29, 2, 1)])).toThrow(/layer 4 has 29 samples but layer 0 has 30/);
  });
});
