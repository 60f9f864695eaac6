// InfoNCE against a queue (MoCo): values against a float64 implementation of the definition, gradients by
// finite differences (through the L2 normalization), and clear errors.
import { Tensor, infoNceLoss, l2Normalize, randn, Generator } from '../src';
import { gradientMismatches } from './gradcheck';

/** The loss in float64 from the definition: q and k normalized here, the queue's rows as given. */
function reference(q: Tensor, k: Tensor, queue: Tensor, tau: number): number {
  const [n, d] = q.shape;
  const row = (t: Tensor, i: number, normalize: boolean) => {
    const r = Array.from(t.data.slice(i * d, (i + 1) * d));
    const norm = normalize ? Math.sqrt(r.reduce((a, v) => a + v * v, 0)) : 1;
    return r.map((v) => v / norm);
  };
  const dot = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j], 0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const qi = row(q, i, true);
    const logits = [
      dot(qi, row(k, i, true)),
      ...Array.from({ length: queue.shape[0] }, (_, j) => dot(qi, row(queue, j, false))),
    ].map((v) => v / tau);
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - logits[0];
  }
  return total / n;
}

describe('infoNceLoss', () => {
  it.each([
    ['small queue', 4, 3, 5, 0.2],
    ['queue of one', 3, 6, 1, 0.5],
    ['larger', 16, 8, 64, 0.07],
  ])('matches the definition: %s', (_name, n, d, kq, tau) => {
    const g = new Generator(n + d + kq);
    const q = randn([n, d], g);
    const k = randn([n, d], g);
    const queue = l2Normalize(randn([kq, d], g));
    const got = infoNceLoss(q, k, queue, { temperature: tau }).item();
    const want = reference(q, k, queue, tau);
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want)));
  });

  it('is low when each query matches its key and not the queue, high when it matches a negative', () => {
    const e = (i: number) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0));
    const q = Tensor.from([...e(0), ...e(1)], [2, 4]);
    const queue = Tensor.from([...e(2), ...e(3)], [2, 4]);
    expect(infoNceLoss(q, q, queue, { temperature: 0.1 }).item()).toBeLessThan(1e-3);
    const swapped = Tensor.from([...e(2), ...e(3)], [2, 4]);
    expect(infoNceLoss(swapped, q, queue, { temperature: 0.1 }).item()).toBeGreaterThan(9);
  });

  it('gradients match finite differences for q and k', () => {
    const g = new Generator(5);
    const q = randn([5, 4], g, { requiresGrad: true });
    const k = randn([5, 4], g, { requiresGrad: true });
    const queue = l2Normalize(randn([7, 4], g));
    expect(gradientMismatches('infoNceLoss', [q, k], () => infoNceLoss(q, k, queue, { temperature: 0.5 }))).toEqual([]);
  });

  it('names bad input', () => {
    const q = Tensor.zeros([2, 3]);
    expect(() => infoNceLoss(q, Tensor.zeros([2, 4]), Tensor.zeros([5, 3]))).toThrow(
      /k must have the shape of q \[2, 3\]/,
    );
    expect(() => infoNceLoss(q, q, Tensor.zeros([5, 4]))).toThrow(/queue must be \(K, 3\)/);
    expect(() => infoNceLoss(q, q, Tensor.zeros([5, 3]), { temperature: 0 })).toThrow(/temperature must be/);
  });
});
