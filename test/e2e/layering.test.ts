// The packages stay layered as their package.json files declare (native ← tensor; platform, tensor ← data, nn ←
// eval ← train ← study; eval ← onnx; all ← cli): no package's source loads or names a package above it or beside
// it, by name or by a path into its folder, and none requires a computed path (a load no reader can follow).
import * as fs from 'fs';
import * as path from 'path';
import { layeringBreaches, packageCycles, reachable, workspacePackages } from '../helpers/source_imports';
import { suiteTempDir } from '../helpers/temp_dir';

const root = path.join(__dirname, '..', '..');

it('the declared @nodulab dependencies are workspace packages and form no cycle', () => {
  const packages = workspacePackages(root);
  expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@nodulab/native', '@nodulab/nn']));
  const names = new Set(packages.map((p) => p.name));
  expect(packages.flatMap((p) => p.deps.filter((d) => !names.has(d)).map((d) => `${p.name} -> ${d}`))).toEqual([]);
  expect(packageCycles(root)).toEqual([]);
  expect(reachable(packages, '@nodulab/train')).toContain('@nodulab/nn');
});

it("no package's source loads a package above it or one it does not depend on", () => {
  expect(layeringBreaches(root)).toEqual([]);
});

describe('the scan', () => {
  // A workspace of three packages, low <- mid <- high, whose low package breaks the layering every way.
  const dir = suiteTempDir('nodulab-layering-');
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  const pkg = (name: string, deps: string[]) =>
    JSON.stringify({ name: `@nodulab/${name}`, dependencies: Object.fromEntries(deps.map((d) => [d, '0.1.0'])) });
  write('package.json', JSON.stringify({ workspaces: ['packages/*'] }));
  write('packages/low/package.json', pkg('low', []));
  write('packages/mid/package.json', pkg('mid', ['@nodulab/low']));
  write('packages/high/package.json', pkg('high', ['@nodulab/mid']));
  write('packages/side/package.json', pkg('side', []));
  write('packages/mid/src/ok.ts', "import { a } from '@nodulab/low';\nimport { b } from './b';\nexport { a, b };\n");
  write('packages/high/src/ok.ts', "export { a } from '@nodulab/low';\n");
  write(
    'packages/low/src/bad.ts',
    [
      "import type { M } from '@nodulab/mid';",
      "import { h } from '../../high/src/h';",
      "export * from '@nodulab/side';",
      "const tasks = require('../../mid/src/tasks');",
      'const loaded = require(process.env.MODULE as string);',
      "const later = import('@nodulab/high');",
      "const file = require.resolve('@nodulab/mid/package.json');",
      "const entry = '../../high/src/main';",
      "const message = 'see @nodulab/high for more';",
      'export { h, tasks, loaded, later, file, entry, message };',
      'export type { M };',
      '',
    ].join('\n'),
  );

  it('finds each breach: by name, by path, as a string, of a type, beside, and a computed require', () => {
    const breaches = layeringBreaches(dir).map((b) => b.replace(/ \(.*$/, '').replace(/, a package .*$/, ''));
    expect(breaches).toEqual([
      'packages/low/src/bad.ts:1: @nodulab/low loads "@nodulab/mid" of @nodulab/mid',
      'packages/low/src/bad.ts:2: @nodulab/low loads "../../high/src/h" of @nodulab/high',
      'packages/low/src/bad.ts:3: @nodulab/low loads "@nodulab/side" of @nodulab/side',
      'packages/low/src/bad.ts:4: @nodulab/low loads "../../mid/src/tasks" of @nodulab/mid',
      'packages/low/src/bad.ts:5: @nodulab/low requires a computed path',
      'packages/low/src/bad.ts:6: @nodulab/low loads "@nodulab/high" of @nodulab/high',
      'packages/low/src/bad.ts:7: @nodulab/low loads "@nodulab/mid/package.json" of @nodulab/mid',
      'packages/low/src/bad.ts:8: @nodulab/low names "../../high/src/main" of @nodulab/high',
    ]);
    expect(layeringBreaches(dir).find((b) => b.includes(':1:'))).toMatch(/above it \(@nodulab\/mid depends on/);
    expect(layeringBreaches(dir).find((b) => b.includes(':3:'))).toMatch(/does not depend on/);
  });

  it('finds a cycle of declared dependencies', () => {
    write('packages/side/package.json', pkg('side', ['@nodulab/high']));
    write('packages/low/package.json', pkg('low', ['@nodulab/side']));
    expect(packageCycles(dir)).toEqual([['@nodulab/high', '@nodulab/low', '@nodulab/mid', '@nodulab/side']]);
  });
});
