// Helpers of the consumer test: pack every workspace package, list what each tarball holds, and make a fresh npm
// project (outside the repository) with compiler shims on PATH that record any call.
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repo = path.resolve(__dirname, '..', '..');

/** One packed package: its tarball, size in bytes and the files inside (without the leading `package/`). */
export interface Tarball {
  name: string;
  file: string;
  bytes: number;
  files: string[];
}

/** The environment of a command run as a user would: no npm_* variables inherited from `npm test`. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  // onnxruntime-node's install script otherwise downloads its CUDA provider from NuGet on linux-x64.
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...extra };
}

/** Runs a command, throwing with its output when it fails. */
export function run(cmd: string, args: string[], cwd: string, env = userEnv()): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** `npm pack` of every workspace (their prepack steps build the addon's prebuild) into `dest`. */
export function packAll(dest: string): Tarball[] {
  run('npm', ['pack', '--workspaces', '--pack-destination', dest], repo, userEnv());
  return fs
    .readdirSync(dest)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => {
      const file = path.join(dest, f);
      const files = execFileSync('tar', ['tzf', file], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^package\//, ''));
      return { name: f.replace(/-\d+\.\d+\.\d+\.tgz$/, ''), file, bytes: fs.statSync(file).size, files };
    });
}

/** Commands a source build would call; each shim appends its name and arguments to `log` and fails. */
const COMPILERS = ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'cmake', 'make', 'ninja', 'ld', 'nvcc'];

/** A fresh project folder in the temp directory, with a `shims/` folder of compiler shims. */
export function makeProject(name: string): { dir: string; shims: string; log: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nodulab-${name}-`));
  const pkg = { name: `nodulab-${name}`, version: '1.0.0', private: true, type: 'module' };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const shims = path.join(dir, 'shims');
  const log = path.join(dir, 'compiler-calls.log');
  fs.mkdirSync(shims);
  for (const c of COMPILERS) {
    fs.writeFileSync(path.join(shims, c), `#!/bin/sh\necho "${c} $*" >> '${log}'\nexit 1\n`, { mode: 0o755 });
  }
  return { dir, shims, log };
}

/** `npm install` of the tarballs in `dir` (registry packages from the npm cache first); returns seconds taken. */
export function install(dir: string, tarballs: Tarball[], env: NodeJS.ProcessEnv): { seconds: number; output: string } {
  const t0 = process.hrtime.bigint();
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'];
  const r = run('npm', [...args, ...tarballs.map((t) => t.file)], dir, env);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, output: r.stdout + r.stderr };
}

/** The results line a pipeline script prints. */
export interface PipelineResult {
  module: 'esm' | 'cjs';
  isa: string;
  labels: number[];
  losses: number[];
  probs: number[];
  reloadedProbs: number[];
  onnxProbs: number[];
  accuracy: number;
  exports: string[];
}

/** Runs `node <script> <outDir>` in the project and parses its last stdout line. */
export function runPipeline(dir: string, script: string): PipelineResult {
  const out = fs.mkdtempSync(path.join(dir, 'out-'));
  const r = run(process.execPath, [script, out], dir);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as PipelineResult;
}
