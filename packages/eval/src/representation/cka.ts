// Linear centred kernel alignment (Kornblith et al. 2019) between representations of the same samples, and
// the CKA matrix between the layers of one or two models.
import { Matrix, MatrixLike, centredMatrix, crossProduct, frobeniusDot, gram } from '@nodulab/tensor';

/** How linear CKA is computed: the same value either way, up to rounding. */
export type CkaMethod = 'features' | 'gram' | 'auto';

/** Options of {@link linearCKA} and {@link ckaMatrix}. */
export interface CkaOptions {
  /**
   * 'features': ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on centred X, Y (cost N·P·Q; for few features);
   * 'gram': ⟨K, L⟩_F / (‖K‖_F ‖L‖_F) with centred Gram matrices K = XXᵀ, L = YYᵀ, i.e. HSIC (cost N²·(P+Q); for
   * flattened feature maps with more features than samples); 'auto' (default) picks the cheaper.
   */
  method?: CkaMethod;
}

/** One centred representation and what CKA needs of it, computed once. */
interface Prepared {
  x: Matrix;
  /** The centred Gram matrix (gram method), or null. */
  k: Matrix | null;
  /** ‖XᵀX‖_F = ‖XXᵀ‖_F, the self-similarity norm. */
  norm: number;
}

function pick(method: CkaMethod, n: number, p: number): 'features' | 'gram' {
  if (method !== 'auto') return method;
  return p * p <= n * n ? 'features' : 'gram';
}

function prepare(what: string, name: string, x: MatrixLike, method: 'features' | 'gram'): Prepared {
  const m = centredMatrix(what, name, x);
  if (method === 'gram') {
    const k = gram(m);
    return { x: m, k, norm: Math.sqrt(frobeniusDot(k, k)) };
  }
  const c = crossProduct(m, m);
  return { x: m, k: null, norm: Math.sqrt(frobeniusDot(c, c)) };
}

function cka(a: Prepared, b: Prepared): number {
  if (a.norm === 0 || b.norm === 0) return NaN;
  let hsic: number;
  if (a.k && b.k) hsic = frobeniusDot(a.k, b.k);
  else {
    const c = crossProduct(b.x, a.x);
    hsic = frobeniusDot(c, c);
  }
  return hsic / (a.norm * b.norm);
}

function checkMethod(what: string, method: unknown): CkaMethod {
  if (method !== 'features' && method !== 'gram' && method !== 'auto')
    throw new Error(`${what}: method must be 'features', 'gram' or 'auto', got ${String(method)}`);
  return method;
}

/**
 * Linear CKA between two representations of the same N samples, x: (N, P) and y: (N, Q) (trailing dimensions
 * flattened; a Tensor or any { data, shape }). Columns are centred; the value is in [0, 1], 1 for x = y and
 * unchanged by an orthogonal transform or an isotropic scaling of either. NaN when either is constant over
 * the samples. Computed in float64.
 * @throws naming x or y when the sample counts differ, a value is not finite or a shape is malformed
 */
export function linearCKA(x: MatrixLike, y: MatrixLike, options: CkaOptions = {}): number {
  const what = 'linearCKA';
  const method = checkMethod(what, options.method ?? 'auto');
  if (x?.shape?.[0] !== y?.shape?.[0])
    throw new Error(
      `${what}: x has ${x?.shape?.[0]} samples but y has ${y?.shape?.[0]}; CKA compares the same samples`,
    );
  const n = x.shape[0];
  const px = x.shape.slice(1).reduce((p, d) => p * d, 1);
  const py = y.shape.slice(1).reduce((p, d) => p * d, 1);
  const m = pick(method, n, Math.max(px, py));
  return cka(prepare(what, 'x', x, m), prepare(what, 'y', y, m));
}

/**
 * The CKA matrix m[i][j] = linearCKA(a[i], b[j]) between the layers of one model (b omitted: a symmetric
 * matrix with ones on the diagonal) or of two models on the same samples. Each layer is centred once.
 * @param a layers (N, …) of the first model @param b layers (N, …) of the second, default a
 */
export function ckaMatrix(a: MatrixLike[], b?: MatrixLike[], options: CkaOptions = {}): number[][] {
  const what = 'ckaMatrix';
  const method = checkMethod(what, options.method ?? 'auto');
  const all = [...a, ...(b ?? [])];
  if (a.length === 0 || (b && b.length === 0)) throw new Error(`${what}: no layers`);
  const n = all[0]?.shape?.[0];
  all.forEach((x, i) => {
    if (x?.shape?.[0] !== n) throw new Error(`${what}: layer ${i} has ${x?.shape?.[0]} samples but layer 0 has ${n}`);
  });
  const widest = Math.max(...all.map((x) => x.shape.slice(1).reduce((p, d) => p * d, 1)));
  const m = pick(method, n, widest);
  const pa = a.map((x, i) => prepare(what, `a[${i}]`, x, m));
  const pb = b ? b.map((x, i) => prepare(what, `b[${i}]`, x, m)) : pa;
  const out = pa.map(() => new Array<number>(pb.length).fill(NaN));
  for (let i = 0; i < pa.length; i++) {
    for (let j = b ? 0 : i; j < pb.length; j++) {
      out[i][j] = cka(pa[i], pb[j]);
      if (!b) out[j][i] = out[i][j];
    }
  }
  return out;
}
