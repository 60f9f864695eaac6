// Starts a worker thread on a package module, from compiled JS (dist) or, when the package runs from
// TypeScript source (tests, ts-node), by transpiling the .ts sources the worker loads.
import * as path from 'path';
import { Worker } from 'worker_threads';

/**
 * A Worker running the module `dir/entry` with `workerData`: `dir` is the caller's `__dirname` and
 * `ext` the extension of the caller's own file (`path.extname(__filename)`), so that sources run as
 * sources and compiled code as compiled code. `entry` is relative to `dir`, without extension.
 */
export function startModuleWorker(
  dir: string,
  ext: string,
  entry: string,
  workerData: Record<string, unknown>,
): Worker {
  const file = path.join(dir, `${entry}${ext}`);
  const boot = `
    const { workerData } = require('worker_threads');
    if (workerData.entry.endsWith('.ts')) {
      const fs = require('fs');
      const ts = require('typescript');
      require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'),
        { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, file);
    }
    require(workerData.entry);`;
  return new Worker(boot, { eval: true, workerData: { ...workerData, entry: file } });
}
