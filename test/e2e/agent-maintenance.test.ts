import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { AgentMaintenanceResult } from '../../runbooks/agentMaintenance';
import type { CompensationReport } from '../../workflows/kit/compensation';
import type { RunPlan } from '../../src/contracts';
import { eventually, progressUntil, rejection, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// agentMaintenance end to end: the real dev server, the worker, and a simulated cluster over real HTTP.
describe('agentMaintenance', () => {
  let env: RunbookEnv;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 12, tasksPerAgent: 2, frameworks: 1 }, { policy: { approvers: ['alice'], alwaysRequireApproval: [] } });
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  // Each test takes agents of its own, still running their tasks.
  let pool: { id: string; hostname: string; ip: string }[] = [];
  const nextAgent = () => pool.shift()!;
  const mutating = (call: string, target?: string) => env.sim.audit().filter((e) => e.call === call && (target === undefined || e.target?.includes(target)) && e.outcome !== 'rejected');
  const schedule = async () => (await env.mesos.getMaintenanceSchedule()).schedule.windows.flatMap((w) => w.machine_ids.map((m) => `${m.hostname}/${m.ip}`));
  const framework = () => [...env.sim.model.frameworks.values()][0];

  it('plans without changing anything (dry run)', async () => {
    const agent = nextAgent();
    const before = env.sim.audit().length;
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'plan only', dryRun: true });
    const result = (await handle.result()) as RunPlan;
    expect(result.dryRun).toBe(true);
    expect(result.ready).toBe(true);
    expect(result.checks.map((c) => `${c.name}: ${c.ok}`)).toEqual([
      'Mesos version ≥ 1.9: true',
      'agent registered: true',
      'agent can drain: true',
      'machine known (hostname and ip): true',
      'machine not under maintenance: true',
    ]);
    expect(result.steps.map((s) => s.name)).toEqual(['preflight', 'lease', 'approval', 'drain', 'wait for DRAINED', 'schedule window', 'start maintenance', 'work', 'stop maintenance', 'wait for agent', 'reactivate', 'verify']);
    expect(env.sim.audit().length).toBe(before);
  });

  it('runs the whole sequence: the machine goes down, comes back as a new active agent, out of the schedule', async () => {
    const agent = nextAgent();
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'disk swap', workDurationSeconds: 1, maxGracePeriodSeconds: 5, ticket: 'OPS-1' });
    const mid = await progressUntil(handle, (p) => p.phase === 'work');
    expect(mid.operatorActions).toEqual(expect.arrayContaining(['complete', 'pause', 'abort']));
    expect(await schedule()).toContain(`${agent.hostname}/${agent.ip}`);
    const result = (await handle.result()) as AgentMaintenanceResult;
    expect(result.outcome).toBe('completed');
    expect(result.oldAgentId).toBe(agent.id);
    expect(result.newAgentId).toBeDefined();
    expect(result.newAgentId).not.toBe(agent.id);
    const back = env.sim.model.agents.get(result.newAgentId!)!;
    expect({ active: back.status, deactivated: back.deactivated, drain: back.drain }).toEqual({ active: 'registered', deactivated: false, drain: undefined });
    expect(await schedule()).not.toContain(`${agent.hostname}/${agent.ip}`);
    for (const call of ['DRAIN_AGENT', 'START_MAINTENANCE', 'STOP_MAINTENANCE']) expect(mutating(call, call === 'DRAIN_AGENT' ? agent.id : agent.hostname)).toHaveLength(1);
    expect(mutating('UPDATE_MAINTENANCE_SCHEDULE', agent.hostname)).toHaveLength(1);
    expect(mutating('REACTIVATE_AGENT')).toHaveLength(0);
    const described = await handle.describe();
    const attributes = Object.fromEntries(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(attributes).toMatchObject({ RunbookName: 'agentMaintenance', Ticket: 'OPS-1', RunbookPhase: 'done', MesosCluster: env.cluster });
    expect(attributes.AgentIds).toEqual(expect.arrayContaining([agent.id, result.newAgentId]));
  });

  it('waits for approval from an allowed approver and refuses others; abort there changes nothing', async () => {
    const agent = nextAgent();
    const before = env.sim.audit().filter((e) => e.call !== 'UPDATE_MAINTENANCE_SCHEDULE').length;
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'approval test', requireApproval: true });
    const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    expect(waiting.operatorActions).toContain('approve');
    expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'mallory', reason: 'me' }] }))).toBe("approver: 'mallory' may not approve (allowed: alice)");
    expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: '' }] }))).toBe('reason: required (a non-empty string)');
    expect(await rejection(handle.executeUpdate('complete', { args: [{}] }))).toMatch(/not waiting for the operator's work/);
    await handle.executeUpdate('abort', { args: [{ reason: 'changed my mind', by: 'alice' }] });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure.cause as ApplicationFailure).type).toBe('ABORTED');
    expect(env.sim.audit().filter((e) => e.call !== 'UPDATE_MAINTENANCE_SCHEDULE').length).toBe(before);
    expect(env.sim.model.agents.get(agent.id)!.deactivated).toBe(false);
  });

  it('a stuck DRAINING (a framework that never acknowledges) is diagnosed; extend, then skip, lets it go on', async () => {
    const agent = nextAgent();
    env.sim.setFrameworkAcknowledges(framework().id, false);
    try {
      const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'stuck drain', maxGracePeriodSeconds: 1, drainTimeoutSeconds: 1, workDurationSeconds: 0 });
      const stuck = await progressUntil(handle, (p) => p.wait?.stuck === true);
      expect(stuck.wait!.diagnosis).toMatch(/not acknowledged by their framework: .*\): 2/);
      expect(stuck.operatorActions).toEqual(expect.arrayContaining(['extend', 'skip', 'abort']));
      expect(await rejection(handle.executeUpdate('extend', { args: [{ minutes: 0 }] }))).toBe('minutes: a whole number of minutes from 1 to 10080 (7 days)');
      await handle.executeUpdate('extend', { args: [{ minutes: 1, by: 'bob' }] });
      await progressUntil(handle, (p) => p.wait?.stuck === false || p.wait?.stuck === undefined);
      await handle.executeUpdate('skip', { args: [{ reason: 'the framework is being replaced', by: 'bob' }] });
      const result = (await handle.result()) as AgentMaintenanceResult;
      expect(result.skippedWaits).toEqual([expect.stringMatching(/^DRAINED \(skipped by bob: the framework is being replaced\)/)]);
      expect(result.newAgentId).toBeDefined();
    } finally {
      env.sim.setFrameworkAcknowledges(framework().id, true);
    }
  });

  it('abort while DOWN puts the machine back: STOP_MAINTENANCE, out of the schedule, and says what cannot be undone', async () => {
    const agent = nextAgent();
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'abort in work', maxGracePeriodSeconds: 1 });
    await progressUntil(handle, (p) => p.phase === 'work');
    expect(env.sim.model.agents.get(agent.id)!.status).toBe('removed');
    await handle.executeUpdate('abort', { args: [{ reason: 'wrong machine' }] });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    const cause = failure.cause as ApplicationFailure;
    expect(cause.type).toBe('ABORTED');
    const report = cause.details?.[0] as CompensationReport;
    expect(report.steps).toEqual([{ step: 'stop maintenance', outcome: 'done', note: expect.stringMatching(/STOP_MAINTENANCE accepted/) }]);
    expect(report.cannotUndo.join(' ')).toMatch(/the drain killed the tasks/);
    expect(await schedule()).not.toContain(`${agent.hostname}/${agent.ip}`);
    expect(mutating('STOP_MAINTENANCE', agent.hostname)).toHaveLength(1);
  });

  it('abort mid-drain waits for DRAINED, then reactivates the agent', async () => {
    const agent = nextAgent();
    env.sim.setFrameworkAcknowledges(framework().id, false);
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'abort mid-drain', maxGracePeriodSeconds: 1, abortDrainWaitSeconds: 60 });
    await progressUntil(handle, (p) => p.phase === 'wait for DRAINED');
    await handle.executeUpdate('abort', { args: [{ reason: 'stop' }] });
    await progressUntil(handle, (p) => p.phase === 'compensating');
    expect(env.sim.model.agents.get(agent.id)!.drain?.state).toBe('DRAINING');
    env.sim.setFrameworkAcknowledges(framework().id, true);
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    const report = (failure.cause as ApplicationFailure).details?.[0] as CompensationReport;
    expect(report.steps).toEqual([{ step: 'reactivate', outcome: 'done', note: 'REACTIVATE_AGENT accepted' }]);
    const after = env.sim.model.agents.get(agent.id)!;
    expect({ deactivated: after.deactivated, drain: after.drain }).toEqual({ deactivated: false, drain: undefined });
  });

  it('abort mid-drain that never drains leaves the agent DRAINING and says what to do', async () => {
    const agent = nextAgent();
    env.sim.setFrameworkAcknowledges(framework().id, false);
    try {
      const handle = await env.start('drainAgent', { agentId: agent.id, reason: 'never drains', maxGracePeriodSeconds: 1, abortDrainWaitSeconds: 1 });
      await progressUntil(handle, (p) => p.phase === 'wait for DRAINED');
      await handle.cancel(); // cancelling from the Web UI or CLI means abort
      const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const progress = await handle.query<{ log: string[] }>('progress');
      expect(progress.log.join('\n')).toMatch(/reactivate: left \(agent .* left DRAINING after 1 s .*once it is DRAINED, reactivate it/);
      expect(env.sim.model.agents.get(agent.id)!.drain?.state).toBe('DRAINING');
    } finally {
      env.sim.setFrameworkAcknowledges(framework().id, true);
    }
    await eventually('agent DRAINED', () => env.sim.model.agents.get(agent.id)!.drain?.state === 'DRAINED');
    await env.mesos.reactivateAgent({ agentId: agent.id });
  });

  it('two concurrent runs on two agents: both windows are in the schedule, then both are removed', async () => {
    const [a, b] = [nextAgent(), nextAgent()];
    const ha = await env.start('agentMaintenance', { agentId: a.id, reason: 'concurrent a', maxGracePeriodSeconds: 1 });
    const hb = await env.start('agentMaintenance', { agentId: b.id, reason: 'concurrent b', maxGracePeriodSeconds: 1 });
    await progressUntil(ha, (p) => p.phase === 'work');
    await progressUntil(hb, (p) => p.phase === 'work');
    expect(await schedule()).toEqual(expect.arrayContaining([`${a.hostname}/${a.ip}`, `${b.hostname}/${b.ip}`]));
    await Promise.all([ha.executeUpdate('complete', { args: [{ by: 'ops' }] }), hb.executeUpdate('complete', { args: [{}] })]);
    await Promise.all([ha.result(), hb.result()]);
    const after = await schedule();
    expect(after).not.toContain(`${a.hostname}/${a.ip}`);
    expect(after).not.toContain(`${b.hostname}/${b.ip}`);
  });

  it('a second run on an agent already held fails naming the holder (ifAgentBusy: fail), or waits for it', async () => {
    const agent = nextAgent();
    const holder = await env.start('agentMaintenance', { agentId: agent.id, reason: 'holder', requireApproval: true });
    await progressUntil(holder, (p) => p.phase === 'awaiting approval');
    const refused = await env.start('drainAgent', { agentId: agent.id, reason: 'second', ifAgentBusy: 'fail' });
    const failure = (await refused.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String(failure.cause?.message)).toMatch(new RegExp(`held by agentMaintenance run ${holder.workflowId.replace(/[/.]/g, '\\$&')}`));
    const waiter = await env.start('drainAgent', { agentId: agent.id, reason: 'waiter', reactivate: true, maxGracePeriodSeconds: 1 });
    const waiting = await progressUntil(waiter, (p) => p.wait?.what.includes('held by agentMaintenance') === true);
    expect(waiting.phase).toBe('lease');
    await holder.executeUpdate('abort', { args: [{ reason: 'let the other go' }] });
    await holder.result().catch(() => undefined);
    await expect(waiter.result()).resolves.toMatchObject({ finalState: 'REACTIVATED' });
  });
});
