// Hostile inputs through the built `nodulab` command in child processes (a native crash would show as a
// signal): an ONNX model with Conv strides [0,0,0] (a SIGFPE in onnxruntime before graphs were checked)
// through `infer` and `evaluate`, and deeply nested spec / config JSON. Each exits non-zero (1, or 2 for an
// invalid config or study spec, as for invalid JSON) naming the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeNifti } from '@nodulab/data';
import { REPO_ROOT, spawnCli } from '../helpers/spawn_cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-cli-bad-'));
const f = (name: string) => path.join(dir, name);
const strides0 = path.join(REPO_ROOT, 'test', 'fixtures', 'fuzz-corpus', 'onnx', 'conv_strides_0.onnx');
const deep = (n: number) => '{"name": "deep", "factors": ' + '['.repeat(n) + ']'.repeat(n) + '}';

beforeAll(() => {
  writeNifti(f('vol.nii.gz'), [8, 8, 8], [1, 1, 1], new Float32Array(512).fill(-600));
  fs.writeFileSync(f('deep.json'), deep(100_000));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bad inputs give a clear exit and a message naming the file', () => {
  it.each([
    [
      'infer with strides 0',
      () => ['infer', '--model', strides0, f('vol.nii.gz')],
      /conv_strides_0\.onnx\): node "Conv_0" \(Conv\): strides must be 3 positive integers/,
      1,
    ],
    [
      'evaluate with strides 0',
      () => ['evaluate', '--model', strides0, '--spec', 'iid', '--n', '2'],
      /conv_strides_0\.onnx\): node "Conv_0" \(Conv\): strides must be 3 positive integers/,
      1,
    ],
    [
      'evaluate --spec deep.json',
      () => ['evaluate', '--model', strides0, '--spec', f('deep.json')],
      /deep\.json: nested deeper than 64/,
      1,
    ],
    [
      'train --config deep.json',
      () => ['train', '--config', f('deep.json'), '--out', f('run')],
      /deep\.json: nested deeper than 64/,
      2,
    ],
    [
      'study --spec deep.json',
      () => ['study', '--spec', f('deep.json'), '--out', f('st')],
      /deep\.json: nested deeper than 64/,
      2,
    ],
  ])(
    '%s',
    async (_name, argv, message, code) => {
      const r = await spawnCli(argv());
      expect(r.signal).toBeNull();
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/Maximum call stack|RangeError|\n {4}at /);
      expect(r.code).toBe(code);
    },
    60_000,
  );
});
