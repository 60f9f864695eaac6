// Jest settings for @nodulab/tensor.
module.exports = { ...require('../../jest.preset.js'), displayName: 'tensor', rootDir: __dirname };
