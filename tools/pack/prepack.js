// `npm pack` step of every TypeScript package: checks that the build the tarball ships is there (dist/ with its
// CommonJS, ESM and type entries) and copies the repository's LICENSE into the package folder.
// Run in the package folder: `node ../../tools/pack/prepack.js`.
'use strict';
const fs = require('fs');
const path = require('path');

const name = JSON.parse(fs.readFileSync('package.json', 'utf8')).name;
const missing = ['dist/index.js', 'dist/index.d.ts', 'dist/index.mjs', 'dist/index.d.mts'].filter(
  (f) => !fs.existsSync(f),
);
if (missing.length > 0) {
  throw new Error(`${name}: ${missing.join(', ')} missing; run \`npm run build\` at the repository root first`);
}
fs.copyFileSync(path.join(__dirname, '..', '..', 'LICENSE'), 'LICENSE');
