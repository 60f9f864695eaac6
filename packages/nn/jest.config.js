// Jest settings for @nodulab/nn.
module.exports = { ...require('../../jest.preset.js'), displayName: 'nn', rootDir: __dirname };
