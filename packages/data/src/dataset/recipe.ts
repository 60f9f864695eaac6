// Reopens a dataset from its recipe (Dataset.recipe()), as a prefetch worker does: the same reader,
// generator or arrays, so items are byte-identical to the original's.
import type { DatasetSpec } from '../spec/spec';
import type { Dataset, DatasetRecipe } from './dataset';
import { InMemoryDataset } from './memory';
import { readMedMNIST } from './medmnist';
import { DatasetFolder } from './reader';
import { Subset } from './subset';
import { ConcatDataset } from './concat';
import { ScanFolderDataset } from './scan_folder';
import { SyntheticDataset } from './synthetic';

/** The dataset a recipe describes. */
export function openRecipe(r: DatasetRecipe): Dataset {
  switch (r.kind) {
    case 'synthetic':
      return new SyntheticDataset(r.spec as DatasetSpec, r.seed, r.split, r.n, { hu: r.hu, cache: r.cache });
    case 'folder':
      return new DatasetFolder(r.dir);
    case 'medmnist':
      return readMedMNIST(r.file, r.split);
    case 'scans':
      return new ScanFolderDataset(r.dir, r);
    case 'memory':
      return new InMemoryDataset(r);
    case 'subset':
      return new Subset(openRecipe(r.of), r.indices);
    case 'concat':
      return new ConcatDataset(r.of.map(openRecipe));
  }
}
