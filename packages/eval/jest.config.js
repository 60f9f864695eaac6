// Jest settings for @nodulab/eval.
module.exports = { ...require('../../jest.preset.js'), displayName: 'eval', rootDir: __dirname };
