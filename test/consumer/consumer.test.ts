// The consumer test: every package packed, the tarballs installed into a fresh project outside the repository
// (registry packages from the npm cache), then used from TypeScript (ESM, type-checked under node16 and bundler
// resolution) and CommonJS. The install must use the prebuilt addon: compiler shims on PATH record any call.
// NODULAB_CONSUMER_SOURCE_BUILD=1 also installs with NODULAB_BUILD_FROM_SOURCE=1 (the cmake-js fallback; slow).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { install, makeProject, packAll, PipelineResult, repo, run, runPipeline, Tarball, userEnv } from './consumer';

jest.setTimeout(15 * 60_000);

const PACKAGES = ['native', 'platform', 'tensor', 'nn', 'data', 'eval', 'train', 'study', 'onnx', 'cli'];
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const typeRoots = path.join(repo, 'node_modules', '@types');

let packDir: string;
let tarballs: Tarball[];
let project: ReturnType<typeof makeProject>;
let installed: { seconds: number; output: string };

beforeAll(() => {
  packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-tarballs-'));
  tarballs = packAll(packDir);
  for (const t of tarballs)
    console.log(`tarball ${t.name}: ${(t.bytes / 1024).toFixed(1)} KiB, ${t.files.length} files`);
  project = makeProject('consumer');
  const env = userEnv({ PATH: `${project.shims}${path.delimiter}${process.env.PATH}` });
  installed = install(project.dir, tarballs, env);
  console.log(`consumer install (prebuilt addon): ${installed.seconds.toFixed(1)} s`);
  for (const f of ['pipeline.ts', 'pipeline.cjs']) {
    fs.copyFileSync(path.join(__dirname, 'project', f), path.join(project.dir, f));
  }
});

afterAll(() => {
  for (const d of [packDir, project?.dir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

test('every package is packed, in lock-step versions, with exact versions of its nodulab dependencies', () => {
  expect(tarballs.map((t) => t.name).sort()).toEqual(PACKAGES.map((p) => `nodulab-${p}`).sort());
  const root = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  for (const p of PACKAGES) {
    const dir = path.join(project.dir, 'node_modules', '@nodulab', p);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect([pkg.name, pkg.version, pkg.private]).toEqual([`@nodulab/${p}`, root.version, undefined]);
    for (const [dep, range] of Object.entries<string>(pkg.dependencies ?? {})) {
      if (dep.startsWith('@nodulab/')) expect(`${dep}@${range}`).toBe(`${dep}@${root.version}`);
    }
  }
});

test('tarballs hold only the build, types, README and LICENSE (native: its loader, prebuild and C++ sources)', () => {
  for (const t of tarballs) {
    expect(t.files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    const isNative = t.name === 'nodulab-native';
    const allowed = isNative
      ? /^(package\.json|README\.md|LICENSE|CMakeLists\.txt|(index|loader|install)\.js|index\.(mjs|d\.ts|d\.mts)|prebuilds\/[a-z0-9]+-[a-z0-9]+\/nodulab\.node|src\/.+\.(h|cc|cu|cuh))$/
      : /^(package\.json|README\.md|LICENSE|bin\/nodulab\.js|dist\/.+\.(js|mjs|d\.ts|d\.mts))$/;
    expect(t.files.filter((f) => !allowed.test(f))).toEqual([]);
    if (!isNative) {
      expect(t.files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts']));
    }
  }
  const native = tarballs.find((t) => t.name === 'nodulab-native')!;
  if (process.platform === 'linux' && process.arch === 'x64') {
    expect(native.files).toContain('prebuilds/linux-x64/nodulab.node');
  }
});

test('the install used the prebuilt addon: no compiler or build tool was called', () => {
  const calls = fs.existsSync(project.log) ? fs.readFileSync(project.log, 'utf8') : '';
  expect(calls).toBe('');
  expect(installed.output).toMatch(/@nodulab\/native: using the prebuilt addon for linux-x64/);
  expect(fs.existsSync(path.join(project.dir, 'node_modules', '@nodulab', 'native', 'build'))).toBe(false);
});

test('the types resolve and check under node16 (emitting the ESM script) and bundler, with the README example', () => {
  const base = { target: 'ES2022', strict: true, typeRoots: [typeRoots], types: ['node'], skipLibCheck: false };
  const configs = {
    'tsconfig.json': { ...base, module: 'node16', moduleResolution: 'node16', outDir: 'out' },
    'tsconfig.bundler.json': {
      ...base,
      module: 'esnext',
      moduleResolution: 'bundler',
      noEmit: true,
      skipLibCheck: true,
    },
  };
  // The README's pipeline example ("Use nodulab in your project") is checked beside pipeline.ts.
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const example = /```ts\n(\/\/ server\.ts:[\s\S]*?)```/.exec(readme);
  expect(example).not.toBeNull();
  fs.writeFileSync(path.join(project.dir, 'server.ts'), example![1]);
  const files = ['pipeline.ts', 'server.ts'];
  for (const [file, compilerOptions] of Object.entries(configs)) {
    fs.writeFileSync(path.join(project.dir, file), JSON.stringify({ compilerOptions, files }));
    run(process.execPath, [tsc, '-p', file], project.dir);
  }
  expect(fs.existsSync(path.join(project.dir, 'out', 'pipeline.js'))).toBe(true);
});

function checkPipeline(r: PipelineResult): void {
  expect(r.exports).toEqual(['function', 'function', 'function']);
  expect(r.losses).toHaveLength(4);
  expect(r.losses.every(Number.isFinite)).toBe(true);
  expect(r.losses[3]).toBeLessThan(r.losses[0]); // four SGD steps on one batch lower its loss
  expect(r.probs).toHaveLength(2 * r.labels.length);
  for (let i = 0; i < r.labels.length; i++) expect(r.probs[2 * i] + r.probs[2 * i + 1]).toBeCloseTo(1, 5);
  expect(r.reloadedProbs).toEqual(r.probs); // the saved checkpoint restores the model exactly
  r.onnxProbs.forEach((p, i) => expect(Math.abs(p - r.probs[i])).toBeLessThan(1e-4)); // onnxruntime-node agrees
  expect(r.accuracy).toBeGreaterThanOrEqual(0);
}

test('the TypeScript ESM and the CommonJS pipelines train, save, export and predict, with identical results', () => {
  const esm = runPipeline(project.dir, path.join('out', 'pipeline.js'));
  const cjs = runPipeline(project.dir, 'pipeline.cjs');
  expect([esm.module, cjs.module]).toEqual(['esm', 'cjs']);
  checkPipeline(esm);
  checkPipeline(cjs);
  // One seed, one thread: both module systems run the same code, so the numbers are bit-identical.
  expect(esm.losses).toEqual(cjs.losses);
  expect(esm.probs).toEqual(cjs.probs);
});

test('the nodulab bin runs in the consumer project', () => {
  const r = run(path.join(project.dir, 'node_modules', '.bin', 'nodulab'), ['help'], project.dir);
  expect(r.stdout).toMatch(/^usage: nodulab <command>/);
  expect(r.stderr).toBe('');
});

const sourceTest = process.env.NODULAB_CONSUMER_SOURCE_BUILD === '1' ? test : test.skip;
sourceTest('NODULAB_BUILD_FROM_SOURCE=1: the cmake-js fallback builds the addon and gives the same results', () => {
  const p = makeProject('source');
  try {
    const r = install(p.dir, tarballs, userEnv({ NODULAB_BUILD_FROM_SOURCE: '1' }));
    console.log(`consumer install (source build): ${r.seconds.toFixed(1)} s`);
    expect(r.output).toMatch(/building the addon from source with cmake-js/);
    const addon = path.join(p.dir, 'node_modules', '@nodulab', 'native', 'build', 'Release', 'nodulab.node');
    expect(fs.existsSync(addon)).toBe(true);
    fs.copyFileSync(path.join(__dirname, 'project', 'pipeline.cjs'), path.join(p.dir, 'pipeline.cjs'));
    const fromSource = runPipeline(p.dir, 'pipeline.cjs');
    checkPipeline(fromSource);
    expect(fromSource.probs).toEqual(runPipeline(project.dir, 'pipeline.cjs').probs);
  } finally {
    fs.rmSync(p.dir, { recursive: true, force: true });
  }
});
