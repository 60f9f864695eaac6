// Jest settings for nodulab's end-to-end tests: the `nodulab` command run as a user runs it
// (child processes on the built CLI, or main(argv) in process), across packages.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/e2e/**/*.test.ts'],
  moduleNameMapper: { '^@nodulab/(?!native$)([a-z-]+)$': '<rootDir>/../packages/$1/src/index.ts' },
};
