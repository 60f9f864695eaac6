// Root jest entry: runs every package's tests (npm test).
module.exports = {
  projects: [
    '<rootDir>/packages/*/jest.config.js',
    '<rootDir>/test/jest.config.js',
    '<rootDir>/test/consumer/jest.config.js',
  ],
};
