// The sandbox boundary (style.md principle 1): workflow and runbook code runs in Temporal's deterministic sandbox.
// It may import only what is on the allow-list below (the Temporal workflow API, zod, other sandbox code, and the
// pure, sandbox-safe modules of src/); anything else only as a type (`import type`). A local rule, because ESLint's
// no-restricted-imports is a deny-list and cannot resolve relative paths to folders.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const root = path.dirname(new URL(import.meta.url).pathname);

/** Bare module names sandbox code may import values from. */
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'zod'];
/** Project folders and files (relative to the root) sandbox code may import values from. */
const ALLOWED_PATHS = [
  'workflows/',
  'runbooks/',
  'docs/examples/',
  'src/contracts/',
  'src/common/',
  'src/agents/',
  'src/progress/',
  'src/resources/',
  'src/fleet/',
  'src/maintenance/schedule-change.ts',
  'src/maintenance/schedule-edit.ts',
  'src/convergence/conditions.ts',
  'src/convergence/protocol.ts',
  'src/temporal/search-attributes.ts',
];

const sandboxImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Sandbox code imports values only from the allow-list; anything else as a type' },
    schema: [],
    messages: {
      notAllowed:
        "'{{source}}' is not on the sandbox allow-list (eslint.config.mjs): workflow code runs in the Temporal sandbox, so it imports values only from {{allowed}}; import anything else as a type (import type ...), call activities through proxyActivities, and do I/O in an activity.",
    },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const check = (node, source, typeOnly) => {
      if (typeOnly || typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = path.relative(root, path.resolve(path.dirname(file), source));
        const withExt = /\.[cm]?[jt]s$/.test(target) ? target : `${target}.ts`;
        if (ALLOWED_PATHS.some((p) => (p.endsWith('/') ? `${target}/`.startsWith(p) : withExt === p || `${target}/index.ts` === p))) return;
      } else if (ALLOWED_PACKAGES.includes(source)) {
        return;
      }
      context.report({ node, messageId: 'notAllowed', data: { source, allowed: [...ALLOWED_PACKAGES, ...ALLOWED_PATHS].join(', ') } });
    };
    const allTypes = (node) => node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
    return {
      ImportDeclaration(node) {
        check(node, node.source.value, node.importKind === 'type' || allTypes(node));
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === 'type' || allTypes(node));
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === 'type');
      },
      ImportExpression(node) {
        check(node, node.source.value, false);
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.cache/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The catalog loads the runbook files it finds with require(): a dynamic list, by design.
    files: ['src/catalog.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'runbooks/**/*.ts', 'docs/examples/**/*.ts', 'src/observability/workflow-interceptors.ts'],
    plugins: { sandbox: { rules: { imports: sandboxImports } } },
    rules: { 'sandbox/imports': 'error' },
  },
);
