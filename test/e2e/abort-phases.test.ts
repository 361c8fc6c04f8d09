import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { CompensationReport } from '../../workflows/compensation';
import { progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// Abort in the phases the other tests do not reach: waiting for another run's lease, and waiting for the agent to
// come back after STOP_MAINTENANCE (here it never comes back: a one-hour return delay).
describe('agentMaintenance aborted while waiting', () => {
  let env: RunbookEnv;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 3, tasksPerAgent: 1, agentReturnDelaySeconds: 3600, timeScale: 1 });
  });
  afterAll(() => env?.stop());

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
});
