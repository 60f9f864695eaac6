// The datasets and loaders of a run: a resolved data config's train/val split as a @nodulab/data
// Dataset (a folder or .npz when it has a path, else the generator), and the DataLoader of a training
// stage, whose order and augmentation streams are derived from (run seed, stage, epoch, step).
import {
  Compose,
  ConcatDataset,
  DataLoader,
  Dataset,
  DatasetSpec,
  Subset,
  SyntheticDataset,
  openDataset,
  range,
} from '@nodulab/data';
import type { DataConfig } from './config';
import { derivedGenerator, derivedSeed } from './seeds';

/**
 * Split `which` of a resolved data config: its first n items; with `data.joint`, the first n items of
 * each spec's split one after another (spec k drawn with dataset seed `seed + k`).
 */
export function openSource(data: DataConfig, which: 'train' | 'val'): Dataset {
  const s = data[which];
  if (data.joint !== null) {
    const specs = [data.spec, ...data.joint] as DatasetSpec[];
    return new ConcatDataset(specs.map((spec, k) => new SyntheticDataset(spec, data.seed + k, s.split, s.n)));
  }
  if (s.path === undefined) return new SyntheticDataset(data.spec as DatasetSpec, data.seed, s.split, s.n);
  const ds = openDataset(s.path, { split: s.split });
  return s.n === ds.length ? ds : new Subset(ds, range(s.n));
}

/** What a stage's loader needs besides the dataset. */
export interface StageLoaderOptions {
  seed: number;
  stageIndex: number;
  batchSize: number;
  /** Views per sample the stage's objective trains on. */
  views: 1 | 2;
  /** Batches carry masks (N, 1, D, H, W) that move with view 1 (segmentation). */
  masks: boolean;
  augment: Compose | null;
  /** Batches prepared ahead in a worker thread (0: on the training thread). */
  prefetch: number;
}

/**
 * The training batches of one stage: epoch e is shuffled by the "order/<stage>/<e>" stream and cut
 * into full batches (a smaller last one is dropped unless it is the only one); batch k is augmented
 * from the "augment/<stage>/<e>" stream at k, into two views when the objective wants them.
 */
export function stageLoader(train: Dataset, o: StageLoaderOptions): DataLoader {
  const { seed, stageIndex } = o;
  return new DataLoader(train, {
    batchSize: o.batchSize,
    shuffle: true,
    dropLast: true,
    masks: o.masks,
    generator: (epoch) => derivedGenerator(seed, `order/${stageIndex}/${epoch}`),
    transform: o.augment
      ? {
          pipeline: o.augment,
          views: o.views,
          seed: (epoch, step) => derivedSeed(seed, `augment/${stageIndex}/${epoch}`, step),
        }
      : undefined,
    prefetch: o.prefetch,
  });
}
