// @nodulab/native: loads nodulab's compiled addon (a local cmake-js build, else the prebuilt binary for this
// platform; see loader.js). Types: index.d.ts.
'use strict';
const { tryLoad, platformKey } = require('./loader');

const { binding, errors } = tryLoad();
if (!binding) {
  throw new Error(
    `@nodulab/native: no usable addon for ${platformKey} (Node ${process.version}).\n  ${errors.join('\n  ')}\n` +
      'Build it from source with `npm rebuild @nodulab/native` (needs a C++17 compiler and CMake >= 3.18), ' +
      'or in the nodulab repository with `npm run build:native`.',
  );
}
module.exports = binding;
