import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The sandbox boundary (style.md principle 1) is an allow-list enforced by eslint.config.mjs; this proves it bites.
const root = path.resolve(__dirname, '../../..');
const eslintBin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

// ESLint's flat config is an ES module, which jest's CommonJS runtime cannot load: run the real CLI on stdin.
async function messages(code: string, file: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [eslintBin, '--stdin', '--stdin-filename', file, '--format', 'json'], { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const refused = (source: string) => expect.stringMatching(new RegExp(`^sandbox/imports: '${source.replace(/[/.]/g, '\\$&')}' is not on the sandbox allow-list`));

describe('the workflow sandbox boundary (an allow-list)', () => {
  it.each(['workflows/probe.ts', 'runbooks/probe.ts', 'workflows/kit/probe.ts'])('refuses Node built-ins in %s', async (file) => {
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", file)).toEqual([refused('node:fs')]);
    expect(await messages("import http from 'http';\nexport const x = http;\n", file)).toEqual([refused('http')]);
  });

  it('refuses a value import of activities but allows a type import', async () => {
    expect(await messages("import { createActivities } from '../activities';\nexport const x = createActivities;\n", 'runbooks/probe.ts')).toEqual([refused('../activities')]);
    expect(await messages("import type { Activities } from '../activities';\nexport type X = Activities;\n", 'runbooks/probe.ts')).toEqual([]);
    expect(await messages("import { type Activities } from '../activities';\nexport type X = Activities;\n", 'runbooks/probe.ts')).toEqual([]);
  });

  it('refuses I/O libraries and Node-side project modules (the client, the simulator, the catalog)', async () => {
    for (const source of ['undici', '@temporalio/client', '../src/mesos', '../src/sim', '../src/catalog', '../src/temporal/control']) {
      expect(await messages(`import { x } from '${source}';\nexport const y = x;\n`, 'runbooks/probe.ts')).toEqual([refused(source)]);
    }
  });

  it('allows the workflow API, zod, sandbox code and the pure modules of src/', async () => {
    const allowed = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import { z } from 'zod';",
      "import { defineRunbook } from '../workflows/kit/define';",
      "import { controlUpdates } from '../src/contracts';",
      "import { lookupAgent } from '../src/agents/vocabulary';",
      "import { evaluate } from '../src/convergence/conditions';",
      "import { terminal } from '../src/progress/format';",
    ];
    expect(await messages(`${allowed.join('\n')}\nexport const all = [proxyActivities, ApplicationFailure, z, defineRunbook, controlUpdates, lookupAgent, evaluate, terminal];\n`, 'runbooks/probe.ts')).toEqual([]);
  });

  it('leaves activities free to use Node built-ins', async () => {
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'activities/probe.ts')).toEqual([]);
  });
});
