// startModuleWorker on TypeScript sources: the worker transpiles what it loads, keeps the output in the cache
// folder under the source's content, reads it from there the next time, and transpiles again when a source changes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startModuleWorker } from '../../src/worker/worker_thread';

let dir: string;
let cache: string;
const saved = process.env.NODULAB_TS_CACHE;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-worker-src-'));
  cache = path.join(dir, 'cache');
  process.env.NODULAB_TS_CACHE = cache;
  fs.writeFileSync(path.join(dir, 'value.ts'), 'export const value: number = 41;\n');
  fs.writeFileSync(
    path.join(dir, 'entry.ts'),
    "import { parentPort, workerData } from 'worker_threads';\nimport { value } from './value';\n" +
      'parentPort!.postMessage((value as number) + (workerData.add as number));\n',
  );
});
afterEach(() => {
  if (saved === undefined) delete process.env.NODULAB_TS_CACHE;
  else process.env.NODULAB_TS_CACHE = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What the worker on `dir/entry.ts` posts first. */
function firstMessage(add: number): Promise<unknown> {
  const w = startModuleWorker(dir, '.ts', 'entry', { add });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => void w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}

const cached = (): string[] => fs.readdirSync(cache).sort();

it('transpiles the sources a worker loads and keeps one file per module in the cache', async () => {
  expect(await firstMessage(1)).toBe(42);
  expect(cached()).toHaveLength(2);
  expect(cached().every((f) => /^[0-9a-f]{64}\.js$/.test(f))).toBe(true);
});

it('reads a module from the cache instead of transpiling it again', async () => {
  await firstMessage(1);
  // Rewrite the cached output of value.ts: the next worker must run the cached text, not the source.
  const value = cached().find((f) => fs.readFileSync(path.join(cache, f), 'utf8').includes('41'))!;
  fs.writeFileSync(path.join(cache, value), fs.readFileSync(path.join(cache, value), 'utf8').replace('41', '99'));
  expect(await firstMessage(1)).toBe(100);
});

it('transpiles again when a source changes', async () => {
  await firstMessage(1);
  fs.writeFileSync(path.join(dir, 'value.ts'), 'export const value: number = 7;\n');
  expect(await firstMessage(1)).toBe(8);
  expect(cached()).toHaveLength(3);
});
