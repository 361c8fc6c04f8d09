import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import { z } from 'zod';
import type { DrainStatus } from '../../activities';
import { reactivateAfterDrain } from './agent-steps';
import { afterCompensation, Compensation, stopReason } from './compensation';
import { agentRunbookFields, exactlyOneAgent } from './agent-input';
import { RunControl } from './control';
import { parseRunbookInput } from './input';
import { preflightFailure, tagAgent, tagRun, withLeaseAndApproval } from './agent-runbook';
import { failedChecks, plan, type RunPlan } from './plan';
import { ProgressTracker } from './progress';
import { runbookActivities } from './runbook-activities';

/**
 * drainAgent: DRAIN_AGENT → wait until Mesos reports DRAINED (every task terminal and acknowledged) → optionally
 * REACTIVATE_AGENT. Not destructive beyond the drain itself: the drain kills the agent's tasks, which their
 * frameworks reschedule elsewhere.
 */
export const drainAgentInputSchema = z
  .object({
    ...agentRunbookFields('say why the agent is drained'),
    reactivate: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine(exactlyOneAgent);

export type DrainAgentInput = z.input<typeof drainAgentInputSchema>;

export interface DrainAgentResult {
  cluster: string;
  agentId: string;
  hostname: string;
  /** DRAINED; REACTIVATED when `reactivate` was asked; DRAINING when an operator skipped the wait. */
  finalState: 'DRAINED' | 'REACTIVATED' | 'DRAINING';
  drainApplied: boolean;
  waitedSeconds: number;
}

const act = runbookActivities;

const DEFAULT_EXTRA_WAIT_SECONDS = 600;
const DEFAULT_TASK_GRACE_SECONDS = 3 * 60;

export async function drainAgentBeforeKit(rawInput: DrainAgentInput): Promise<DrainAgentResult | RunPlan> {
  const input = parseRunbookInput('drainAgent', drainAgentInputSchema, rawInput);
  const { cluster } = input;
  const steps = ['preflight', 'lease', 'approval', 'drain', 'wait for DRAINED', ...(input.reactivate ? ['reactivate'] : [])];
  const progress = new ProgressTracker('drainAgent', steps);
  const control = new RunControl(progress, await act.approvalPolicy({ runbook: 'drainAgent' }));
  tagRun('drainAgent', input);
  progress.say(`reason: ${input.reason}`);

  progress.start('preflight', input.agentId ?? input.hostname);
  const report = await act.preflightAgent({ cluster, agentId: input.agentId, hostname: input.hostname, needsMaintenance: false });
  const target = input.agentId ?? input.hostname ?? '';
  if (input.dryRun) {
    progress.finish('preflight', report.checks.every((c) => c.ok) ? 'done' : 'failed', 'plan mode');
    const a = report.agent;
    control.finish();
    progress.setPhase('planned');
    return plan('drainAgent', cluster, target, report.checks, [
      { name: 'lease', action: `take the per-agent lease on ${a?.agentId ?? target} (${input.ifAgentBusy === 'wait' ? 'waiting' : 'failing'} if another run holds it)` },
      { name: 'approval', action: 'wait for an `approve` Update', skipBecause: input.requireApproval ? undefined : 'not required by the input (the policy may still require it)' },
      { name: 'drain', action: `DRAIN_AGENT ${a?.agentId ?? target}${input.maxGracePeriodSeconds === undefined ? '' : ` with max_grace_period ${input.maxGracePeriodSeconds} s`}`, skipBecause: a && a.drainState !== 'NONE' ? `agent is already ${a.drainState}` : undefined },
      { name: 'wait for DRAINED', action: 'poll GET_AGENTS until drain_info.state is DRAINED' },
      ...(input.reactivate ? [{ name: 'reactivate', action: `REACTIVATE_AGENT ${a?.agentId ?? target}` }] : []),
    ]);
  }
  const agent = report.agent;
  if (!agent || !report.checks.every((c) => c.ok)) {
    progress.finish('preflight', 'failed', failedChecks(report.checks));
    control.finish();
    throw preflightFailure('drainAgent', report);
  }
  const ref = { cluster, agentId: agent.agentId };
  tagAgent(agent);
  progress.finish('preflight', 'done', `${agent.agentId} on ${agent.hostname} (${agent.drainState === 'NONE' ? 'not draining' : agent.drainState})`);

  let drainRequested = false;
  try {
    return await withLeaseAndApproval(
      {
        runbook: 'drainAgent',
        cluster,
        agent,
        ifAgentBusy: input.ifAgentBusy,
        requireApproval: input.requireApproval,
        approvalFor: `drain agent ${agent.agentId} (${agent.hostname})`,
        control,
        progress,
      },
      async () => {
        await control.checkpoint();
        progress.start('drain', input.maxGracePeriodSeconds === undefined ? "tasks' own grace periods" : `max grace ${input.maxGracePeriodSeconds} s`);
        drainRequested = true;
        const drained = await act.drainAgent({ ...ref, maxGracePeriodSeconds: input.maxGracePeriodSeconds });
        progress.finish('drain', drained.applied ? 'done' : 'skipped', drained.note);

        progress.start('wait for DRAINED');
        const startedWaiting = Date.now();
        const timeoutSeconds = input.drainTimeoutSeconds ?? (input.maxGracePeriodSeconds ?? DEFAULT_TASK_GRACE_SECONDS) + DEFAULT_EXTRA_WAIT_SECONDS;
        const waited = await control.wait<DrainStatus>({
          what: `agent ${agent.agentId} DRAINED`,
          read: () => act.agentDrainStatus(ref),
          done: (s) => s.agent?.drainState === 'DRAINED' || !s.registered,
          timeoutMs: timeoutSeconds * 1000,
          describe: describeRemaining,
          diagnose: () => act.diagnoseDrain(ref),
          shared: { cluster, condition: { kind: 'agentDrained', agentId: agent.agentId } },
        });
        if (!waited.state.registered) {
          throw ApplicationFailure.create({ type: 'AGENT_GONE', nonRetryable: true, message: `agent ${agent.agentId} left the cluster while draining` });
        }
        const waitedSeconds = Math.round((Date.now() - startedWaiting) / 1000);
        if (waited.outcome === 'skipped') {
          progress.finish('wait for DRAINED', 'skipped', `skipped by ${waited.by ?? 'an operator'}: ${waited.reason}`);
          if (input.reactivate) progress.finish('reactivate', 'skipped', 'Mesos refuses REACTIVATE_AGENT while DRAINING');
          control.finish();
          progress.setPhase('done');
          return { cluster, agentId: agent.agentId, hostname: agent.hostname, finalState: 'DRAINING' as const, drainApplied: drained.applied, waitedSeconds };
        }
        progress.finish('wait for DRAINED', 'done', `DRAINED after ${waitedSeconds} s`);

        let finalState: DrainAgentResult['finalState'] = 'DRAINED';
        if (input.reactivate) {
          await control.checkpoint();
          progress.start('reactivate');
          const reactivated = await act.reactivateAgent(ref);
          progress.finish('reactivate', reactivated.applied ? 'done' : 'skipped', reactivated.note);
          finalState = 'REACTIVATED';
        }
        control.finish();
        progress.setPhase('done');
        return { cluster, agentId: agent.agentId, hostname: agent.hostname, finalState, drainApplied: drained.applied, waitedSeconds };
      },
    );
  } catch (err) {
    control.finish();
    const comp = new Compensation(stopReason(err));
    await CancellationScope.nonCancellable(async () => {
      progress.setPhase('compensating');
      if (drainRequested) {
        await comp.run('reactivate', () => reactivateAfterDrain(ref, input.abortDrainWaitSeconds, progress));
        comp.cannotUndo(`the drain killed the tasks of agent ${agent.agentId}; their frameworks reschedule them elsewhere`);
      }
      progress.say(`compensation: ${comp.summary()}`);
    });
    throw afterCompensation('drainAgent', err, comp.report);
  }
}

function describeRemaining(s: DrainStatus): string {
  if (s.remainingTaskCount === 0) {
    return 'no task left on the agent; waiting for the master to record DRAINED (pending operations or acknowledgements)';
  }
  const shown = s.remainingTasks.map((t) => `${t.taskId} (${t.state})`).join(', ');
  const more = s.remainingTaskCount > s.remainingTasks.length ? ` and ${s.remainingTaskCount - s.remainingTasks.length} more` : '';
  return `${s.remainingTaskCount} task(s) remain: ${shown}${more}`;
}
