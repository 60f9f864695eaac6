// Starts a worker thread on a package module, from compiled JS (dist) or, when the package runs from
// TypeScript source (tests, ts-node), by transpiling the .ts sources the worker loads. Transpiled modules are
// kept in a cache folder keyed by their content, so a worker started again (hundreds of times in a test run)
// neither loads the compiler nor transpiles anything.
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';

/**
 * Where transpiled worker modules are kept when a package runs from source: `NODULAB_TS_CACHE`, else
 * `<tmp>/nodulab-ts-cache-<uid>`.
 */
export function workerTranspileCacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return process.env.NODULAB_TS_CACHE || path.join(os.tmpdir(), `nodulab-ts-cache-${uid}`);
}

// Runs inside the worker. A .ts entry installs a require hook: a module's JavaScript is read from the cache under
// sha256(compiler version, options, file name, source); on a miss TypeScript is loaded (once) and the output
// written to a unique temporary name, then renamed, so concurrent workers never read a partial file.
const BOOT = `
const { workerData } = require('worker_threads');
if (workerData.entry.endsWith('.ts')) {
  const fs = require('fs');
  const path = require('path');
  const crypto = require('crypto');
  const version = require('typescript/package.json').version;
  const cacheDir = workerData.transpileCacheDir;
  // The compiler options, as tsconfig JSON: part of the cache key, and converted for the compiler on a miss.
  const options = { module: 'commonjs', target: 'es2022', esModuleInterop: true };
  let ts;
  require.extensions['.ts'] = (m, file) => {
    const source = fs.readFileSync(file, 'utf8');
    const key = crypto.createHash('sha256').update(JSON.stringify([version, options, file, source])).digest('hex');
    const cached = path.join(cacheDir, key + '.js');
    let js;
    try { js = fs.readFileSync(cached, 'utf8'); } catch {}
    if (js === undefined) {
      ts = ts || require('typescript');
      const compilerOptions = ts.convertCompilerOptionsFromJson(options, '').options;
      js = ts.transpileModule(source, { fileName: file, compilerOptions }).outputText;
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = cached + '.' + process.pid + '.' + require('worker_threads').threadId + '.tmp';
        fs.writeFileSync(tmp, js);
        fs.renameSync(tmp, cached);
      } catch {}
    }
    m._compile(js, file);
  };
}
require(workerData.entry);`;

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
  return new Worker(BOOT, {
    eval: true,
    workerData: { ...workerData, entry: file, transpileCacheDir: workerTranspileCacheDir() },
  });
}
