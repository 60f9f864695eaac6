// The folders a worker may touch: paths are compared by real path, so a symbolic link does not lead out;
// files a job's spec names (checkpoints, spec files, data paths) must lie inside the worker's roots.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkNamedFiles, insideRoots, namedFiles, realFolder } from '../../src/queue/roots';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-roots-')));
const root = realFolder(path.join(tmp, 'results'), 'results folder');
const outside = path.join(tmp, 'outside');
fs.mkdirSync(outside);
fs.writeFileSync(path.join(outside, 'secret.safetensors'), 'x');
fs.symlinkSync(outside, path.join(root, 'escape'));
fs.mkdirSync(path.join(root, 'unit-a', 'checkpoints'), { recursive: true });
fs.writeFileSync(path.join(root, 'unit-a', 'checkpoints', 'last.safetensors'), 'x');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('insideRoots', () => {
  it('accepts paths inside, existing or not', () => {
    expect(insideRoots(path.join(root, 'unit-b'), [root], 'unit folder')).toBe(path.join(root, 'unit-b'));
    expect(insideRoots(path.join(root, 'unit-a', 'checkpoints'), [root], 'x')).toBe(
      path.join(root, 'unit-a', 'checkpoints'),
    );
  });

  it.each([
    ['a path outside', path.join(outside, 'x')],
    ['a path through a symbolic link out', path.join(root, 'escape', 'secret.safetensors')],
    ['a path that climbs out', `${root}/../outside/x`],
    ['a sibling that shares the prefix', `${root}-other/x`],
  ])('refuses %s', (_what, p) => {
    expect(() => insideRoots(p, [root], 'unit folder')).toThrow(/lies outside this worker's folders .*; refused/);
  });
});

describe('checkNamedFiles', () => {
  const inside = path.join(root, 'unit-a', 'checkpoints', 'last.safetensors');

  it('finds checkpoint, path and spec-file values anywhere in a spec, not preset names', () => {
    const spec = {
      config: { init: { checkpoint: 'a' } },
      testSets: [{ spec: 'iid' }, { spec: 'b.json' }],
      x: { path: 'c' },
    };
    expect(
      namedFiles(spec)
        .map((f) => `${f.where}=${f.file}`)
        .sort(),
    ).toEqual(['spec.config.init.checkpoint=a', 'spec.testSets[1].spec=b.json', 'spec.x.path=c']);
  });

  it('accepts a checkpoint inside the results root or an input root', () => {
    expect(() => checkNamedFiles({ config: { init: { checkpoint: inside } } }, [root])).not.toThrow();
    const secret = path.join(outside, 'secret.safetensors');
    expect(() => checkNamedFiles({ config: { init: { checkpoint: secret } } }, [root, outside])).not.toThrow();
  });

  it.each([
    [
      'a checkpoint outside',
      path.join(outside, 'secret.safetensors'),
      /spec\.config\.init\.checkpoint .* lies outside/,
    ],
    ['a checkpoint through a link', path.join(root, 'escape', 'secret.safetensors'), /lies outside/],
    ['a folder', path.join(root, 'unit-a'), /is not a file inside this worker's folders/],
    ['a file that is not there', path.join(root, 'nope.safetensors'), /is not a file inside/],
  ])('refuses %s', (_what, checkpoint, message) => {
    expect(() => checkNamedFiles({ config: { init: { checkpoint } } }, [root])).toThrow(message);
  });
});
