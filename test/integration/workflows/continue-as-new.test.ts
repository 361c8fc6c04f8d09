import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createAgentLockActivities } from '../../../activities/agent-lock';
import { createMaintenanceScheduleActivities } from '../../../activities/maintenance-schedule';
import { ClusterRegistry } from '../../../src/clusters';
import { parseConfig } from '../../../src/config';
import { startCluster, type SimCluster } from '../../../src/sim';
import { startDevServer, type DevServer } from '../../../src/temporal/dev-server';
import { agentLockWorkflowId, leasesQuery, maintenanceScheduleOwnerId, type AgentLockState } from '../../../src/contracts';
import type { ScheduleChangeResult } from '../../../src/maintenance/schedule-change';
import { finishSignal, type leaseHolder } from '../../helpers/entity-workflows';
import { holderReaches } from '../../helpers/holders';
import { testClient, testWorkerConnection, uniqueName } from '../../helpers/temporal';

/** Temporal suggests continue-as-new once a run's history has this many events (the default is 4,000s). */
const SUGGEST_AFTER_EVENTS = 40;

// The long-lived entity workflows continue as new when Temporal suggests it, carrying their state, and the clients
// that talk to them by workflow id follow the new run. On a real dev server of this file's own, configured to make
// the suggestion after SUGGEST_AFTER_EVENTS events, so it comes within a few requests instead of thousands.
describe('continue-as-new of the agent lock and the schedule owner (real suggestion from the server)', () => {
  const taskQueue = uniqueName('entity-can');
  const clusterName = uniqueName('can').toLowerCase();
  let dataDir: string;
  let server: DevServer;
  let sim: SimCluster;
  let clusters: ClusterRegistry;
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-can-'));
    server = await startDevServer({
      dataDir,
      headless: true,
      log: () => undefined,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AFTER_EVENTS },
    });
    sim = await startCluster({ agents: 3, tasksPerAgent: 0, timeScale: 20, seed: 5 });
    clusters = ClusterRegistry.fromConfig(parseConfig({ clusters: { [clusterName]: { masters: sim.masters } } }));
    client = await testClient(server);
    connection = await testWorkerConnection(server.address);
    const temporal = { client, taskQueue };
    worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../../helpers/entity-workflows'),
      activities: { ...createAgentLockActivities({ temporal }), ...createMaintenanceScheduleActivities({ clusters, temporal }) },
    });
    running = worker.run();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
    await clusters?.close();
    await sim?.stop();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const runIdOf = async (workflowId: string): Promise<string> => (await client.workflow.getHandle(workflowId).describe()).runId;
  const statusOf = async (workflowId: string, runId: string): Promise<string> => (await client.workflow.getHandle(workflowId, runId).describe()).status.name;

  /** Calls `step(i)` until the workflow's current run is no longer `firstRunId`; returns how many steps it took. */
  async function untilContinuedAsNew(workflowId: string, firstRunId: string, step: (i: number) => Promise<void>): Promise<number> {
    for (let i = 0; i < 3 * SUGGEST_AFTER_EVENTS; i++) {
      if ((await runIdOf(workflowId)) !== firstRunId) return i;
      await step(i);
    }
    throw new Error(`${workflowId} did not continue as new after ${3 * SUGGEST_AFTER_EVENTS} steps`);
  }

  const startHolder = (agentIds: string[], wait: boolean): Promise<WorkflowHandle<typeof leaseHolder>> =>
    client.workflow.start<typeof leaseHolder>('leaseHolder', { taskQueue, workflowId: uniqueName('holder'), args: [{ cluster: clusterName, agentIds, wait }] });
  const until = holderReaches;

  it('the agent lock carries its lease and its queue into the new run, which then grants the waiter', async () => {
    const lockId = agentLockWorkflowId(clusterName);
    const holder = await startHolder(['agent-A'], false);
    await until(holder, 'holding');
    const waiter = await startHolder(['agent-A'], true);
    await until(waiter, 'waiting');
    const firstRunId = await runIdOf(lockId);

    // Other runs take and release another agent, through the same activities runbooks use, until the server's
    // suggestion makes the lock continue as new.
    const steps = await untilContinuedAsNew(lockId, firstRunId, async () => {
      const other = await startHolder(['agent-B'], false);
      await until(other, 'holding');
      await other.signal(finishSignal);
      expect(await other.result()).toMatchObject({ state: 'released' });
    });
    expect(steps).toBeGreaterThan(0);
    expect(await statusOf(lockId, firstRunId)).toBe('CONTINUED_AS_NEW');

    const state: AgentLockState = await client.workflow.getHandle(lockId).query(leasesQuery);
    expect(state.leases).toEqual([expect.objectContaining({ agentId: 'agent-A', holder: holder.workflowId })]);
    expect(state.queue).toEqual([expect.objectContaining({ holder: waiter.workflowId, agentIds: ['agent-A'] })]);

    // The release reaches the new run, and the new run signals the waiter its grant.
    await holder.signal(finishSignal);
    await holder.result();
    await until(waiter, 'holding');
    await waiter.signal(finishSignal);
    await waiter.result();
    expect((await client.workflow.getHandle(lockId).query(leasesQuery)).leases).toEqual([]);
  });

  it('the schedule owner carries its memory of requests into the new run: a repeat after it makes no Mesos call', async () => {
    const ownerId = maintenanceScheduleOwnerId(clusterName);
    const machine = [...sim.model.agents.values()].map((a) => ({ hostname: a.hostname, ip: a.ip }))[0];
    const change = (changes: unknown[]) =>
      client.workflow.execute('scheduleChanger', { taskQueue, workflowId: uniqueName('changer'), args: [{ cluster: clusterName, changes }] }) as Promise<ScheduleChangeResult[]>;
    const writes = () => sim.audit().filter((e) => e.call === 'UPDATE_MAINTENANCE_SCHEDULE').length;

    const [first] = await change([{ requestId: 'can/first', add: { machines: [machine], window: { startNs: '1767225600000000001' } } }]);
    expect(first).toMatchObject({ requestId: 'can/first', applied: true });
    const firstRunId = await runIdOf(ownerId);

    // Each step moves the window and moves it back: two schedule writes, each a change with its own request id.
    await untilContinuedAsNew(ownerId, firstRunId, async (i) => {
      await change([
        { requestId: `can/off-${i}`, remove: { machines: [machine] } },
        { requestId: `can/on-${i}`, add: { machines: [machine], window: { startNs: '1767225600000000001' } } },
      ]);
    });
    expect(await statusOf(ownerId, firstRunId)).toBe('CONTINUED_AS_NEW');

    const before = writes();
    const [repeat] = await change([{ requestId: 'can/first', add: { machines: [machine], window: { startNs: '1767225600000000001' } } }]);
    expect(repeat).toEqual(first);
    expect(writes()).toBe(before);

    // The new run still writes: a new request is applied.
    const [removed] = await change([{ requestId: 'can/last', remove: { machines: [machine] } }]);
    expect(removed).toMatchObject({ requestId: 'can/last', applied: true });
    expect(writes()).toBe(before + 1);
    expect((await clusters.master(clusterName).getMaintenanceSchedule()).schedule.windows).toEqual([]);
  });
});
