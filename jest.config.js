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
  // One worker per core (jest's default leaves one core free): on a 2-core machine half the suites are
  // single-threaded JavaScript (transforms, module loading, child processes), so two workers keep both busy.
  maxWorkers: '100%',
};
