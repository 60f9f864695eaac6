// Shared jest settings for every nodulab package: TypeScript through ts-jest, node environment.
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  moduleNameMapper: { '^@nodulab/(?!native$)([a-z-]+)$': '<rootDir>/../$1/src/index.ts' },
};
