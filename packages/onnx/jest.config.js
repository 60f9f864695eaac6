// Jest settings for @nodulab/onnx: Node's own typed arrays (see test/node_realm_environment.js).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'onnx',
  rootDir: __dirname,
  testEnvironment: '<rootDir>/test/node_realm_environment.js',
};
