// Datasets and the DataLoader: synthetic items equal the generator's, in-memory and subset views,
// recipes reopen the same items, one seeded shuffle, dropLast, transforms, and worker prefetch giving
// the same bytes as batches made on this thread (then shutting its worker down).
import { Generator, Tensor } from '@nodulab/tensor';
import {
  Batch,
  Compose,
  DataLoader,
  Dataset,
  InMemoryDataset,
  NoduleGenerator,
  Subset,
  SyntheticDataset,
  collate,
  fetchBatch,
  openRecipe,
  preset,
  randperm,
  range,
  sampleSeed,
  splitBatches,
} from '../src';

const spec = { ...preset('shortcut-size'), volume: { shape: [12, 12, 12] as [number, number, number] } };
const bytes = (a: Float32Array | Int32Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function sameBatch(a: Batch, b: Batch): void {
  expect(a.indices).toEqual(b.indices);
  expect(a.x.shape).toEqual(b.x.shape);
  expect(bytes(a.x.data).equals(bytes(b.x.data))).toBe(true);
  expect(a.x2 === undefined).toBe(b.x2 === undefined);
  if (a.x2 && b.x2) expect(bytes(a.x2.data).equals(bytes(b.x2.data))).toBe(true);
  expect(bytes(a.labels).equals(bytes(b.labels))).toBe(true);
  expect(a.masks === null).toBe(b.masks === null);
  if (a.masks && b.masks) expect(bytes(a.masks.data).equals(bytes(b.masks.data))).toBe(true);
}

describe('datasets', () => {
  const gen = new NoduleGenerator(spec, 3);

  it.each([[true], [false]])('SyntheticDataset items are the generator samples (cache %s)', (cache) => {
    const ds = new SyntheticDataset(spec, 3, 'val', 5, { cache });
    expect([ds.name, ds.length, ds.channels, ds.shape, ds.hasMasks]).toEqual([
      'shortcut-size/val',
      5,
      1,
      [12, 12, 12],
      true,
    ]);
    for (const i of [4, 0, 4]) {
      const s = gen.sample('val', i);
      const item = ds.get(i, { mask: true });
      expect([item.index, item.label, item.shape, item.factors]).toEqual([i, s.label, [1, 12, 12, 12], s.factors]);
      expect(bytes(item.volume).equals(bytes(s.volume))).toBe(true);
      expect(item.mask).toEqual(s.mask);
      expect(ds.get(i).mask).toBeUndefined();
    }
    expect(
      bytes(new SyntheticDataset(spec, 3, 'val', 1, { hu: true }).get(0).volume).equals(
        bytes(gen.sample('val', 0, { hu: true }).volume),
      ),
    ).toBe(true);
  });

  it('rejects a bad n and an index out of range', () => {
    expect(() => new SyntheticDataset(spec, 3, 'train', 0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => new SyntheticDataset(spec, 3, 'train', 2).get(2)).toThrow(
      /dataset shortcut-size\/train: index 2 is out of range \[0, 2\)/,
    );
  });

  it('InMemoryDataset and Subset serve the same items, and recipes reopen them', () => {
    const synth = new SyntheticDataset(spec, 3, 'train', 6);
    const mem = InMemoryDataset.fromItems(
      'mem',
      range(6).map((i) => synth.get(i, { mask: true })),
      synth.spacing,
      { masks: true, factors: true },
    );
    const sub = new Subset(mem, [5, 1]);
    expect([sub.length, sub.shape, sub.hasMasks]).toEqual([2, [12, 12, 12], true]);
    const item = sub.get(1, { mask: true });
    expect(item.index).toBe(1);
    expect(item.volume).toEqual(synth.get(1).volume);
    expect(item.mask).toEqual(synth.get(1, { mask: true }).mask);
    expect(item.factors).toEqual(synth.get(1).factors);
    sameBatch(fetchBatch(openRecipe(JSON.parse(JSON.stringify(synth.recipe()))), [0, 3]), fetchBatch(synth, [0, 3]));
    for (const ds of [synth, mem, sub] as Dataset[]) {
      sameBatch(
        fetchBatch(openRecipe(structuredClone(ds.recipe()!)), [0, 1], { masks: true }),
        fetchBatch(ds, [0, 1], { masks: true }),
      );
    }
    expect(
      () =>
        new InMemoryDataset({
          name: 'bad',
          shape: [2, 2, 2],
          spacing: [1, 1, 1],
          volumes: new Float32Array(7),
          labels: new Int32Array(1),
        }),
    ).toThrow(/InMemoryDataset bad: volumes has 7 elements, expected 8/);
  });
});

describe('collate', () => {
  it('stacks items into (N, C, D, H, W) with labels and masks, and names a mismatch', () => {
    const ds = new SyntheticDataset(spec, 0, 'train', 3);
    const b = collate([ds.get(2, { mask: true }), ds.get(0, { mask: true })], { masks: true });
    expect(b.x.shape).toEqual([2, 1, 12, 12, 12]);
    expect(b.masks!.shape).toEqual([2, 1, 12, 12, 12]);
    expect(b.indices).toEqual([2, 0]);
    expect(Array.from(b.labels)).toEqual([ds.get(2).label, ds.get(0).label]);
    expect(b.x.data.subarray(12 ** 3)).toEqual(ds.get(0).volume);
    const other = new SyntheticDataset({ ...spec, volume: { shape: [8, 8, 8] } }, 0, 'train', 1).get(0);
    expect(() => collate([ds.get(0), other])).toThrow(
      /collate: item 1 has shape \(1, 8, 8, 8\), expected \(1, 12, 12, 12\)/,
    );
    expect(() => collate([])).toThrow(/empty batch/);
    expect(() => collate([ds.get(0)], { masks: true })).toThrow(/item 0 \(index 0\) has no mask/);
  });
});

describe('shuffle', () => {
  it('randperm is the Fisher-Yates of the generator stream', () => {
    const g = new Generator(11);
    const order = range(10);
    for (let i = 9; i > 0; i--) {
      const j = g.randint(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    expect(randperm(10, new Generator(11))).toEqual(order);
    expect([...randperm(10, new Generator(11))].sort((a, b) => a - b)).toEqual(range(10));
  });

  it.each<[number, number, boolean, number[][]]>([
    [5, 2, false, [[0, 1], [2, 3], [4]]],
    [
      5,
      2,
      true,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [3, 8, true, [[0, 1, 2]]],
    [
      4,
      2,
      true,
      [
        [0, 1],
        [2, 3],
      ],
    ],
  ])('splitBatches(%d items, batch %d, dropLast %s)', (n, bs, dropLast, want) => {
    expect(splitBatches(range(n), bs, dropLast)).toEqual(want);
    const loader = new DataLoader(new SyntheticDataset(spec, 0, 'train', n), { batchSize: bs, dropLast });
    expect(loader.length).toBe(want.length);
    expect(loader.batchIndices()).toEqual(want);
  });

  it('the loader shuffles per epoch from its seed or generator', () => {
    const ds = new SyntheticDataset(spec, 0, 'train', 20);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 });
    expect(loader.batchIndices(1)).toEqual(loader.batchIndices(1));
    expect(loader.batchIndices(1).flat()).toEqual(randperm(20, new Generator(sampleSeed(5, 'order', 1))));
    expect(loader.batchIndices(2).flat()).not.toEqual(loader.batchIndices(1).flat());
    const custom = new DataLoader(ds, { batchSize: 4, shuffle: true, generator: (e) => new Generator(100 + e) });
    expect(custom.batchIndices(3).flat()).toEqual(randperm(20, new Generator(103)));
    expect(new DataLoader(ds, { batchSize: 4 }).batchIndices(7).flat()).toEqual(range(20));
  });
});

describe('DataLoader', () => {
  const train = new SyntheticDataset(spec, 1, 'train', 10);
  const augment = {
    pipeline: new Compose(),
    views: 2 as const,
    seed: (epoch: number, step: number) => sampleSeed(9, `augment/${epoch}`, step),
  };

  it('applies a function transform with the batch position', () => {
    const seen: string[] = [];
    const loader = new DataLoader(train, {
      batchSize: 4,
      transform: (b, at) => {
        seen.push(`${at.epoch}:${at.step}`);
        return {
          ...b,
          x: new Tensor(
            b.x.data.map((v) => v * 2),
            b.x.shape,
          ),
        };
      },
    });
    const b = [...loader.batches(3)];
    expect(seen).toEqual(['3:0', '3:1', '3:2']);
    expect(b[0].x.data[7]).toBe(2 * train.get(0).volume[7]);
    expect(() => new DataLoader(train, { batchSize: 2, prefetch: 1, transform: (x) => x })).toThrow(
      /a function transform cannot run in a prefetch worker/,
    );
    expect(() => new DataLoader(train, { batchSize: 2, prefetch: -1 })).toThrow(
      /prefetch must be a non-negative integer/,
    );
  });

  it('augments one or two views from the per-batch seed', () => {
    const one = [
      ...new DataLoader(train, { batchSize: 4, masks: true, transform: { ...augment, views: 1 } }).batches(0),
    ];
    const two = [...new DataLoader(train, { batchSize: 4, transform: augment }).batches(0)];
    expect(one[0].x.shape).toEqual([4, 1, 12, 12, 12]);
    expect(one[0].masks!.shape).toEqual([4, 1, 12, 12, 12]);
    expect(two[1].x2!.shape).toEqual([4, 1, 12, 12, 12]);
    expect(bytes(two[1].x.data).equals(bytes(two[1].x2!.data))).toBe(false);
    expect(bytes(one[0].x.data).equals(bytes(fetchBatch(train, [0, 1, 2, 3]).x.data))).toBe(false);
  });

  it('prefetches in a worker with the same bytes as this thread, across epochs, and stops early cleanly', async () => {
    const sources: [string, Dataset][] = [
      ['synthetic', train],
      [
        'subset of in-memory',
        new Subset(
          InMemoryDataset.fromItems(
            'mem',
            range(10).map((i) => train.get(i, { mask: true })),
            train.spacing,
            { masks: true },
          ),
          [9, 3, 4, 0, 1, 2],
        ),
      ],
    ];
    for (const [, ds] of sources) {
      const options = { batchSize: 4, shuffle: true, seed: 2, dropLast: true, masks: true, transform: augment };
      const here = new DataLoader(ds, options);
      const ahead = new DataLoader(ds, { ...options, prefetch: 2 });
      try {
        for (const epoch of [0, 1]) {
          const a = [...here.batches(epoch)];
          const b: Batch[] = [];
          for await (const batch of ahead.iter(epoch)) b.push(batch);
          expect(b.length).toBe(a.length);
          a.forEach((x, k) => sameBatch(b[k], x));
        }
        for await (const batch of ahead.iter(5)) {
          sameBatch(batch, here.batches(5).next().value as Batch);
          break;
        }
      } finally {
        await ahead.close();
      }
    }
  }, 60_000);

  it('reports a worker that cannot open its dataset', async () => {
    const ds = new Subset(train, [0, 1]);
    const broken = Object.assign(Object.create(ds) as Dataset, {
      recipe: () => ({ kind: 'folder', dir: '/nonexistent/nodulab' }),
    });
    const loader = new DataLoader(broken, { batchSize: 2, prefetch: 1 });
    try {
      await expect(
        (async () => {
          for await (const b of loader.iter(0)) void b;
        })(),
      ).rejects.toThrow(
        /DataLoader .*: the prefetch worker failed: dataset \/nonexistent\/nodulab: cannot read manifest.json/,
      );
    } finally {
      await loader.close();
    }
  }, 30_000);
});
