// Jest settings for @nodulab/train.
module.exports = { ...require('../../jest.preset.js'), displayName: 'train', rootDir: __dirname };
