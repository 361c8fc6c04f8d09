import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalog, RUNBOOK_FILE } from '../../src/catalog';

// The catalog (CLI, docs, chat) and the worker's workflow bundle both come from the files in runbooks/.
const runbooksDir = path.resolve(__dirname, '../../runbooks');

describe('the runbook catalog', () => {
  it('lists every runbook of runbooks/, each with a summary, an example that validates and its steps', () => {
    expect([...catalog().keys()].sort()).toEqual(['agentMaintenance', 'decommissionAgent', 'drainAgent', 'persistentVolume', 'pruneImages', 'resizeVolume', 'rollingMaintenance', 'updateQuota', 'updateReservations', 'updateWeights']);
    for (const entry of catalog().values()) {
      expect(entry.summary.length).toBeGreaterThan(20);
      expect(entry.inputSchema.safeParse(entry.example).success).toBe(true);
      expect(entry.steps.slice(0, 3)).toEqual(['preflight', 'lease', 'approval']);
      expect(entry.file).toBe(`runbooks/${entry.name}.ts`);
      // The target of a run's workflow id has no '/', so `<runbook>/<cluster>/<target>` parses back.
      expect(entry.target(entry.inputSchema.parse(entry.example) as Record<string, unknown>)).toMatch(/^[^/]+$/);
    }
    // The business keys of the contract: the agent as given, the persistence id, the sorted roles, the selection.
    const targetOf = (name: string) => catalog().get(name)!.target(catalog().get(name)!.inputSchema.parse(catalog().get(name)!.example) as Record<string, unknown>);
    expect(Object.fromEntries([...catalog().keys()].map((n) => [n, targetOf(n)]))).toEqual({
      agentMaintenance: 'agent-3.sim.local',
      decommissionAgent: 'agent-4.sim.local',
      drainAgent: 'agent-2.sim.local',
      persistentVolume: 'pg-data',
      pruneImages: 'rack=rack-1',
      resizeVolume: 'pg-data',
      rollingMaintenance: 'zone=zone-a',
      updateQuota: 'dev',
      updateReservations: 'agent-1.sim.local',
      updateWeights: 'dev',
    });
    expect(Object.fromEntries([...catalog().values()].map((e) => [e.name, e.lookup.kind]))).toEqual({
      agentMaintenance: 'agent',
      decommissionAgent: 'agent',
      drainAgent: 'agent',
      persistentVolume: 'agent',
      pruneImages: 'agents',
      resizeVolume: 'agent',
      rollingMaintenance: 'agents',
      updateQuota: 'cluster',
      updateWeights: 'cluster',
      updateReservations: 'agent',
    });
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

  it('has each runbook in the file of its name, which is how the bundle entry finds a run\'s runbook', () => {
    for (const entry of catalog().values()) expect(entry.file).toBe(`runbooks/${entry.name}.ts`);
    const source = readFileSync(path.join(runbooksDir, 'index.ts'), 'utf8');
    // Nothing but the SDK and types is imported statically: every runbook and entity is loaded by the run that needs it.
    expect([...source.matchAll(/^import (?!type ).*from '([^']+)'/gm)].map((m) => m[1])).toEqual(['@temporalio/workflow']);
    expect(source).not.toMatch(/^export \{/m);
  });
});
