// Records the histories the replay test replays: one run of each runbook path on a fresh dev server and simulator,
// into histories/ (histories/before-kit/ holds runs recorded before the runbook kit: never re-recorded, they prove
// that runs started then still finish). Re-record after an intentional change of workflow code, and guard running
// workflows with patched() (docs/runbooks.md "Changing a runbook"):
//   npx tsx test/replay/record-histories.ts
// With a folder name, into histories/<name>/ instead, with a notification target (a webhook on loopback) and a run
// held by its cluster's freeze: how histories/run-settings/ (runs with patched('run-settings')) were recorded:
//   npx tsx test/replay/record-histories.ts run-settings
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  const sub = process.argv[2];
  const outDir = path.join(__dirname, 'histories', ...(sub ? [sub] : []));
  mkdirSync(outDir, { recursive: true });
  const sink = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const config = parseConfig({
    temporal: { address: server.address },
    clusters: { default: { masters: sim.masters } },
    ...(sub ? { notifications: { targets: [{ name: 'sink', webhook: { url: hook } }] } } : {}),
  });
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
    ...(sub ? ([['drainAgent-frozen', 'drainAgent', { agentId: agents[3].id, reason: 'replay', maxGracePeriodSeconds: 1 }]] as [string, string, Record<string, unknown>][]) : []),
  ];
  const index: Record<string, string> = {};
  try {
    for (const [file, runbook, input] of runs) {
      const runbooks = new RunbookClient({ client, taskQueue: 'replay', identity: 'replay', clusters });
      const frozen = file.endsWith('-frozen');
      if (frozen) await runbooks.freeze('default', { until: new Date(Date.now() + 3600_000).toISOString(), reason: 'replay' });
      const run = await runbooks.start(runbook, input);
      const handle = client.workflow.getHandle(run.workflowId);
      if (frozen) {
        for (let p = await handle.query<{ phase: string }>('progress').catch(() => ({ phase: '' })); p.phase !== 'frozen'; p = await handle.query<{ phase: string }>('progress').catch(() => ({ phase: '' }))) {
          await new Promise((r) => setTimeout(r, 100));
        }
        await runbooks.unfreeze('default');
      }
      await handle.result();
      // The temporal CLI writes the proto-JSON form that historyFromJSON reads back.
      const json = execFileSync(server.binary.path, ['workflow', 'show', '--address', server.address, '-w', handle.workflowId, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      writeFileSync(path.join(outDir, `${file}.json`), json);
      index[`${file}.json`] = handle.workflowId;
      process.stdout.write(`recorded ${file} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)\n`);
    }
    // Replays need the original workflow ids: workflow code derives ids (of waits, schedule requests) from them.
    writeFileSync(path.join(outDir, 'workflow-ids.json'), `${JSON.stringify(index, null, 2)}\n`);
  } finally {
    await worker.shutdown();
    await running.catch(() => undefined);
    await clusters.close();
    await connection.close();
    await client.connection.close();
    await sim.stop();
    await server.stop();
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
