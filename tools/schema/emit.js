#!/usr/bin/env node
// `npm run schemas`: writes schemas/*.schema.json (run config, study spec, dataset spec) from the zod
// schemas in the built packages (run `npm run build` first). With --check, writes nothing and exits 1 if any file is
// stale.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const { jsonSchemaFiles } = require(path.join(ROOT, 'packages', 'study', 'dist'));
const check = process.argv.includes('--check');
const dir = path.join(ROOT, 'schemas');
let stale = 0;
for (const [name, text] of Object.entries(jsonSchemaFiles())) {
  const file = path.join(dir, name);
  const same = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text;
  if (check) {
    if (!same) console.error(`stale: ${path.relative(ROOT, file)} (run npm run schemas)`);
    stale += same ? 0 : 1;
  } else if (!same) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(ROOT, file)}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
