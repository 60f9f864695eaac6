// Finds and loads nodulab's compiled addon: a local cmake-js build (build/Release) first, then the prebuilt
// binary shipped for this platform (prebuilds/<platform>-<arch>/nodulab.node), then a Debug build.
'use strict';
const path = require('path');

/** The folder name of this platform's prebuild, e.g. `linux-x64` (Node's process.platform and arch). */
const platformKey = `${process.platform}-${process.arch}`;

/** The prebuilt binary's path for this platform (it may not exist). */
const prebuildPath = path.join(__dirname, 'prebuilds', platformKey, 'nodulab.node');

/** Every place nodulab.node is looked for, in order. NODULAB_NATIVE_DIR names another folder (a second build tree). */
function candidates() {
  return [
    ...(process.env.NODULAB_NATIVE_DIR ? [path.resolve(process.env.NODULAB_NATIVE_DIR, 'nodulab.node')] : []),
    path.join(__dirname, 'build', 'Release', 'nodulab.node'),
    prebuildPath,
    path.join(__dirname, 'build', 'Debug', 'nodulab.node'),
  ];
}

/**
 * Loads the first candidate that exists and opens on this machine. Returns `{ binding, file }`, or
 * `{ binding: null, errors }` with one line per candidate that failed (a missing file or a dlopen error).
 */
function tryLoad(files = candidates()) {
  const errors = [];
  for (const file of files) {
    try {
      return { binding: require(file), file };
    } catch (e) {
      errors.push(`${file}: ${e && e.code === 'MODULE_NOT_FOUND' ? 'not found' : e && e.message}`);
    }
  }
  return { binding: null, errors };
}

module.exports = { platformKey, prebuildPath, candidates, tryLoad };
