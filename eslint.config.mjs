// The sandbox boundary (style.md principle 1): workflow and runbook code runs in Temporal's deterministic
// sandbox, so it may not import Node built-ins, and it imports activities by type only.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.cache/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'runbooks/**/*.ts', 'src/observability/workflow-interceptors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' })),
          patterns: [
            {
              group: ['**/activities', '**/activities/*', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflow code imports activities by type only (import type ...), and calls them through proxyActivities.',
            },
            {
              group: ['undici', '**/src/mesos/transport*', '**/src/sim/**', '@temporalio/worker', '@temporalio/client', 'pino'],
              allowTypeImports: true,
              message: 'Workflow code may not import I/O libraries; do the I/O in an activity.',
            },
          ],
        },
      ],
    },
  },
);
