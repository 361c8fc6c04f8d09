import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalog, RUNBOOK_FILE } from '../../src/catalog';

// The catalog (CLI, docs, chat) and the worker's workflow bundle both come from the files in runbooks/.
const runbooksDir = path.resolve(__dirname, '../../runbooks');

describe('the runbook catalog', () => {
  it('lists every runbook of runbooks/, each with a summary, an example that validates and its steps', () => {
    expect([...catalog().keys()].sort()).toEqual(['agentMaintenance', 'drainAgent']);
    for (const entry of catalog().values()) {
      expect(entry.summary.length).toBeGreaterThan(20);
      expect(entry.inputSchema.safeParse(entry.example).success).toBe(true);
      expect(entry.steps.slice(0, 3)).toEqual(['preflight', 'lease', 'approval']);
      expect(entry.file).toBe(`runbooks/${entry.name}.ts`);
      expect(entry.target(entry.inputSchema.parse(entry.example) as Record<string, unknown>)).toBe(String(entry.example.hostname ?? entry.example.agentId));
    }
    expect(catalog().get('agentMaintenance')!.steps).toEqual([
      'preflight', 'lease', 'approval', 'drain', 'wait for DRAINED', 'schedule window', 'start maintenance', 'work', 'stop maintenance', 'wait for agent', 'reactivate', 'verify',
    ]);
  });

  it("finds the same files as the workflow bundle's require.context in runbooks/index.ts", () => {
    const source = readFileSync(path.join(runbooksDir, 'index.ts'), 'utf8');
    const literal = /\.context\('\.', false, \/(.+)\/\)/.exec(source)?.[1];
    expect(literal).toBeDefined();
    const bundle = new RegExp(literal!);
    const files = readdirSync(runbooksDir).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => bundle.test(`./${f}`)).sort()).toEqual(files.filter((f) => RUNBOOK_FILE.test(f)).sort());
    expect(files.filter((f) => RUNBOOK_FILE.test(f))).not.toContain('index.ts');
  });
});
