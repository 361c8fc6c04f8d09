import { WithStartWorkflowOperation, WorkflowFailedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createAgentLockActivities } from '../../../activities/agent-lock';
import { acquireUpdate, agentLockWorkflowId, leasesQuery, type AgentLockState } from '../../../src/contracts';
import { agentLock } from '../../../workflows/agent-lock';
import { finishSignal, holderStateQuery, type leaseHolder } from '../../helpers/entity-workflows';
import { holderReaches, pollUntil } from '../../helpers/holders';
import { testClient, testWorkerConnection, uniqueName } from '../../helpers/temporal';

// The per-cluster agent lock and withAgentLease, on the real dev server (no Mesos involved: the lock never calls it).
describe('the agent lock', () => {
  const taskQueue = uniqueName('agent-lock');
  const clusterPrefix = uniqueName('lock').toLowerCase();
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const locks: string[] = [];

  beforeAll(async () => {
    client = await testClient();
    connection = await testWorkerConnection();
    worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../../helpers/entity-workflows'),
      activities: createAgentLockActivities({ temporal: { client, taskQueue } }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    for (const id of locks) await client?.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    worker?.shutdown();
    await running;
    await connection?.close();
    await client?.connection.close();
  });

  /** A lock of its own for each test (its cluster name is just the lock's key). */
  function newCluster(): string {
    const cluster = `${clusterPrefix}-${locks.length}`;
    locks.push(agentLockWorkflowId(cluster));
    return cluster;
  }

  const startHolder = (cluster: string, agentIds: string[], wait: boolean, waitTimeoutMs?: number): Promise<WorkflowHandle<typeof leaseHolder>> =>
    client.workflow.start<typeof leaseHolder>('leaseHolder', { taskQueue, workflowId: uniqueName('holder'), args: [{ cluster, agentIds, wait, waitTimeoutMs }] });

  const lockState = (cluster: string): Promise<AgentLockState> => client.workflow.getHandle(agentLockWorkflowId(cluster)).query(leasesQuery);

  const stateOf = (h: WorkflowHandle) => h.query(holderStateQuery);
  const until = holderReaches;

  it('refuses a second run at once with AGENT_LOCKED naming the holder, and frees the agent on release', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S1'], false);
    await until(first, 'holding');

    const second = await startHolder(cluster, ['agent-S1'], false);
    const failure = (await second.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = failure.cause as ApplicationFailure;
    expect(cause.type).toBe('AGENT_LOCKED');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(new RegExp(`^agent agent-S1 is held by leaseHolder run ${first.workflowId} since \\d{4}-\\d\\d-\\d\\dT`));

    const held = await lockState(cluster);
    expect(held.leases).toEqual([expect.objectContaining({ agentId: 'agent-S1', holder: first.workflowId, runbook: 'leaseHolder' })]);
    expect(held.queue).toEqual([]);

    await first.signal(finishSignal);
    await expect(first.result()).resolves.toMatchObject({ state: 'released' });
    await pollUntil(() => lockState(cluster), (s) => s.leases.length === 0, 'the lease released');
  });

  it('is all-or-nothing: a refused request holds none of its agents', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S2'], false);
    await until(first, 'holding');
    const second = await startHolder(cluster, ['agent-S3', 'agent-S2'], false);
    await expect(second.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await lockState(cluster)).leases.map((l) => l.agentId)).toEqual(['agent-S2']);
    // A third run wanting only the free agent gets it.
    const third = await startHolder(cluster, ['agent-S3'], false);
    await until(third, 'holding');
    await Promise.all([first.signal(finishSignal), third.signal(finishSignal)]);
    await Promise.all([first.result(), third.result()]);
  });

  it('queues a waiting run and grants it the lease when the holder releases (FIFO)', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S4'], false);
    await until(first, 'holding');
    const second = await startHolder(cluster, ['agent-S4'], true);
    const waiting = await until(second, 'waiting');
    expect(waiting.waitedFor).toMatchObject({ agentId: 'agent-S4', holder: first.workflowId, runbook: 'leaseHolder' });
    const third = await startHolder(cluster, ['agent-S4'], true);
    await until(third, 'waiting');
    expect((await lockState(cluster)).queue.map((q) => q.holder)).toEqual([second.workflowId, third.workflowId]);

    await first.signal(finishSignal);
    await until(second, 'holding');
    expect((await stateOf(third)).state).toBe('waiting');
    expect((await lockState(cluster)).leases).toEqual([expect.objectContaining({ agentId: 'agent-S4', holder: second.workflowId })]);

    await second.signal(finishSignal);
    await until(third, 'holding');
    await third.signal(finishSignal);
    await third.result();
    await pollUntil(() => lockState(cluster), (s) => s.leases.length === 0 && s.queue.length === 0, 'the lock empty');
  });

  it('gives up waiting after waitTimeoutMs with AGENT_LOCKED and leaves the queue', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S5'], false);
    await until(first, 'holding');
    const second = await startHolder(cluster, ['agent-S5'], true, 1_000);
    const failure = (await second.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((failure.cause as ApplicationFailure).type).toBe('AGENT_LOCKED');
    expect(failure.cause?.message).toMatch(new RegExp(`held by leaseHolder run ${first.workflowId} .*gave up after waiting 1 s`));
    await pollUntil(() => lockState(cluster), (s) => s.queue.length === 0, 'the queue slot released');
    expect((await lockState(cluster)).leases.map((l) => l.holder)).toEqual([first.workflowId]);
    await first.signal(finishSignal);
    await first.result();
  });

  it('releases the lease of a cancelled holder; the waiter gets it', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S6'], false);
    await until(first, 'holding');
    const second = await startHolder(cluster, ['agent-S6'], true);
    await until(second, 'waiting');

    await first.cancel();
    const failure = (await first.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    await until(second, 'holding');
    expect((await lockState(cluster)).leases).toEqual([expect.objectContaining({ holder: second.workflowId })]);
    await second.signal(finishSignal);
    await second.result();
  });

  it('drops the lease of a terminated holder on its periodic sweep; the waiter gets it', async () => {
    const cluster = newCluster();
    // Started ahead of the runs with a short sweep interval (60 s by default).
    await client.workflow.start(agentLock, { taskQueue, workflowId: agentLockWorkflowId(cluster), args: [{ cluster, sweepIntervalMs: 500 }] });
    const first = await startHolder(cluster, ['agent-S7'], false);
    await until(first, 'holding');
    const second = await startHolder(cluster, ['agent-S7'], true);
    await until(second, 'waiting');

    await first.terminate('test: the holder dies without releasing');
    await until(second, 'holding');
    expect((await lockState(cluster)).leases).toEqual([expect.objectContaining({ agentId: 'agent-S7', holder: second.workflowId })]);
    await second.signal(finishSignal);
    await second.result();
  });

  it('on a conflict, checks the holder first: a terminated holder does not block a new run', async () => {
    const cluster = newCluster(); // default 60 s sweep: only the conflict check can free it within this test
    const first = await startHolder(cluster, ['agent-S8'], false);
    await until(first, 'holding');
    await first.terminate('test: the holder dies without releasing');
    expect((await lockState(cluster)).leases.map((l) => l.holder)).toEqual([first.workflowId]);

    const second = await startHolder(cluster, ['agent-S8'], false);
    await until(second, 'holding');
    expect((await lockState(cluster)).leases.map((l) => l.holder)).toEqual([second.workflowId]);
    await second.signal(finishSignal);
    await second.result();
  });

  it('keeps first-come-first-served: a free agent an earlier waiter needs is not taken by a newcomer', async () => {
    const cluster = newCluster();
    const first = await startHolder(cluster, ['agent-S10'], false);
    await until(first, 'holding');
    const waiter = await startHolder(cluster, ['agent-S10', 'agent-S11'], true);
    await until(waiter, 'waiting');

    const newcomer = await startHolder(cluster, ['agent-S11'], false);
    const failure = (await newcomer.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((failure.cause as ApplicationFailure).type).toBe('AGENT_LOCKED');
    expect(failure.cause?.message).toMatch(new RegExp(`^agent agent-S11 is awaited first by leaseHolder run ${waiter.workflowId} \\(queued since `));

    await first.signal(finishSignal);
    await until(waiter, 'holding');
    expect((await lockState(cluster)).leases.map((l) => `${l.agentId}:${l.holder}`).sort()).toEqual([`agent-S10:${waiter.workflowId}`, `agent-S11:${waiter.workflowId}`]);
    await waiter.signal(finishSignal);
    await waiter.result();
  });

  it('carries leases over continue-as-new: a lock started with them enforces them', async () => {
    const cluster = newCluster();
    const other = newCluster();
    const first = await startHolder(other, ['agent-S12'], false);
    await until(first, 'holding');
    const [carried] = (await lockState(other)).leases;
    await client.workflow.start(agentLock, { taskQueue, workflowId: agentLockWorkflowId(cluster), args: [{ cluster, leases: [carried], queue: [] }] });

    const second = await startHolder(cluster, ['agent-S12'], false);
    const failure = (await second.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure.cause?.message).toContain(`is held by leaseHolder run ${first.workflowId} since ${carried.since}`);
    await first.signal(finishSignal);
    await first.result();
  });

  it('re-acquiring by the same run is granted again; a malformed request is refused by the validator', async () => {
    const cluster = newCluster();
    const acquire = (request: unknown) =>
      client.workflow.executeUpdateWithStart(acquireUpdate, {
        args: [request as never],
        startWorkflowOperation: new WithStartWorkflowOperation(agentLock, {
          workflowId: agentLockWorkflowId(cluster),
          taskQueue,
          args: [{ cluster }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    const request = { holder: 'some-run', runId: '0193c0de-0000-7000-8000-000000000001', runbook: 'manual', agentIds: ['agent-S9'], wait: false };
    await expect(acquire(request)).resolves.toEqual({ granted: true, queued: false });
    await expect(acquire(request)).resolves.toEqual({ granted: true, queued: false });
    expect((await lockState(cluster)).leases).toHaveLength(1);

    const error = (await acquire({ ...request, agentIds: [] }).catch((e: unknown) => e)) as WorkflowUpdateFailedError;
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error.cause as ApplicationFailure).type).toBe('INVALID_INPUT');
    expect(error.cause?.message).toContain('agentIds: give at least one agent id');
    await client.workflow.getHandle(agentLockWorkflowId(cluster)).signal('release', { holder: 'some-run' });
    await pollUntil(() => lockState(cluster), (s) => s.leases.length === 0, 'the manual lease released');
  });
});
