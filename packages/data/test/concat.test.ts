// ConcatDataset: items of several datasets one after another, each with its own target mask; locate,
// reopening from its recipe (as a prefetch worker does), and clear errors.
import { ConcatDataset, DatasetSpec, SyntheticDataset, openRecipe, preset } from '../src';

const small = (name: string, shape: [number, number, number] = [16, 16, 16]): DatasetSpec => ({
  ...preset(name),
  volume: { shape, spacing: preset(name).volume?.spacing },
});

describe('ConcatDataset', () => {
  const a = new SyntheticDataset(small('seg-nodule'), 0, 'train', 3);
  const b = new SyntheticDataset(small('seg-vessels'), 1, 'train', 2);
  const joint = new ConcatDataset([a, b]);

  it('holds every item of each dataset in order, with its own target mask', () => {
    expect(joint.length).toBe(5);
    expect(joint.name).toBe('seg-nodule/train+seg-vessels/train');
    expect([0, 2, 3, 4].map((i) => joint.locate(i))).toEqual([
      { dataset: 0, index: 0 },
      { dataset: 0, index: 2 },
      { dataset: 1, index: 0 },
      { dataset: 1, index: 1 },
    ]);
    for (let i = 0; i < 5; i++) {
      const { dataset, index } = joint.locate(i);
      const own = [a, b][dataset].get(index, { mask: true });
      const item = joint.get(i, { mask: true });
      expect(item.index).toBe(i);
      expect(Buffer.from(item.volume.buffer).equals(Buffer.from(own.volume.buffer))).toBe(true);
      expect(Buffer.from(item.mask!).equals(Buffer.from(own.mask!))).toBe(true);
    }
    // The vessel dataset's masks are vessel maps: the generator's label map says so.
    const s = b.generator.sample('train', 1);
    expect(Array.from(joint.get(4, { mask: true }).mask!)).toEqual(Array.from(s.labels, (l) => (l === 2 ? 1 : 0)));
  });

  it('reopens from its recipe with the same items', () => {
    const again = openRecipe(joint.recipe()!);
    expect(again.length).toBe(5);
    expect(Array.from(again.get(3, { mask: true }).mask!)).toEqual(Array.from(joint.get(3, { mask: true }).mask!));
  });

  it('rejects datasets of different shapes and bad indices, naming them', () => {
    const big = new SyntheticDataset(small('seg-cavity', [32, 32, 32]), 0, 'train', 1);
    expect(() => new ConcatDataset([a, big])).toThrow(
      /dataset 1 \(seg-cavity\/train\) has 1 channel\(s\) of \(32, 32, 32\), dataset 0 \(seg-nodule\/train\) 1 of \(16, 16, 16\)/,
    );
    expect(() => new ConcatDataset([])).toThrow(/no datasets/);
    expect(() => joint.get(5)).toThrow(/index 5 is out of range \[0, 5\)/);
  });
});
