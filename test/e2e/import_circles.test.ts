// No import circle among the files of @nodulab/nn and @nodulab/train (type-only imports count: a circle of
// types still ties the files into one knot), read from the sources with TypeScript's parser.
import * as fs from 'fs';
import * as path from 'path';
import { importCircles } from '../helpers/source_imports';
import { suiteTempDir } from '../helpers/temp_dir';

const packages = path.join(__dirname, '..', '..', 'packages');
const dir = suiteTempDir('nodulab-circles-');

it.each(['nn', 'train'])('packages/%s/src has no import circle', (name) => {
  expect(importCircles(path.join(packages, name, 'src'))).toEqual([]);
});

it('finds a circle closed by a type-only import, and not a chain', () => {
  fs.mkdirSync(path.join(dir, 'worker'));
  fs.writeFileSync(path.join(dir, 'model.ts'), "import type { W } from './worker/w';\nexport class M {}\n");
  fs.writeFileSync(path.join(dir, 'worker', 'w.ts'), "import { make } from '../factory';\nexport type W = 1;\n");
  fs.writeFileSync(path.join(dir, 'factory.ts'), "import { M } from './model';\nexport const make = () => new M();\n");
  fs.writeFileSync(path.join(dir, 'leaf.ts'), "import { M } from './model';\nexport const m = new M();\n");
  expect(importCircles(dir)).toEqual([['factory.ts', 'model.ts', path.join('worker', 'w.ts')]]);
  fs.writeFileSync(path.join(dir, 'model.ts'), 'export class M {}\n');
  expect(importCircles(dir)).toEqual([]);
});
