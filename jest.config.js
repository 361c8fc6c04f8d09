/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/stack/ starts a Temporal server on PostgreSQL of its own: `npm run test:stack` (jest.stack.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/stack/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: run test files two at a time; the Temporal dev server is shared by all of them.
  maxWorkers: 2,
};
