// Writes a TypeScript package's ESM entry after `tsc -b`: dist/index.mjs re-exports every name of the CommonJS
// build (dist/index.js), so `import` and `require` share one instance of each class, and dist/index.d.mts
// re-exports its types. Run in the package folder: `node ../../tools/pack/esm-entry.js`.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.resolve('dist');
const cjsFile = path.join(dist, 'index.js');
if (!fs.existsSync(cjsFile)) throw new Error(`esm-entry: ${cjsFile} not found; run tsc -b first`);
const names = Object.keys(require(cjsFile)).filter((n) => n !== 'default' && n !== '__esModule');
if (names.length === 0) throw new Error(`esm-entry: ${cjsFile} exports nothing`);

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')).name;
const header = `// ESM entry of ${pkg}, written by tools/pack/esm-entry.js from the CommonJS build (one module instance).\n`;
const locals = names.map((n, i) => `const v${i} = cjs[${JSON.stringify(n)}];`);
const list = names.map((n, i) => `  v${i} as ${n},`);
const mjs = `${header}import cjs from './index.js';\n\n${locals.join('\n')}\n\nexport {\n${list.join('\n')}\n};\n`;
fs.writeFileSync(path.join(dist, 'index.mjs'), mjs);
fs.writeFileSync(path.join(dist, 'index.d.mts'), `${header}export * from './index.js';\n`);
