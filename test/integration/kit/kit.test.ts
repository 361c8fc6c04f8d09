import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { controlSignals, type Progress } from '../../../src/contracts';
import { RunbookClient } from '../../../src/temporal/control';
import { progressUntil, rejection, runbookEnv, type RunbookEnv } from '../../helpers/runbook-env';
import { uniqueName } from '../../helpers/temporal';

// The runbook kit on the real dev server and the simulator: the approval policy (four eyes, N distinct approvers,
// a named confirmation no input can waive), control messages as Signals, and agents recovering after a failover.
describe('the runbook kit', () => {
  let env: RunbookEnv;
  let pool: { id: string; hostname: string }[];
  beforeAll(async () => {
    env = await runbookEnv(
      { agents: 8, tasksPerAgent: 1, masters: 2, timeScale: 1, agentReregisterSeconds: 6 },
      {
        workflowsPath: require.resolve('../../helpers/kit-runbooks'),
        policy: { approvers: ['alice', 'bob', 'carol'], fourEyes: true, runbooks: { drainAgent: { requiredApprovals: 2 } } },
      },
    );
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  const as = (identity: string) => new RunbookClient({ client: env.client, taskQueue: env.taskQueue, identity, clusters: env.clusters });
  const drains = (agentId: string) => env.sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agentId && e.outcome !== 'rejected');
  const kinds = (p: Progress) => (p.events ?? []).map((e) => e.kind);

  it('four eyes and two distinct approvers: the initiator and a repeated approver are refused; the second approval lets it go on', async () => {
    const agent = pool.shift()!;
    const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'two approvers', requireApproval: true, maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('r') });
    const handle = env.client.workflow.getHandle(run.workflowId);
    const asked = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    expect(asked.events?.find((e) => e.kind === 'approvalAsked')).toMatchObject({ required: 2, approvers: ['alice', 'bob', 'carol'] });

    await expect(as('alice').approve(run.workflowId, { reason: 'mine' })).rejects.toThrow(/approver: 'alice' started this run; four eyes/);
    expect((await as('bob').approve(run.workflowId, { reason: 'ok' })).message).toBe('approval by bob recorded: 1 more needed');
    await expect(as('bob').approve(run.workflowId, { reason: 'again' })).rejects.toThrow(/approver: 'bob' already approved; 1 more distinct approver\(s\) needed/);
    expect((await handle.query<Progress>('progress')).phase).toBe('awaiting approval');
    expect(drains(agent.id)).toHaveLength(0);
    await as('carol').approve(run.workflowId, { reason: 'ok too' });

    await expect(handle.result()).resolves.toMatchObject({ finalState: 'DRAINED' });
    const done = await handle.query<Progress>('progress');
    expect(done.steps.find((s) => s.name === 'approval')).toMatchObject({ status: 'done', note: 'approved by bob: ok; carol: ok too' });
    expect(done.initiator).toBe('alice');
    expect(drains(agent.id)).toHaveLength(1);
  });

  it('a step that names its target needs an approval that confirms it, even with requireApproval false', async () => {
    const agent = pool.shift()!;
    const handle = await env.client.workflow.start('confirmedDrain', {
      taskQueue: env.taskQueue,
      workflowId: uniqueName('confirmed'),
      args: [{ cluster: env.cluster, agentId: agent.id, reason: 'named confirmation', requireApproval: false, maxGracePeriodSeconds: 0, initiator: 'alice' }],
    });
    const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    expect(waiting.steps.find((s) => s.name === 'approval')?.status).toBe('skipped');
    expect(waiting.events?.find((e) => e.kind === 'approvalAsked')).toMatchObject({ confirm: agent.id });
    expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'bob', reason: 'go' }] }))).toBe(`confirm: this step needs the approval to name its target: give confirm '${agent.id}'`);
    expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'bob', reason: 'go', confirm: 'S-other' }] }))).toMatch(/\(got 'S-other'\)$/);
    expect(drains(agent.id)).toHaveLength(0);
    await handle.executeUpdate('approve', { args: [{ approver: 'bob', reason: 'go', confirm: agent.id }] });
    await expect(handle.result()).resolves.toMatchObject({ drainApplied: true });
    expect(drains(agent.id)).toHaveLength(1);
  });

  it('control messages as Signals (how a parent run steers a child): a refused one shows in progress, valid ones act', async () => {
    const agent = pool.shift()!;
    const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'signals', requireApproval: true, maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('s') });
    const handle: WorkflowHandle = env.client.workflow.getHandle(run.workflowId);
    await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    await handle.signal(controlSignals.approve, { approver: 'mallory', reason: 'me' });
    const refused = await progressUntil(handle, (p) => (p.events ?? []).some((e) => e.kind === 'operator' && e.refused !== undefined));
    expect(refused.events?.find((e) => e.kind === 'operator' && e.refused)).toMatchObject({ action: 'approve', by: 'mallory', refused: "approver: 'mallory' may not approve (allowed: alice, bob, carol)" });
    expect(refused.log.at(-1)).toMatch(/approve by mallory refused: approver: 'mallory' may not approve/);
    await handle.signal(controlSignals.approve, { approver: 'bob', reason: 'ok' });
    await handle.signal(controlSignals.approve, { approver: 'carol', reason: 'ok' });
    await handle.signal(controlSignals.abort, { by: 'carol', reason: 'changed our minds' });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure.cause as ApplicationFailure).type).toBe('ABORTED');
    const after = await handle.query<Progress>('progress');
    expect(after.phase).toBe('aborted');
    expect(kinds(after)).toEqual(expect.arrayContaining(['approvalGiven', 'operator', 'compensationStarted', 'compensationDone', 'runEnded']));
  });

  it("the docs' complete example runbook runs: it reactivates a deactivated agent, and skips one that is active", async () => {
    const agent = pool.shift()!;
    await env.mesos.deactivateAgent({ agentId: agent.id });
    const start = (id: string) =>
      env.client.workflow.start('reactivateAgent', { taskQueue: env.taskQueue, workflowId: uniqueName(id), args: [{ cluster: env.cluster, agentId: agent.id, reason: 'docs example', initiator: 'alice' }] });
    await expect((await start('example')).result()).resolves.toEqual({ agentId: agent.id, active: true });
    expect(env.sim.audit().filter((e) => e.call === 'REACTIVATE_AGENT' && e.target === agent.id && e.outcome !== 'rejected')).toHaveLength(1);
    const again = await start('example-again');
    await again.result();
    expect((await again.query<Progress>('progress')).steps.find((s) => s.name === 'reactivate')).toMatchObject({ status: 'skipped', note: 'agent is not deactivated' });
  });

  it('right after a master failover an agent listed under recovered_agents is waited for, at the start and in a step, never reported missing', async () => {
    const [first, second] = [pool.shift()!, pool.shift()!];
    // In a step: the run waits for approval, the master fails over, the approval comes; the drain step finds the
    // agent recovering, waits for it to re-register, then drains.
    const inStep = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: second.id, reason: 'failover in a step', requireApproval: true, maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('f') });
    const inStepHandle = env.client.workflow.getHandle(inStep.workflowId);
    await progressUntil(inStepHandle, (p) => p.phase === 'awaiting approval');
    await env.sim.failover();
    expect((await env.mesos.getAgents()).recovered_agents.map((a) => a.id?.value)).toEqual(expect.arrayContaining([first.id, second.id]));

    // At the start: the start path accepts it (it exists), and preflight waits for it.
    const atStart = await as('alice').start('drainAgent', { cluster: env.cluster, hostname: first.hostname, reason: 'failover at start', maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('f') });
    const atStartHandle = env.client.workflow.getHandle(atStart.workflowId);
    const recovering = await progressUntil(atStartHandle, (p) => p.wait?.kind === 'recovery');
    expect(recovering.phase).toBe('preflight');
    expect(recovering.wait?.what).toBe(`agent ${first.id} to re-register with the new leading master (after a failover)`);

    await as('bob').approve(inStep.workflowId, { reason: 'ok' });
    await as('carol').approve(inStep.workflowId, { reason: 'ok' });
    await expect(atStartHandle.result()).resolves.toMatchObject({ agentId: first.id, finalState: 'DRAINED' });
    await expect(inStepHandle.result()).resolves.toMatchObject({ agentId: second.id, finalState: 'DRAINED' });
    for (const agent of [first, second]) expect(drains(agent.id)).toHaveLength(1);
    const notes = (await atStartHandle.query<Progress>('progress')).log.join('\n');
    expect(notes).toMatch(/has not re-registered with the new leader yet: waiting up to 10 min for it to re-register/);
    expect(notes).not.toMatch(/no agent .* is registered/);
  });
});
