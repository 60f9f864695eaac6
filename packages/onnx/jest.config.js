// Jest settings for @nodulab/onnx: Node's own typed arrays (see the repository's
// test/helpers/node_realm_environment.js).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'onnx',
  rootDir: __dirname,
  testEnvironment: '<rootDir>/../../test/helpers/node_realm_environment.js',
};
