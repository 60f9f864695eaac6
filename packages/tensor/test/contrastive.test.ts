// SupCon and NT-Xent: values against a float64 JS implementation of the definitions, gradients by
// finite differences (through the L2 normalization), no-anchor batches, NaN and clear errors.
import { Tensor, supConLoss, ntXentLoss, l2Normalize, randn, Generator, native, cat } from '../src';
import { gradientMismatches } from './gradcheck';

/** SupCon L_out in float64 from the definition, on rows normalized here. Returns [loss, anchors]. */
function supConReference(z: Tensor, labels: number[], tau: number): [number, number] {
  const [n, d] = z.shape;
  const rows = Array.from({ length: n }, (_, i) => {
    const r = Array.from(z.data.slice(i * d, (i + 1) * d));
    const norm = Math.sqrt(r.reduce((a, v) => a + v * v, 0));
    return r.map((v) => v / norm);
  });
  const s = (i: number, j: number) => rows[i].reduce((a, v, k) => a + v * rows[j][k], 0) / tau;
  let total = 0,
    anchors = 0;
  for (let i = 0; i < n; i++) {
    const pos = labels.map((l, j) => j).filter((j) => j !== i && labels[j] === labels[i]);
    if (pos.length === 0) continue;
    anchors++;
    let denom = 0;
    for (let j = 0; j < n; j++) if (j !== i) denom += Math.exp(s(i, j));
    total += -pos.reduce((a, p) => a + s(i, p) - Math.log(denom), 0) / pos.length;
  }
  return [anchors ? total / anchors : 0, anchors];
}

function close(got: number, want: number, tol = 1e-4): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
}

describe('supConLoss', () => {
  it.each([
    ['mixed labels with singletons', 7, 3, [0, 1, 0, 2, 1, 0, 5], 0.1],
    ['all one class', 6, 8, [4, 4, 4, 4, 4, 4], 0.1],
    ['larger batch', 40, 16, Array.from({ length: 40 }, (_, i) => (i * 7) % 9), 0.07],
    ['two rows, one pair', 2, 5, [1, 1], 0.5],
  ])('matches the definition: %s', (_name, n, d, labels, tau) => {
    const z = randn([n as number, d as number], new Generator(n as number));
    const [want, anchors] = supConReference(z, labels as number[], tau as number);
    close(supConLoss(z, labels as number[], { temperature: tau as number }).item(), want);
    const zn = l2Normalize(z);
    for (const backend of ['cpu', 'ref'] as const) {
      const r = native.supConLoss(
        zn.data,
        n as number,
        d as number,
        Int32Array.from(labels as number[]),
        tau as number,
        backend,
      );
      expect(r.anchors).toBe(anchors);
      close(r.loss, want);
    }
  });

  it("does not depend on the embeddings' scale (rows are normalized first)", () => {
    const z = randn([6, 4], new Generator(2));
    const z3 = new Tensor(
      z.data.map((v) => 3 * v),
      z.shape,
    );
    close(supConLoss(z3, [0, 0, 1, 1, 2, 2]).item(), supConLoss(z, [0, 0, 1, 1, 2, 2]).item(), 1e-6);
  });

  it('gives 0 anchors, loss 0 and a zero gradient when every anchor is a singleton', () => {
    const z = randn([5, 3], new Generator(4), { requiresGrad: true });
    const labels = new Int32Array([0, 1, 2, 3, 4]);
    const r = native.supConLoss(l2Normalize(z).data, 5, 3, labels, 0.1);
    expect(r.anchors).toBe(0);
    expect(r.loss).toBe(0);
    expect(Array.from(r.grad).every((v) => v === 0)).toBe(true);
    const loss = supConLoss(z, labels);
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(Array.from(z.grad!.data).every((v) => v === 0)).toBe(true);
  });

  it('returns NaN for NaN embeddings without crashing', () => {
    const z = randn([4, 3], new Generator(6));
    z.data[2] = NaN;
    expect(Number.isNaN(supConLoss(z, [0, 0, 1, 1]).item())).toBe(true);
  });

  it.each([
    [() => supConLoss(Tensor.zeros([3, 2]), [0, 1]), /supConLoss: labels has 2 entries but the input has 3 rows/],
    [
      () => supConLoss(Tensor.zeros([3, 2]), [0, 1, 2], { temperature: 0 }),
      /temperature must be a finite number > 0, got 0/,
    ],
    [() => supConLoss(Tensor.zeros([3]), [0, 1, 2]), /z must be a non-empty 2-D \(N, D\) tensor/],
    [() => supConLoss(Tensor.zeros([2, 2]), [0, 1.5]), /labels\[1\] = 1.5 is not a 32-bit integer/],
    [
      () => native.supConLoss(new Float32Array(6), 3, 3, new Int32Array(3), 0.1),
      /SupConLoss: z has 6 elements but shape \[3, 3\] needs 9/,
    ],
    [
      () => native.supConLoss(new Float32Array(6), 3, 2, new Int32Array(2), 0.1),
      /labels has 2 elements but z has 3 rows/,
    ],
    [() => native.supConLoss(new Float32Array(6), 3, 2, new Int32Array(3), -1), /temperature must be > 0/],
    [
      () => native.supConLoss(new Float32Array(6), 3, 2, [0, 1, 2] as unknown as Int32Array, 0.1),
      /labels must be an Int32Array/,
    ],
    [() => native.supConLoss(new Float32Array(0), 0, 2, new Int32Array(0), 0.1), /n must be a positive integer/],
  ])('rejects bad input clearly (%#)', (f, message) => {
    expect(f).toThrow(message);
  });
});

describe('ntXentLoss', () => {
  /** NT-Xent in float64, written out: loss_i = -log(exp(s_i,pair) / sum_{j != i} exp(s_ij)) over 2N views. */
  function ntXentReference(z1: Tensor, z2: Tensor, tau: number): number {
    const both = cat([z1, z2], 0);
    const n = z1.shape[0];
    return supConReference(
      both,
      Array.from({ length: 2 * n }, (_, i) => i % n),
      tau,
    )[0];
  }

  it('equals SupCon with paired labels and matches the definition', () => {
    const g = new Generator(12);
    const z1 = randn([5, 8], g),
      z2 = randn([5, 8], g);
    const loss = ntXentLoss(z1, z2).item();
    close(loss, ntXentReference(z1, z2, 0.07));
    close(loss, supConLoss(cat([z1, z2], 0), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], { temperature: 0.07 }).item(), 1e-6);
  });

  it('is lower when the two views agree (z1 == z2) than for a random z2', () => {
    const g = new Generator(13);
    const n = 6,
      tau = 0.5;
    const z1 = randn([n, 4], g),
      z2 = randn([n, 4], g);
    const same = ntXentLoss(z1, z1, { temperature: tau }).item();
    // z1 == z2: s_pair = 1/tau for every view, so loss = mean_i [log sum_{j != i} exp(s_ij) - 1/tau].
    close(same, ntXentReference(z1, z1, tau));
    expect(same).toBeLessThan(ntXentLoss(z1, z2, { temperature: tau }).item());
  });

  it('rejects mismatched views', () => {
    expect(() => ntXentLoss(Tensor.zeros([3, 2]), Tensor.zeros([3, 3]))).toThrow(
      /ntXentLoss: z1 shape \[3, 2\] does not match z2 shape \[3, 3\]/,
    );
    expect(() => ntXentLoss(Tensor.zeros([3, 2]), Tensor.zeros([3, 2]), { temperature: NaN })).toThrow(
      /temperature must be a finite number > 0/,
    );
  });
});

describe('SupCon and NT-Xent gradients match finite differences', () => {
  it.each([
    ['SupCon, mixed labels', 0.1],
    ['SupCon, all one class', 0.5],
  ])('%s (through the normalization)', (name, tau) => {
    const z = randn([7, 4], new Generator(21), { requiresGrad: true });
    const labels = name.includes('mixed') ? [0, 1, 0, 2, 1, 0, 9] : [3, 3, 3, 3, 3, 3, 3];
    expect(gradientMismatches('supConLoss', [z], () => supConLoss(z, labels, { temperature: tau as number }))).toEqual(
      [],
    );
  });

  it('NT-Xent, both views', () => {
    const g = new Generator(22);
    const z1 = randn([4, 5], g, { requiresGrad: true }),
      z2 = randn([4, 5], g, { requiresGrad: true });
    expect(gradientMismatches('ntXentLoss', [z1, z2], () => ntXentLoss(z1, z2, { temperature: 0.2 }))).toEqual([]);
  });
});
