// Loads nodulab's compiled addon (native/build/Release/nodulab.node) built by cmake-js at install.
'use strict';
const path = require('path');
// NODULAB_NATIVE_DIR names another folder holding nodulab.node (e.g. a second build tree).
const candidates = [
  ...(process.env.NODULAB_NATIVE_DIR ? [path.resolve(process.env.NODULAB_NATIVE_DIR, 'nodulab.node')] : []),
  path.join(__dirname, 'build', 'Release', 'nodulab.node'),
  path.join(__dirname, 'build', 'Debug', 'nodulab.node'),
];
let lastError;
for (const file of candidates) {
  try {
    module.exports = require(file);
    return;
  } catch (e) {
    lastError = e;
  }
}
throw new Error(
  `nodulab: the native addon is not built (looked in ${candidates.join(', ')}). ` +
    `Run \`npm install\` (or \`npm run build:native\`) at the repository root. Last error: ${lastError && lastError.message}`,
);
