// Jest settings for the consumer test: nodulab packed, installed from its tarballs into a fresh project outside
// the repository, and used there from TypeScript (ESM) and CommonJS.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'consumer',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.spec.json' }] },
  moduleNameMapper: {},
};
