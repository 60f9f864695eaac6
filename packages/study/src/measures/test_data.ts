// Test data held in memory once per study and shared by every model: the volumes, labels, masks and
// factor records of a test set, and their counterfactual versions, as in-memory Datasets.
import { DatasetSpec, InMemoryDataset, Item, Sample, SyntheticDataset, sampleItem } from '@nodulab/data';
import { yieldToEventLoop } from '@nodulab/platform';

/** Which parts of the items a set keeps besides volumes and labels. */
export interface Keep {
  masks?: boolean;
  factors?: boolean;
}

/** Stacks generated samples (e.g. counterfactuals) into an in-memory dataset. */
export function stackSamples(name: string, samples: readonly Sample[], keep: Keep = {}): InMemoryDataset {
  if (samples.length === 0) throw new Error(`${name}: no samples`);
  return InMemoryDataset.fromItems(
    name,
    samples.map((s) => sampleItem(s)),
    samples[0].spacing,
    keep,
  );
}

/** Samples 0..n-1 of `split` of `spec` (dataset seed `seed`) in memory, yielding to the event loop as it goes. */
export async function generateSet(
  name: string,
  spec: DatasetSpec,
  seed: number,
  split: string,
  n: number,
  keep: Keep = {},
): Promise<InMemoryDataset> {
  const ds = new SyntheticDataset(spec, seed, split, n, { cache: false });
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    items.push(ds.get(i, { mask: keep.masks }));
    if (i % 16 === 15) await yieldToEventLoop();
  }
  return InMemoryDataset.fromItems(name, items, ds.spacing, keep);
}
