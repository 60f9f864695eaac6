// `npm pack` step of @nodulab/native: builds the CPU-only addon (no CUDA, tests or benchmarks) with cmake-js in
// build-prebuild/, strips it and puts it in prebuilds/<platform>-<arch>/nodulab.node, checks that it loads and
// registers no CUDA kernel, and copies the repository's LICENSE. One binary holds the scalar, AVX2 and AVX-512
// kernels, chosen at run time by cpuid.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { platformKey, prebuildPath } = require('../loader');

const root = path.join(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) throw new Error(`@nodulab/native prepack: \`${cmd} ${args.join(' ')}\` failed (${r.status})`);
};

const out = path.join(root, 'build-prebuild');
run(process.execPath, [
  require.resolve('cmake-js/bin/cmake-js'),
  ...['compile', '--directory', root, '--out', out, '--CDNODULAB_CUDA=OFF'],
  ...['--CDNODULAB_BUILD_TESTS=OFF', '--CDNODULAB_BUILD_BENCH=OFF'],
]);
fs.mkdirSync(path.dirname(prebuildPath), { recursive: true });
fs.copyFileSync(path.join(out, 'Release', 'nodulab.node'), prebuildPath);
if (spawnSync('strip', ['--version']).status === 0) run('strip', ['--strip-unneeded', prebuildPath]);

// Load it in a fresh process: the prebuild must open without the build tree and hold no CUDA kernel.
const check = `const n = require(${JSON.stringify(prebuildPath)});
if (n.kernels().some((k) => k.endsWith('/cuda'))) { console.error('the prebuild registers CUDA kernels'); process.exit(1); }
console.log('@nodulab/native prepack: ${platformKey} prebuild loads; ISA', n.getIsa().detected);`;
run(process.execPath, ['-e', check]);
fs.copyFileSync(path.join(root, '..', 'LICENSE'), path.join(root, 'LICENSE'));
