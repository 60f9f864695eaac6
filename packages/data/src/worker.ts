// Starts a worker thread on one of this package's modules, from compiled JS (dist) or, when the package
// runs from TypeScript source (tests, ts-node), by transpiling the .ts sources the worker loads.
import * as path from 'path';
import { Worker } from 'worker_threads';

/**
 * A Worker running module `entry` (a path relative to this folder, without extension, e.g.
 * 'parallel_worker' or 'loader/prefetch_worker') with `workerData`.
 */
export function startWorker(entry: string, workerData: Record<string, unknown>): Worker {
  const file = path.join(__dirname, `${entry}${path.extname(__filename)}`);
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
