// Root jest entry: runs every package's tests (npm test).
module.exports = {
  projects: [
    '<rootDir>/packages/*/jest.config.js',
    '<rootDir>/test/jest.config.js',
    '<rootDir>/test/consumer/jest.config.js',
  ],
  // A test that starts worker threads or child processes can take seconds on a busy 2-core machine; a hang
  // still fails, after 30 s instead of 5.
  testTimeout: 30_000,
};
