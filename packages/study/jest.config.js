// Jest settings for @nodulab/study.
module.exports = { ...require('../../jest.preset.js'), displayName: 'study', rootDir: __dirname };
