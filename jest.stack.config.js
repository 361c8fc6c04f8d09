/**
 * `npm run test:stack`: the production stack (test/stack/): a Temporal server on PostgreSQL started by the test
 * itself, so there is no shared dev server here.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/stack'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 300_000,
  maxWorkers: 1,
};
