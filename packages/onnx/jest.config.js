// Jest settings for @nodulab/onnx.
module.exports = { ...require('../../jest.preset.js'), displayName: 'onnx', rootDir: __dirname };
