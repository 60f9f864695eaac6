// `npm install` step of @nodulab/native: use the prebuilt addon when it opens on this machine; otherwise build
// nodulab.node from the shipped sources with cmake-js (needs a C++17 compiler and CMake >= 3.18) and say so.
//   NODULAB_BUILD_FROM_SOURCE=1  build from source even when a prebuild fits
//   NODULAB_CUDA=ON|AUTO         also build the CUDA backend in that source build (default OFF)
// In the nodulab repository (a checkout with native/test) the root `npm install` builds the addon instead.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { tryLoad, prebuildPath, platformKey } = require('./loader');

const say = (line) => process.stderr.write(`@nodulab/native: ${line}\n`);

function sourceBuild(reason) {
  say(`${reason}; building the addon from source with cmake-js (C++17 compiler and CMake >= 3.18 needed)`);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const cuda = process.env.NODULAB_CUDA || 'OFF';
  const args = [cmakeJs, 'compile', '--directory', __dirname, '--out', path.join(__dirname, 'build')];
  args.push('--CDNODULAB_BUILD_TESTS=OFF', '--CDNODULAB_BUILD_BENCH=OFF', `--CDNODULAB_CUDA=${cuda}`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: __dirname });
  if (r.status !== 0) {
    say(`the source build failed (exit ${r.status ?? r.signal}); see the cmake-js output above`);
    process.exit(1);
  }
  const built = tryLoad([path.join(__dirname, 'build', 'Release', 'nodulab.node')]);
  if (!built.binding) {
    say(`the source build finished but its addon does not load: ${built.errors.join('; ')}`);
    process.exit(1);
  }
  say(`built from source for ${platformKey}: ${built.file}`);
}

function main() {
  if (fs.existsSync(path.join(__dirname, 'test', 'tolerances.json'))) return; // a source checkout
  if (process.env.NODULAB_BUILD_FROM_SOURCE === '1') return sourceBuild('NODULAB_BUILD_FROM_SOURCE=1');
  if (!fs.existsSync(prebuildPath)) return sourceBuild(`no prebuilt addon for ${platformKey}`);
  const pre = tryLoad([prebuildPath]);
  if (!pre.binding) return sourceBuild(`the prebuilt addon for ${platformKey} does not load (${pre.errors[0]})`);
  const isa = pre.binding.getIsa();
  say(`using the prebuilt addon for ${platformKey} (vector ISA ${isa.active}; no compiler needed)`);
}

main();
