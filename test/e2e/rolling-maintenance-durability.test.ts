import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ClusterRegistry } from '../../src/clusters';
import { parseConfig } from '../../src/config';
import { startCluster, type SimCluster } from '../../src/sim';
import { RunbookClient } from '../../src/temporal/control';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { createRunbookWorker, type RunbookWorker } from '../../src/worker';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { testClient, testWorkerConnection, uniqueName } from '../helpers/temporal';
import { workerProcess } from '../helpers/worker-process';

const drainsOf = (sim: SimCluster, agentId: string) => sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agentId && e.outcome !== 'rejected');

// A roll survives what a night throws at it: a worker killed with SIGKILL mid-roll, and its own history growing past
// Temporal's suggestion to continue as new (with children running, which must be neither killed nor lost).
describe('rollingMaintenance durability', () => {
  describe('a worker killed (SIGKILL) mid-roll', () => {
    let env: RunbookEnv;
    beforeAll(async () => {
      env = await runbookEnv({ agents: 4, tasksPerAgent: 1, frameworks: 1, timeScale: 20 }, { startWorker: false });
    });
    afterAll(() => env?.stop());

    it('loses nothing: the restarted worker finishes the roll, each machine drained once', async () => {
      const worker = workerProcess(env);
      const framework = [...env.sim.model.frameworks.values()][0]!;
      env.sim.setFrameworkAcknowledges(framework.id, false); // the first batch stays DRAINING while the worker dies
      await worker.start();
      try {
        const handle = await env.start('rollingMaintenance', { agents: { all: true }, batchSize: 2, reason: 'kill test', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true } });
        await progressUntil(handle, (p) => ((p.details as { summary?: { running?: string[] } } | undefined)?.summary?.running?.length ?? 0) === 2, 60_000);
        await eventually('the first batch draining', () => [...env.sim.model.agents.values()].filter((a) => a.drain?.state === 'DRAINING').length === 2);
        await worker.kill('SIGKILL');
        env.sim.setFrameworkAcknowledges(framework.id, true);
        await worker.start();
        await expect(handle.result()).resolves.toMatchObject({ done: 4, failed: 0 });
        for (const agent of env.sim.model.agents.values()) expect(drainsOf(env.sim, agent.id)).toHaveLength(1);
      } finally {
        env.sim.setFrameworkAcknowledges(framework.id, true);
        await worker.stop();
      }
    }, 240_000);
  });

  describe('continue-as-new mid-roll (a dev server of its own that suggests it after 50 events)', () => {
    let dataDir: string;
    let server: DevServer;
    let sim: SimCluster;
    let client: Client;
    let worker: RunbookWorker;
    let clusters: ClusterRegistry;
    const taskQueue = uniqueName('roll-can');
    const cluster = uniqueName('can').toLowerCase();

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'mr-roll-can-'));
      server = await startDevServer({ dataDir, headless: true, log: () => undefined, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 50 } });
      sim = await startCluster({ agents: 8, tasksPerAgent: 1, timeScale: 20, seed: 13 });
      const config = parseConfig({ temporal: { address: server.address }, clusters: { [cluster]: { masters: sim.masters } } });
      client = await testClient(server);
      clusters = ClusterRegistry.fromConfig(config);
      worker = await createRunbookWorker({ config, connection: await testWorkerConnection(server.address), client, taskQueue });
      void worker.run();
    }, 120_000);

    afterAll(async () => {
      await worker?.shutdown();
      await clusters?.close();
      await client?.connection.close();
      await sim?.stop();
      await server?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps its children and its state: every machine drained once, the result complete', async () => {
      const run = await new RunbookClient({ client, taskQueue, clusters, identity: 'jest' }).start('rollingMaintenance', {
        cluster,
        agents: { all: true },
        batchSize: 2,
        maxConcurrent: 4,
        reason: 'continue as new',
        perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true },
      });
      const result = (await client.workflow.getHandle(run.workflowId).result()) as { done: number; machines: { outcome: string }[] };
      expect(result.done).toBe(8);
      expect(result.machines).toHaveLength(8);
      const runs: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${run.workflowId}'` })) runs.push(w.status.name);
      expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(1);
      for (const agent of sim.model.agents.values()) {
        expect(drainsOf(sim, agent.id)).toHaveLength(1);
        const childRuns: string[] = [];
        for await (const w of client.workflow.list({ query: `WorkflowId = '${run.workflowId}/${agent.hostname}'` })) childRuns.push(w.status.name);
        expect(childRuns).toEqual(['COMPLETED']);
      }
      const progress = await client.workflow.getHandle(run.workflowId).query<{ log: string[] }>('progress');
      expect(progress.log.join('\n')).toMatch(/continuing as new \(history of \d+ events\): the run goes on with step 'roll'/);
    }, 240_000);

    it('learns of a child that ended without telling it (terminated): it asks the server after continue-as-new and after 10 minutes without news (5 s at time scale 120)', async () => {
      // A worker of its own whose runs' timers go 120 times faster, so the roll's 10-minute check comes in 5 s.
      const scaledQueue = `${taskQueue}-scaled`;
      const scaled = await createRunbookWorker({ config: parseConfig({ temporal: { address: server.address }, clusters: { [cluster]: { masters: sim.masters } } }), connection: await testWorkerConnection(server.address), client, taskQueue: scaledQueue, timeScale: 120 });
      const running = scaled.run();
      const frameworks = [...sim.model.frameworks.values()];
      const [a, b] = [...sim.model.agents.values()].filter((x) => !x.deactivated);
      for (const x of [a!, b!]) sim.launchTask({ agentId: x.id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], name: 'held' });
      for (const f of frameworks) sim.setFrameworkAcknowledges(f.id, false); // both drains wait: nobody acknowledges the kills
      try {
        const run = await new RunbookClient({ client, taskQueue: scaledQueue, clusters, identity: 'jest' }).start('rollingMaintenance', {
          cluster,
          agents: { agentIds: [a!.id, b!.id] },
          batchSize: 1,
          maxConcurrent: 2,
          failureBudget: 1,
          reason: 'a child terminated',
          perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true },
        });
        const childOf = (hostname: string) => client.workflow.getHandle(`${run.workflowId}/${hostname}`);
        await eventually('both children waiting for DRAINED', () => [a!, b!].every((x) => x.drain?.state === 'DRAINING'));
        await childOf(a!.hostname).terminate('test: a child that never reports its end');
        for (const f of frameworks) sim.setFrameworkAcknowledges(f.id, true); // b drains and tells the roll; a never does
        const result = (await client.workflow.getHandle(run.workflowId).result()) as { done: number; failed: number; machines: { hostname: string; outcome: string; reason?: string }[] };
        expect(result).toMatchObject({ done: 1, failed: 1 });
        expect(result.machines.find((m) => m.hostname === a!.hostname)).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/TERMINATED/) });
        expect(result.machines.find((m) => m.hostname === b!.hostname)).toMatchObject({ outcome: 'done' });
      } finally {
        for (const f of frameworks) sim.setFrameworkAcknowledges(f.id, true);
        await eventually('the terminated machine drained', () => a!.drain?.state === 'DRAINED');
        await clusters.master(cluster).reactivateAgent({ agentId: a!.id });
        await scaled.shutdown();
        await running;
      }
    }, 120_000);
  });
});
