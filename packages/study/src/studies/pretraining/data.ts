// The data of the pretraining-robustness study, made once per process and kept in the unit context's cache
// keyed by what determines it: the source-task sets every pretraining reads, each seed's target training and
// validation sets, and each seed's test sets (in distribution and scanner-shifted) as in-memory Datasets.
import { DatasetSpec, InMemoryDataset, Item, NoduleGenerator, preset, sampleItem } from '@nodulab/data';
import { yieldToEventLoop } from '@nodulab/platform';
import type { TestSetName } from './results';
import type { PretrainingSpec } from './spec';

/** Dataset seeds: the source task is one fixed draw; seed s trains on 1000 + s and is tested on 2000 + s. */
export const SOURCE_DATA_SEED = 77;
export const targetDataSeed = (seed: number): number => 1000 + seed;
export const testDataSeed = (seed: number): number => 2000 + seed;

/** The target task: the 'grade' preset at the study's volume. */
export const gradeSpec = (spec: Pick<PretrainingSpec, 'volume'>): DatasetSpec => ({
  ...preset('grade'),
  volume: spec.volume,
});

/** The source task: the 'composition' preset at the study's volume. */
export const sourceSpec = (spec: Pick<PretrainingSpec, 'volume'>): DatasetSpec => ({
  ...preset('composition'),
  volume: spec.volume,
});

/**
 * A test set in memory: `data` holds volumes, grades (labels 0-4), the main nodule's masks and the factor
 * records; `satellites` is the same volumes with the satellites' masks (empty where there are none).
 */
export interface GradeTestSet {
  data: InMemoryDataset;
  satellites: InMemoryDataset;
}

/** The split of each clean test set. */
const SPLITS: Record<TestSetName, string> = { test: 'test', shift: 'test-shift' };

/** Samples 0..n-1 of `split` of `gen` (labelled by the grade) in memory, with main-nodule and satellite masks. */
export async function makeTestSet(name: string, gen: NoduleGenerator, split: string, n: number): Promise<GradeTestSet> {
  const items: Item[] = [];
  const [D, H, W] = gen.resolve(split).shape;
  const V = D * H * W;
  const satellites = new Uint8Array(n * V);
  for (let i = 0; i < n; i++) {
    const s = gen.sample(split, i);
    items.push({ ...sampleItem(s, gen.spec.target), mask: s.mask });
    if (s.satelliteMask) satellites.set(s.satelliteMask, i * V);
    if (i % 16 === 15) await yieldToEventLoop();
  }
  const data = InMemoryDataset.fromItems(name, items, [...gen.resolve(split).spacing], { masks: true, factors: true });
  const sat = new InMemoryDataset({
    name: `${name}/satellites`,
    shape: data.shape,
    spacing: data.spacing,
    volumes: data.volumes,
    labels: data.labels,
    masks: satellites,
    factors: data.factors,
  });
  return { data, satellites: sat };
}

/**
 * The value of `make()` under `name` in `cache`, made again when `key` differs from the kept one: one entry per
 * name, so a process running the units of one seed after another holds one seed's data at a time.
 */
export async function cached<T>(
  cache: Map<string, unknown>,
  name: string,
  key: unknown,
  make: () => T | Promise<T>,
): Promise<T> {
  const k = JSON.stringify(key);
  const slot = cache.get(name) as { key: string; value: T } | undefined;
  if (slot && slot.key === k) return slot.value;
  const value = await make();
  cache.set(name, { key: k, value });
  return value;
}

/** Seed `seed`'s test sets (in distribution, scanner-shifted), generated once per process. */
export function testSets(
  spec: PretrainingSpec,
  seed: number,
  cache: Map<string, unknown>,
): Promise<Record<TestSetName, GradeTestSet>> {
  const key = { volume: spec.volume, seed, n: spec.testN };
  return cached(cache, 'pretraining/test-sets', key, async () => {
    const gen = new NoduleGenerator(gradeSpec(spec), testDataSeed(seed));
    return {
      test: await makeTestSet(`grade/test-s${seed}`, gen, SPLITS.test, spec.testN),
      shift: await makeTestSet(`grade/test-shift-s${seed}`, gen, SPLITS.shift, spec.testN),
    };
  });
}
