import { CancellationScope, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { AgentSummary, DrainStatus, MachineRef } from '../../activities';
import { SearchAttributes } from '../../src/temporal/search-attributes';
import { afterCompensation, Compensation, stopReason, type CompensationReport } from './compensation';
import { reactivateAfterDrain } from './agent-steps';
import { agentRunbookFields, exactlyOneAgent } from './agent-input';
import { RunControl } from './control';
import { parseRunbookInput } from './input';
import { preflightFailure, tagAgent, tagRun, withLeaseAndApproval } from './agent-runbook';
import { failedChecks, plan, type RunPlan } from './plan';
import { ProgressTracker } from './progress';
import { runbookActivities } from './runbook-activities';

/**
 * agentMaintenance: the whole maintenance of one agent's machine (mesos-semantics.md §10): DRAIN_AGENT → DRAINED →
 * add the machine to the schedule → START_MAINTENANCE → the operator's work → STOP_MAINTENANCE → the agent comes
 * back → REACTIVATE_AGENT if it is still deactivated → verify it is active with no drain info. Every step reads
 * before it writes; an abort or a failure puts the cluster back as far as Mesos allows and says what it cannot.
 */
export const agentMaintenanceInputSchema = z
  .object({
    ...agentRunbookFields('say why the machine goes into maintenance'),
    windowMinutes: z.number({ error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(43_200, 'must be at most 43200 minutes (30 days)').default(60),
    workDurationSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(0, 'must be 0 or more seconds').max(604_800).optional(),
    returnTimeoutSeconds: z.number().int().positive().max(604_800).default(1_800),
  })
  .strict()
  .superRefine(exactlyOneAgent);

export type AgentMaintenanceInput = z.input<typeof agentMaintenanceInputSchema>;

export interface AgentMaintenanceResult {
  cluster: string;
  machine: MachineRef;
  /** The agent drained at the start. */
  oldAgentId: string;
  /** The agent registered on the machine at the end (a new id after START_MAINTENANCE), if it came back. */
  newAgentId?: string;
  outcome: 'completed';
  skippedWaits: string[];
}

const STEPS = ['preflight', 'lease', 'approval', 'drain', 'wait for DRAINED', 'schedule window', 'start maintenance', 'work', 'stop maintenance', 'wait for agent', 'reactivate', 'verify'];

const act = runbookActivities;

const DEFAULT_TASK_GRACE_SECONDS = 180;

export async function agentMaintenanceBeforeKit(rawInput: AgentMaintenanceInput): Promise<AgentMaintenanceResult | RunPlan> {
  const input = parseRunbookInput('agentMaintenance', agentMaintenanceInputSchema, rawInput);
  const { cluster } = input;
  const progress = new ProgressTracker('agentMaintenance', STEPS);
  const policy = await act.approvalPolicy({ runbook: 'agentMaintenance' });
  const control = new RunControl(progress, policy);
  tagRun('agentMaintenance', input);
  progress.say(`reason: ${input.reason}`);

  // Preflight: what the steps need, checked before anything changes.
  progress.start('preflight');
  const report = await act.preflightAgent({ cluster, agentId: input.agentId, hostname: input.hostname, needsMaintenance: true });
  const target = input.agentId ?? input.hostname ?? '';
  if (input.dryRun) {
    progress.finish('preflight', report.checks.every((c) => c.ok) ? 'done' : 'failed', 'plan mode');
    const result = await planSteps(cluster, target, report.agent, report.checks, input);
    control.finish();
    progress.setPhase('planned');
    return result;
  }
  if (!report.checks.every((c) => c.ok) || !report.agent?.ip) {
    progress.finish('preflight', 'failed', failedChecks(report.checks));
    control.finish();
    throw preflightFailure('agentMaintenance', report);
  }
  const agent = report.agent;
  const machine: MachineRef = { hostname: agent.hostname, ip: report.agent.ip };
  const ref = { cluster, agentId: agent.agentId };
  tagAgent(agent);
  progress.finish('preflight', 'done', `${agent.agentId} on ${machine.hostname}/${machine.ip}, Mesos ${report.mesosVersion}`);

  const state = { drainRequested: false, scheduled: false, down: false, stopped: false };
  const skippedWaits: string[] = [];
  let newAgent: AgentSummary | undefined;

  try {
    return await withLeaseAndApproval(
      {
        runbook: 'agentMaintenance',
        cluster,
        agent,
        ifAgentBusy: input.ifAgentBusy,
        requireApproval: input.requireApproval,
        approvalFor: `drain ${agent.agentId} and take ${machine.hostname} down for maintenance`,
        control,
        progress,
      },
      async () => {
        await control.checkpoint();
        progress.start('drain', input.maxGracePeriodSeconds === undefined ? "tasks' own grace periods" : `max grace ${input.maxGracePeriodSeconds} s`);
        state.drainRequested = true;
        const drained = await act.drainAgent({ ...ref, maxGracePeriodSeconds: input.maxGracePeriodSeconds });
        progress.finish('drain', drained.applied ? 'done' : 'skipped', drained.note);

        progress.start('wait for DRAINED');
        const drainWait = await control.wait<DrainStatus>({
          what: `agent ${agent.agentId} DRAINED`,
          read: () => act.agentDrainStatus(ref),
          done: (s) => s.agent?.drainState === 'DRAINED',
          timeoutMs: (input.drainTimeoutSeconds ?? (input.maxGracePeriodSeconds ?? DEFAULT_TASK_GRACE_SECONDS) + 600) * 1000,
          describe: (s) => `${s.remainingTaskCount} task(s) left on the agent`,
          diagnose: () => act.diagnoseDrain(ref),
          shared: { cluster, condition: { kind: 'agentDrained', agentId: agent.agentId } },
        });
        if (drainWait.outcome === 'skipped') skippedWaits.push(`DRAINED (skipped by ${drainWait.by ?? 'an operator'}: ${drainWait.reason})`);
        progress.finish('wait for DRAINED', drainWait.outcome === 'met' ? 'done' : 'skipped', drainWait.outcome === 'met' ? 'DRAINED' : `skipped: ${drainWait.reason}`);

        await control.checkpoint();
        progress.start('schedule window', `${input.windowMinutes} min from now`);
        const startNs = BigInt(Date.now()) * 1_000_000n;
        // Marked before the call, as the drain and START_MAINTENANCE are: a call that failed or was cancelled may
        // still have been applied, and removing a machine that is not scheduled changes nothing.
        state.scheduled = true;
        const scheduled = await act.requestScheduleChange({
          cluster,
          requestId: `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}/add`,
          add: { machines: [machine], window: { startNs: startNs.toString(), durationNs: (BigInt(input.windowMinutes) * 60_000_000_000n).toString() } },
        });
        progress.finish('schedule window', scheduled.applied ? 'done' : 'skipped', scheduled.note);

        await control.checkpoint();
        progress.start('start maintenance');
        state.down = true;
        const started = await act.startMaintenance({ cluster, machine });
        progress.finish('start maintenance', started.applied ? 'done' : 'skipped', started.note);

        progress.start('work', input.workDurationSeconds === undefined ? 'waiting for the operator: send the `complete` Update when done' : `${input.workDurationSeconds} s`);
        const work = await control.awaitCompletion(
          input.workDurationSeconds === undefined ? `the operator's work on ${machine.hostname} (send \`complete\`)` : `the work on ${machine.hostname} (${input.workDurationSeconds} s, or \`complete\`)`,
          input.workDurationSeconds === undefined ? undefined : input.workDurationSeconds * 1000,
        );
        progress.finish('work', 'done', work === 'completed' ? 'marked complete' : 'duration elapsed');

        await control.checkpoint();
        progress.start('stop maintenance');
        const stopped = await act.stopMaintenance({ cluster, machine });
        state.stopped = true;
        progress.finish('stop maintenance', stopped.applied ? 'done' : 'skipped', stopped.note);

        progress.start('wait for agent', `an agent registered on ${machine.hostname}/${machine.ip}`);
        const back = await control.wait<AgentSummary | undefined>({
          what: `an agent registered on ${machine.hostname}/${machine.ip}`,
          read: () => act.agentOnMachine({ cluster, machine }),
          done: (a) => a !== undefined,
          timeoutMs: input.returnTimeoutSeconds * 1000,
          describe: () => 'the machine is UP; its agent process has not registered yet',
          diagnose: async () => `no agent registered on ${machine.hostname}/${machine.ip}: is the agent process running on the machine, and can it reach the master?`,
          shared: { cluster, condition: { kind: 'agentOnMachine', hostname: machine.hostname, ip: machine.ip } },
        });
        if (back.outcome === 'skipped') {
          skippedWaits.push(`agent return (skipped by ${back.by ?? 'an operator'}: ${back.reason})`);
          progress.finish('wait for agent', 'skipped', back.reason);
          progress.finish('reactivate', 'skipped', 'no agent');
          progress.finish('verify', 'skipped', 'no agent');
        } else {
          newAgent = back.state!;
          upsertSearchAttributes([{ key: SearchAttributes.AgentIds, value: [...new Set([agent.agentId, newAgent.agentId])] }]);
          progress.finish('wait for agent', 'done', newAgent.agentId === agent.agentId ? `${newAgent.agentId} re-registered under its old id` : `new agent ${newAgent.agentId}`);

          progress.start('reactivate');
          const reactivated = newAgent.deactivated ? await act.reactivateAgent({ cluster, agentId: newAgent.agentId }) : { applied: false, note: 'agent is active (a new agent comes back active)' };
          progress.finish('reactivate', reactivated.applied ? 'done' : 'skipped', reactivated.note);

          progress.start('verify');
          const verified = await control.wait<AgentSummary | undefined>({
            what: `agent ${newAgent.agentId} active with no drain info`,
            read: () => act.agentOnMachine({ cluster, machine }),
            done: (a) => a !== undefined && a.active && !a.deactivated && a.drainState === 'NONE',
            timeoutMs: 120_000,
            describe: (a) => (a ? `active=${a.active}, deactivated=${a.deactivated}, drain=${a.drainState}` : 'agent not registered'),
            shared: { cluster, condition: { kind: 'agentActive', agentId: newAgent.agentId } },
          });
          progress.finish('verify', verified.outcome === 'met' ? 'done' : 'skipped', verified.outcome === 'met' ? 'active, no drain info' : verified.reason);
          newAgent = verified.state ?? newAgent;
        }
        control.finish();
        progress.setPhase('done');
        return { cluster, machine, oldAgentId: agent.agentId, newAgentId: newAgent?.agentId, outcome: 'completed' as const, skippedWaits };
      },
    );
  } catch (err) {
    control.finish();
    const report = await CancellationScope.nonCancellable(() => compensate(stopReason(err), cluster, ref, machine, state, input.abortDrainWaitSeconds, progress));
    throw afterCompensation('agentMaintenance', err, report);
  }
}

/**
 * Puts the cluster back as far as Mesos allows: STOP_MAINTENANCE when the machine went DOWN, else out of the
 * schedule when it was scheduled and REACTIVATE_AGENT once DRAINED (waiting a bounded time, since Mesos refuses it
 * while DRAINING). Says plainly what cannot be undone.
 */
async function compensate(
  reason: string,
  cluster: string,
  ref: { cluster: string; agentId: string },
  machine: MachineRef,
  state: { drainRequested: boolean; scheduled: boolean; down: boolean; stopped: boolean },
  drainWaitSeconds: number,
  progress: ProgressTracker,
): Promise<CompensationReport> {
  progress.setPhase('compensating');
  progress.say(`compensating: ${reason}`);
  const comp = new Compensation(reason);
  // What Mesos did, not what the run meant to do: a step is marked before its call, and a cancelled run may stop
  // before the call is made. STOP_MAINTENANCE's answer says whether the machine went DOWN (a failed stop: assume so).
  let wentDown = state.stopped;
  if (state.down && !state.stopped) {
    wentDown = true;
    await comp.run('stop maintenance', async () => {
      const r = await act.stopMaintenance({ cluster, machine });
      wentDown = r.applied;
      return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
    });
  }
  if (state.scheduled && !wentDown) {
    await comp.run('remove from schedule', async () => {
      const r = await act.requestScheduleChange({ cluster, requestId: `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}/remove`, remove: { machines: [machine] } });
      return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
    });
  }
  if (state.drainRequested && !wentDown) {
    await comp.run('reactivate', () => reactivateAfterDrain(ref, drainWaitSeconds, progress));
  }
  if (state.drainRequested) comp.cannotUndo(`the drain killed the tasks of agent ${ref.agentId}; their frameworks reschedule them elsewhere`);
  if (wentDown) comp.cannotUndo(`START_MAINTENANCE shut agent ${ref.agentId} down; the machine's agent returns as a new agent`);
  progress.say(`compensation: ${comp.summary()}`);
  return comp.report;
}

async function planSteps(cluster: string, target: string, agent: AgentSummary | undefined, checks: RunPlan['checks'], input: z.output<typeof agentMaintenanceInputSchema>): Promise<RunPlan> {
  const machine = agent?.ip ? { hostname: agent.hostname, ip: agent.ip } : undefined;
  const mode = machine ? (await act.machineMaintenance({ cluster, machine })).mode : 'NONE';
  const id = agent?.agentId ?? target;
  const where = machine ? `${machine.hostname}/${machine.ip}` : target;
  return plan('agentMaintenance', cluster, target, checks, [
    { name: 'lease', action: `take the per-agent lease on ${id} (${input.ifAgentBusy === 'wait' ? 'waiting' : 'failing'} if another run holds it)` },
    { name: 'approval', action: 'wait for an `approve` Update', skipBecause: input.requireApproval ? undefined : 'not required by the input (the policy may still require it)' },
    { name: 'drain', action: `DRAIN_AGENT ${id}${input.maxGracePeriodSeconds === undefined ? '' : ` with max_grace_period ${input.maxGracePeriodSeconds} s`}`, skipBecause: agent && agent.drainState !== 'NONE' ? `agent is already ${agent.drainState}` : undefined },
    { name: 'wait for DRAINED', action: 'poll GET_AGENTS until drain_info.state is DRAINED' },
    { name: 'schedule window', action: `UPDATE_MAINTENANCE_SCHEDULE (through the cluster's schedule owner): add ${where} for ${input.windowMinutes} min`, skipBecause: mode !== 'NONE' ? `machine is already ${mode}` : undefined },
    { name: 'start maintenance', action: `START_MAINTENANCE ${where}: the agent is shut down and removed`, skipBecause: mode === 'DOWN' ? 'machine is already DOWN' : undefined },
    { name: 'work', action: input.workDurationSeconds === undefined ? 'wait for the `complete` Update' : `wait ${input.workDurationSeconds} s (or \`complete\`)` },
    { name: 'stop maintenance', action: `STOP_MAINTENANCE ${where}: the machine leaves the schedule` },
    { name: 'wait for agent', action: `wait until an agent registers on ${where} (up to ${input.returnTimeoutSeconds} s)` },
    { name: 'reactivate', action: 'REACTIVATE_AGENT if the returning agent is deactivated' },
    { name: 'verify', action: 'the agent is active with no drain info' },
  ]);
}
