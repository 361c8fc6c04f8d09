import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { ClusterRegistry } from '../../../src/clusters';
import { parseConfig, type Config } from '../../../src/config';
import { startCluster, type SimCluster } from '../../../src/sim';
import { RunbookClient, RunbookInputError } from '../../../src/temporal/control';
import { createRunbookWorker, type RunbookWorker } from '../../../src/worker';
import { testClient, testWorkerConnection, uniqueName } from '../../helpers/temporal';
import { neverCalledMaster, type StubServer } from '../../helpers/mesos-stub-server';

// End to end: the real Temporal dev server, the worker, drainAgent, and a simulated Mesos cluster over real HTTP.
describe('drainAgent on the real dev server against the simulator', () => {
  const taskQueue = uniqueName('drain-agent');
  const clusterName = uniqueName('sim').toLowerCase();
  let sim: SimCluster;
  let counting: StubServer;
  let config: Config;
  let client: Client;
  let connection: NativeConnection;
  let worker: RunbookWorker;
  let clusters: ClusterRegistry;

  beforeAll(async () => {
    sim = await startCluster({ agents: 4, tasksPerAgent: 3, timeScale: 20, seed: 7 });
    counting = await neverCalledMaster();
    config = parseConfig({
      clusters: { [clusterName]: { masters: sim.masters }, silent: { masters: [counting.url] } },
    });
    client = await testClient();
    connection = await testWorkerConnection();
    worker = await createRunbookWorker({ config, connection, taskQueue, client });
    void worker.run();
    clusters = ClusterRegistry.fromConfig(config);
  });

  afterAll(async () => {
    await worker?.shutdown();
    await clusters?.close();
    await connection?.close();
    await client?.connection.close();
    await sim?.stop();
    await counting?.close();
  });

  const agents = () => [...sim.model.agents.values()];
  const start = async (runbook: string, input: Record<string, unknown>) => {
    const run = await new RunbookClient({ client, taskQueue, identity: 'jest', clusters }).start(runbook, input);
    return client.workflow.getHandle(run.workflowId);
  };
  const drainCalls = (agentId: string, call = 'DRAIN_AGENT') => sim.audit().filter((e) => e.call === call && e.target === agentId);

  it('drains an agent by hostname until DRAINED, applying DRAIN_AGENT once', async () => {
    const agent = agents()[0];
    expect(agent.taskIds.size).toBe(3);
    const handle = await start('drainAgent', { cluster: clusterName, hostname: agent.hostname, reason: 'test: kernel upgrade', maxGracePeriodSeconds: 10 });
    const result = await handle.result();
    expect(result).toMatchObject({ agentId: agent.id, finalState: 'DRAINED', drainApplied: true });
    const after = sim.model.agents.get(agent.id)!;
    expect(after.drain?.state).toBe('DRAINED');
    expect(after.deactivated).toBe(true);
    expect(drainCalls(agent.id).map((e) => e.outcome)).toEqual(['applied']);
    const progress = await handle.query<{ phase: string; steps: { name: string; status: string }[] }>('progress');
    expect(progress.phase).toBe('done');
    expect(progress.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(['preflight: done', 'lease: done', 'approval: skipped', 'drain: done', 'wait for DRAINED: done']);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.getAll().map((p) => p.key.name)).toEqual(
      expect.arrayContaining(['MesosCluster', 'RunbookName', 'AgentIds', 'Initiator', 'RunbookPhase']),
    );
  });

  it('drains by agent id and reactivates: the agent ends active with no drain info', async () => {
    const agent = agents()[1];
    const handle = await start('drainAgent', { cluster: clusterName, agentId: agent.id, reason: 'test: reboot', maxGracePeriodSeconds: 5, reactivate: true });
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'REACTIVATED' });
    const after = sim.model.agents.get(agent.id)!;
    expect(after.drain).toBeUndefined();
    expect(after.deactivated).toBe(false);
    expect(drainCalls(agent.id, 'REACTIVATE_AGENT').map((e) => e.outcome)).toEqual(['applied']);
  });

  it.each([
    ['unknown agent', { agentId: 'no-such-agent-S99', reason: 'r' }, /agentId: no agent 'no-such-agent-S99' is registered/],
    ['negative grace period', { agentId: 'x', reason: 'r', maxGracePeriodSeconds: -1 }, /maxGracePeriodSeconds: must be 0 or more/],
    ['missing reason', { agentId: 'x' }, /reason: required/],
    ['both agentId and hostname', { agentId: 'x', hostname: 'h', reason: 'r' }, /hostname: give agentId or hostname, not both/],
    ['neither agentId nor hostname', { reason: 'r' }, /agentId: required: give agentId or hostname/],
  ])('our start path refuses %s, naming the field, and starts nothing', async (_name, input, message) => {
    const before = sim.audit().length;
    const workflowsBefore = await countRuns(client, taskQueue);
    const error = await start('drainAgent', { cluster: clusterName, ...input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunbookInputError);
    expect((error as Error).message).toMatch(message);
    expect(sim.audit().length).toBe(before);
    expect(await countRuns(client, taskQueue)).toBe(workflowsBefore);
  });

  it.each([
    ['negative grace period', { agentId: 'a-S1', reason: 'r', maxGracePeriodSeconds: -3 }, 'maxGracePeriodSeconds'],
    ['missing reason', { agentId: 'a-S1' }, 'reason'],
    ['both agentId and hostname', { agentId: 'a-S1', hostname: 'h', reason: 'r' }, 'hostname'],
  ])('a run started elsewhere (Web UI, temporal CLI) with %s fails at once, without a single Mesos call', async (_name, input, field) => {
    const handle = await client.workflow.start('drainAgent', { taskQueue, workflowId: uniqueName('raw'), args: [{ cluster: 'silent', ...input }] });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_INPUT');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain(`${field}: `);
    expect(counting.requests).toHaveLength(0);
  });

  it('an unknown agent in a run started elsewhere fails non-retryably naming agentId, with no mutating call', async () => {
    const before = sim.audit().length;
    const handle = await client.workflow.start('drainAgent', {
      taskQueue,
      workflowId: uniqueName('raw-unknown'),
      args: [{ cluster: clusterName, agentId: 'nope-S42', reason: 'r' }],
    });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = failure.cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_INPUT');
    expect(cause.message).toMatch(/^agentId: no agent 'nope-S42' is registered/);
    expect(sim.audit().length).toBe(before);
  });
});

async function countRuns(client: Client, taskQueue: string): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = '${taskQueue}'`);
  return count;
}
