import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The sandbox boundary (style.md principle 1) is enforced by eslint.config.mjs; this proves the rule bites.
const root = path.resolve(__dirname, '../../..');
const eslintBin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

// ESLint's flat config is an ES module, which jest's CommonJS runtime cannot load: run the real CLI on stdin.
async function messages(code: string, file: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [eslintBin, '--stdin', '--stdin-filename', file, '--format', 'json'], { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the workflow sandbox boundary', () => {
  it.each(['workflows/probe.ts', 'runbooks/probe.ts'])('refuses Node built-ins in %s', async (file) => {
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", file)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*Workflow code runs in the Temporal sandbox: no Node built-ins/),
    ]);
    expect(await messages("import http from 'http';\nexport const x = http;\n", file)).toHaveLength(1);
  });

  it('refuses a value import of activities but allows a type import', async () => {
    expect(await messages("import { createActivities } from '../activities';\nexport const x = createActivities;\n", 'runbooks/probe.ts')).toEqual([
      expect.stringMatching(/imports activities by type only/),
    ]);
    expect(await messages("import type { Activities } from '../activities';\nexport type X = Activities;\n", 'runbooks/probe.ts')).toEqual([]);
  });

  it('refuses I/O libraries in workflow code', async () => {
    expect(await messages("import { request } from 'undici';\nexport const x = request;\n", 'workflows/probe.ts')).toEqual([
      expect.stringMatching(/may not import I\/O libraries/),
    ]);
  });

  it('leaves activities free to use Node built-ins', async () => {
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'activities/probe.ts')).toEqual([]);
  });
});
