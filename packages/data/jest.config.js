// Jest settings for @nodulab/data.
module.exports = { ...require('../../jest.preset.js'), displayName: 'data', rootDir: __dirname };
