import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import type { CompensationReport } from '../../workflows/kit/compensation';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// Abort in the phases the other tests do not reach: waiting for another run's lease, waiting for the agent to come
// back after STOP_MAINTENANCE (here it never comes back: a one-hour return delay), and while the short schedule and
// START_MAINTENANCE calls (and drainAgent's DRAIN_AGENT) are on their way to Mesos (held there by injected latency).
describe('agentMaintenance aborted while waiting', () => {
  let env: RunbookEnv;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 6, tasksPerAgent: 1, agentReturnDelaySeconds: 3600, timeScale: 1 });
  });
  afterAll(() => env?.stop());
  afterEach(() => env.sim.setFault({ rules: [] }));

  const agents = () => [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  const changes = () => env.sim.audit().filter((e) => e.outcome !== 'rejected').length;

  it('abort while waiting for the lease changes nothing and lets the holder go on', async () => {
    const agent = agents()[0];
    const holder = await env.start('drainAgent', { agentId: agent.id, reason: 'holder', requireApproval: true });
    await progressUntil(holder, (p) => p.phase === 'awaiting approval');
    const waiter = await env.start('agentMaintenance', { agentId: agent.id, reason: 'waiter' });
    await progressUntil(waiter, (p) => p.phase === 'lease' && p.wait !== undefined);
    const before = changes();
    await waiter.executeUpdate('abort', { args: [{ reason: 'not needed' }] });
    const failure = (await waiter.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((failure.cause as ApplicationFailure).type).toBe('ABORTED');
    expect(((failure.cause as ApplicationFailure).details?.[0] as CompensationReport).steps).toEqual([]);
    expect(changes()).toBe(before);
    expect((await holder.query<{ phase: string }>('progress')).phase).toBe('awaiting approval');
    await holder.executeUpdate('abort', { args: [{ reason: 'done' }] });
    await holder.result().catch(() => undefined);
  });

  it('abort while waiting for the agent to come back: the machine is already UP, nothing is left to undo', async () => {
    const agent = agents()[1];
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'never back', maxGracePeriodSeconds: 0, workDurationSeconds: 0 });
    const waiting = await progressUntil(handle, (p) => p.phase === 'wait for agent' && p.wait !== undefined);
    expect(waiting.operatorActions).toEqual(expect.arrayContaining(['extend', 'skip', 'abort']));
    await handle.executeUpdate('abort', { args: [{ reason: 'machine is dead' }] });
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    const report = (failure.cause as ApplicationFailure).details?.[0] as CompensationReport;
    expect(report.steps).toEqual([]);
    expect(report.cannotUndo).toEqual([
      expect.stringMatching(/the drain killed the tasks/),
      expect.stringMatching(/START_MAINTENANCE shut agent .* down; the machine's agent returns as a new agent/),
    ]);
    const schedule = await env.mesos.getMaintenanceSchedule();
    expect(schedule.schedule.windows.flatMap((w) => w.machine_ids.map((m) => m.hostname))).not.toContain(agent.hostname);
    const status = await env.mesos.getMaintenanceStatus();
    expect(status.status.down_machines.map((m) => m.hostname)).not.toContain(agent.hostname);
  });

  /** The mutating calls Mesos applied after the first `mark` entries of the audit log, in order (one run at a time here). */
  const appliedSince = (mark: number) =>
    env.sim
      .audit()
      .slice(mark)
      .filter((e) => e.outcome !== 'rejected')
      .map((e) => e.call);
  const scheduledHosts = async () => (await env.mesos.getMaintenanceSchedule()).schedule.windows.flatMap((w) => w.machine_ids.map((m) => m.hostname));
  const downHosts = async () => (await env.mesos.getMaintenanceStatus()).status.down_machines.map((m) => m.hostname);
  /**
   * Starts agentMaintenance on `agent` with `call` held at the simulated master for a few seconds, and stops the run
   * (`stop`: a cancel or an abort) while the call is in flight in `phase`. Returns how the run ended and the mutating
   * calls Mesos applied meanwhile, in order.
   */
  async function stopWhileInFlight(agent: { id: string }, call: string, activity: string, stop: (h: WorkflowHandle) => Promise<unknown>) {
    const mark = env.sim.audit().length;
    env.sim.setFault({ rules: [{ api: 'master', calls: [call], latencyMs: 4000 }] });
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'stopped in flight', maxGracePeriodSeconds: 0, workDurationSeconds: 0 });
    await activityInFlight(handle, activity);
    await stop(handle);
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    return { cause: failure.cause, applied: appliedSince(mark) };
  }
  const cancel = (h: WorkflowHandle) => h.cancel();
  /** Waits until the run's activity of this type is on its way (the step's write; its read came before). */
  const activityInFlight = (h: WorkflowHandle, type: string) =>
    eventually(`activity ${type} in flight`, async () => ((await h.describe()).raw.pendingActivities ?? []).some((a) => a.activityType?.name === type));

  it('cancelled (Web UI / CLI) while the window is being scheduled: the window is removed again, the agent reactivated', async () => {
    const agent = agents()[2];
    const { cause, applied } = await stopWhileInFlight(agent, 'UPDATE_MAINTENANCE_SCHEDULE', 'requestScheduleChange', cancel);
    expect(cause).toBeInstanceOf(CancelledFailure);
    // The add landed while the run was being cancelled; the compensation knew it might have and removed it.
    expect(applied).toEqual(['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'REACTIVATE_AGENT']);
    expect(await scheduledHosts()).not.toContain(agent.hostname);
    const after = (await env.mesos.getAgents()).agents.find((a) => a.agent_info.id?.value === agent.id);
    expect(after).toMatchObject({ deactivated: false });
    expect(after?.drain_info).toBeUndefined();
  });

  it('cancelled while START_MAINTENANCE is in flight: the run waits for it, then STOP_MAINTENANCE brings the machine back UP', async () => {
    const agent = agents()[3];
    const { cause, applied } = await stopWhileInFlight(agent, 'START_MAINTENANCE', 'startMaintenance', cancel);
    expect(cause).toBeInstanceOf(CancelledFailure);
    // Not the other way round: a STOP_MAINTENANCE sent first would be refused, and the machine would stay DOWN.
    expect(applied).toEqual(['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE']);
    expect(await downHosts()).not.toContain(agent.hostname);
    expect(await scheduledHosts()).not.toContain(agent.hostname);
  });

  it('aborted while START_MAINTENANCE is in flight: the call finishes, then the compensation stops maintenance and says what it cannot undo', async () => {
    const agent = agents()[4];
    const abort = (h: WorkflowHandle) => h.executeUpdate('abort', { args: [{ reason: 'wrong machine' }] });
    const { cause, applied } = await stopWhileInFlight(agent, 'START_MAINTENANCE', 'startMaintenance', abort);
    expect((cause as ApplicationFailure).type).toBe('ABORTED');
    const report = (cause as ApplicationFailure).details?.[0] as CompensationReport;
    expect(report.steps).toEqual([expect.objectContaining({ step: 'stop maintenance', outcome: 'done' })]);
    expect(report.cannotUndo).toEqual([expect.stringMatching(/the drain killed the tasks/), expect.stringMatching(/START_MAINTENANCE shut agent/)]);
    expect(applied).toEqual(['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE']);
    expect(await downHosts()).not.toContain(agent.hostname);
  });

  it('drainAgent cancelled while DRAIN_AGENT is in flight: the run waits for it, then reactivates the agent once DRAINED', async () => {
    const agent = agents()[5];
    const mark = env.sim.audit().length;
    env.sim.setFault({ rules: [{ api: 'master', calls: ['DRAIN_AGENT'], latencyMs: 4000 }] });
    const handle = await env.start('drainAgent', { agentId: agent.id, reason: 'cancel in flight', maxGracePeriodSeconds: 0 });
    await activityInFlight(handle, 'drainAgent');
    await handle.cancel();
    const failure = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    // A REACTIVATE_AGENT sent while the drain was still on its way would be refused, and the agent left draining.
    expect(appliedSince(mark)).toEqual(['DRAIN_AGENT', 'REACTIVATE_AGENT']);
    const after = (await env.mesos.getAgents()).agents.find((a) => a.agent_info.id?.value === agent.id);
    expect(after).toMatchObject({ deactivated: false });
    expect(after?.drain_info).toBeUndefined();
  });
});
