// Records the histories the replay test replays: one run of each runbook path on a fresh dev server and simulator,
// into histories/ (histories/before-kit/ holds runs recorded before the runbook kit: never re-recorded, they prove
// that runs started then still finish). Re-record after an intentional change of workflow code, and guard running
// workflows with patched() (docs/runbooks.md "Changing a runbook"):
//   npx tsx test/replay/record-histories.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ClusterRegistry } from '../../src/clusters';
import { parseConfig } from '../../src/config';
import { startCluster } from '../../src/sim';
import { startDevServer } from '../../src/temporal/dev-server';
import { RunbookClient } from '../../src/temporal/control';
import { createRunbookWorker } from '../../src/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mr-record-'));
  const server = await startDevServer({ dataDir: dir, headless: true });
  const sim = await startCluster({ agents: 4, tasksPerAgent: 2, timeScale: 20, seed: 3, agentReturnDelaySeconds: 1 });
  const config = parseConfig({ temporal: { address: server.address }, clusters: { default: { masters: sim.masters } } });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createRunbookWorker({ config, connection, client, taskQueue: 'replay' });
  const running = worker.run();
  const clusters = ClusterRegistry.fromConfig(config);
  const agents = [...sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  const runs: [string, string, Record<string, unknown>][] = [
    ['drainAgent-reactivate', 'drainAgent', { agentId: agents[0].id, reason: 'replay', maxGracePeriodSeconds: 1, reactivate: true }],
    ['drainAgent-plan', 'drainAgent', { agentId: agents[1].id, reason: 'replay', dryRun: true }],
    ['agentMaintenance-complete', 'agentMaintenance', { agentId: agents[1].id, reason: 'replay', maxGracePeriodSeconds: 1, workDurationSeconds: 1 }],
    ['agentMaintenance-plan', 'agentMaintenance', { agentId: agents[2].id, reason: 'replay', dryRun: true }],
  ];
  const index: Record<string, string> = {};
  try {
    for (const [file, runbook, input] of runs) {
      const run = await new RunbookClient({ client, taskQueue: 'replay', identity: 'replay', clusters }).start(runbook, input);
      const handle = client.workflow.getHandle(run.workflowId);
      await handle.result();
      // The temporal CLI writes the proto-JSON form that historyFromJSON reads back.
      const json = execFileSync(server.binary.path, ['workflow', 'show', '--address', server.address, '-w', handle.workflowId, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      writeFileSync(path.join(__dirname, 'histories', `${file}.json`), json);
      index[`${file}.json`] = handle.workflowId;
      process.stdout.write(`recorded ${file} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)\n`);
    }
    // Replays need the original workflow ids: workflow code derives ids (of waits, schedule requests) from them.
    writeFileSync(path.join(__dirname, 'histories', 'workflow-ids.json'), `${JSON.stringify(index, null, 2)}\n`);
  } finally {
    await worker.shutdown();
    await running.catch(() => undefined);
    await clusters.close();
    await connection.close();
    await client.connection.close();
    await sim.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
