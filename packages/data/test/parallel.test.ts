// Generation on worker threads: every sample byte-identical to the single-threaded generator whatever
// the worker count, chunk size or start index; delivered in index order; bad options rejected.
import { NoduleGenerator, Sample, generateParallel, generateSamples, preset } from '../src';

const spec = { ...preset('shortcut-size'), volume: { shape: [16, 16, 16] as [number, number, number] } };

function same(a: Sample, b: Sample): void {
  expect(a.index).toBe(b.index);
  expect(
    Buffer.from(a.volume.buffer, a.volume.byteOffset, a.volume.byteLength).equals(
      Buffer.from(b.volume.buffer, b.volume.byteOffset, b.volume.byteLength),
    ),
  ).toBe(true);
  expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
  expect({ ...a, volume: null, mask: null }).toEqual({ ...b, volume: null, mask: null });
}

describe('generateParallel', () => {
  const serial = new NoduleGenerator(spec, 7);

  it.each<[string, { workers: number; chunk?: number; start?: number; n: number; hu?: boolean }]>([
    ['2 workers', { workers: 2, n: 13 }],
    ['2 workers, chunk 1', { workers: 2, chunk: 1, n: 7 }],
    ['3 workers, chunk 4, start 100, HU', { workers: 3, chunk: 4, start: 100, n: 10, hu: true }],
    ['1 worker (this thread)', { workers: 1, n: 4 }],
  ])(
    '%s: same bytes as one thread',
    async (_, o) => {
      const done: number[] = [];
      const got = await generateParallel(spec, {
        ...o,
        seed: 7,
        split: 'test-rho0.0',
        onProgress: (k) => done.push(k),
      });
      expect(got.map((s) => s.index)).toEqual(Array.from({ length: o.n }, (_, k) => (o.start ?? 0) + k));
      got.forEach((s) => same(s, serial.sample('test-rho0.0', s.index, { hu: o.hu })));
      expect(done).toEqual(Array.from({ length: o.n }, (_, k) => k + 1));
    },
    30000,
  );

  it('stops its workers when the consumer stops early', async () => {
    const first: Sample[] = [];
    for await (const s of generateSamples(spec, { n: 50, seed: 7, workers: 2, chunk: 2 })) {
      first.push(s);
      if (first.length === 3) break;
    }
    expect(first.map((s) => s.index)).toEqual([0, 1, 2]);
    same(first[2], serial.sample('train', 2));
  }, 30000);

  it.each<[string, object, RegExp]>([
    ['negative n', { n: -1, seed: 0 }, /n must be a non-negative integer/],
    ['fractional start', { n: 1, seed: 0, start: 0.5 }, /start must be a non-negative integer/],
    ['too many workers', { n: 1, seed: 0, workers: 1000 }, /workers must be an integer in \[0, 256\]/],
    ['zero chunk', { n: 1, seed: 0, chunk: 0 }, /chunk must be a positive integer/],
    ['bad seed', { n: 1, seed: 0.5 }, /seed must be a safe integer/],
  ])('rejects %s', async (_, o, message) => {
    await expect(generateParallel(spec, o as { n: number; seed: number })).rejects.toThrow(message);
  });

  it('rejects a bad spec before starting threads', async () => {
    await expect(generateParallel({ name: 'x', classBalance: 2 }, { n: 2, seed: 0, workers: 2 })).rejects.toThrow(
      /classBalance/,
    );
  });
});
