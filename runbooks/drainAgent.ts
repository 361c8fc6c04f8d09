import { ApplicationFailure, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities, DrainStatus } from '../activities';
import { parseRunbookInput } from '../workflows/input';
import { pollUntil } from '../workflows/poll';
import { ProgressTracker, type Progress } from '../workflows/progress';
import { SearchAttributes } from '../src/temporal/search-attributes';

/**
 * drainAgent: DRAIN_AGENT → wait until Mesos reports DRAINED (every task terminal and acknowledged) → optionally
 * REACTIVATE_AGENT. Not destructive beyond the drain itself: the drain kills the agent's tasks, which their
 * frameworks reschedule elsewhere.
 */
export const drainAgentInputSchema = z
  .object({
    cluster: z.string().min(1, 'cluster: give a configured cluster name').default('default'),
    agentId: z.string().min(1).optional(),
    hostname: z.string().min(1).optional(),
    maxGracePeriodSeconds: z
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 or more seconds (0 kills at once)')
      .max(7 * 24 * 3600, 'must be at most 604800 seconds (7 days)')
      .optional(),
    reactivate: z.boolean({ error: 'must be true or false' }).default(false),
    reason: z
      .string({ error: (issue) => (issue.input === undefined ? 'required: say why the agent is drained (recorded with the run)' : 'must be a string') })
      .trim()
      .min(1, 'required: say why the agent is drained (recorded with the run)'),
    /** How long to wait for DRAINED before failing with the tasks that remain (default: grace period + 10 min). */
    drainTimeoutSeconds: z.number().int().positive().max(7 * 24 * 3600).optional(),
    initiator: z.string().min(1).optional(),
    ticket: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (Boolean(input.agentId) === Boolean(input.hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: [input.agentId ? 'hostname' : 'agentId'],
        message: input.agentId ? 'give agentId or hostname, not both' : 'required: give agentId or hostname (exactly one)',
      });
    }
  });

export type DrainAgentInput = z.input<typeof drainAgentInputSchema>;

export interface DrainAgentResult {
  cluster: string;
  agentId: string;
  hostname: string;
  /** DRAINED, or REACTIVATED when `reactivate` was asked. */
  finalState: 'DRAINED' | 'REACTIVATED';
  drainApplied: boolean;
  waitedSeconds: number;
}

export const progressQuery = defineQuery<Progress>('progress');

const { findAgent, drainAgent: drainAgentActivity, reactivateAgent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

// Reads are cheap and safe to retry forever within the wait's deadline.
const { agentDrainStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

const DEFAULT_EXTRA_WAIT_SECONDS = 600;
const DEFAULT_TASK_GRACE_SECONDS = 3 * 60;

export async function drainAgent(rawInput: DrainAgentInput): Promise<DrainAgentResult> {
  const input = parseRunbookInput('drainAgent', drainAgentInputSchema, rawInput);
  const steps = ['find agent', 'drain', 'wait for DRAINED', ...(input.reactivate ? ['reactivate'] : [])];
  const progress = new ProgressTracker('drainAgent', steps);
  setHandler(progressQuery, () => progress.snapshot);
  upsertSearchAttributes([
    { key: SearchAttributes.RunbookName, value: 'drainAgent' },
    { key: SearchAttributes.MesosCluster, value: input.cluster },
    ...(input.initiator ? [{ key: SearchAttributes.Initiator, value: input.initiator }] : []),
    ...(input.ticket ? [{ key: SearchAttributes.Ticket, value: input.ticket }] : []),
  ]);
  progress.say(`reason: ${input.reason}`);

  progress.start('find agent', input.agentId ?? input.hostname);
  const agent = await findAgent({ cluster: input.cluster, agentId: input.agentId, hostname: input.hostname });
  const ref = { cluster: input.cluster, agentId: agent.agentId };
  upsertSearchAttributes([
    { key: SearchAttributes.AgentIds, value: [agent.agentId] },
    { key: SearchAttributes.Machines, value: [agent.ip ? `${agent.hostname}/${agent.ip}` : agent.hostname] },
  ]);
  progress.finish('find agent', 'done', `${agent.agentId} on ${agent.hostname} (${agent.drainState === 'NONE' ? 'not draining' : agent.drainState})`);

  progress.start('drain', input.maxGracePeriodSeconds === undefined ? "tasks' own grace periods" : `max grace ${input.maxGracePeriodSeconds} s`);
  const drained = await drainAgentActivity({ ...ref, maxGracePeriodSeconds: input.maxGracePeriodSeconds });
  progress.finish('drain', drained.applied ? 'done' : 'skipped', drained.note);

  progress.start('wait for DRAINED');
  const startedWaiting = Date.now();
  const timeoutSeconds = input.drainTimeoutSeconds ?? (input.maxGracePeriodSeconds ?? DEFAULT_TASK_GRACE_SECONDS) + DEFAULT_EXTRA_WAIT_SECONDS;
  const deadline = startedWaiting + timeoutSeconds * 1000;
  await pollUntil<DrainStatus>({
    what: `agent ${agent.agentId} to be DRAINED`,
    read: () => agentDrainStatus(ref),
    done: (s) => s.agent?.drainState === 'DRAINED',
    deadline,
    onPending: (s) => {
      if (!s.registered) {
        throw ApplicationFailure.create({ type: 'AGENT_GONE', nonRetryable: true, message: `agent ${agent.agentId} left the cluster while draining` });
      }
      progress.waiting({
        what: `agent ${agent.agentId} DRAINED`,
        since: new Date(startedWaiting).toISOString(),
        deadline: new Date(deadline).toISOString(),
        diagnosis: describeRemaining(s),
      });
    },
    diagnose: describeRemaining,
  });
  const waitedSeconds = Math.round((Date.now() - startedWaiting) / 1000);
  progress.finish('wait for DRAINED', 'done', `DRAINED after ${waitedSeconds} s`);

  let finalState: DrainAgentResult['finalState'] = 'DRAINED';
  if (input.reactivate) {
    progress.start('reactivate');
    const reactivated = await reactivateAgent(ref);
    progress.finish('reactivate', reactivated.applied ? 'done' : 'skipped', reactivated.note);
    finalState = 'REACTIVATED';
  }
  progress.setPhase('done');
  return { cluster: input.cluster, agentId: agent.agentId, hostname: agent.hostname, finalState, drainApplied: drained.applied, waitedSeconds };
}

function describeRemaining(s: DrainStatus): string {
  if (s.remainingTaskCount === 0) {
    return 'no task left on the agent; waiting for the master to record DRAINED (pending operations or acknowledgements)';
  }
  const shown = s.remainingTasks.map((t) => `${t.taskId} (${t.state}, framework ${t.frameworkId})`).join(', ');
  const more = s.remainingTaskCount > s.remainingTasks.length ? ` and ${s.remainingTaskCount - s.remainingTasks.length} more` : '';
  const terminal = s.remainingTasks.filter((t) => !t.state.startsWith('TASK_RUNNING') && !t.state.startsWith('TASK_KILLING') && !t.state.startsWith('TASK_STAGING') && !t.state.startsWith('TASK_STARTING'));
  const hint = terminal.length > 0 ? '; terminal tasks still listed have not been acknowledged by their framework' : '';
  return `${s.remainingTaskCount} task(s) remain: ${shown}${more}${hint}`;
}
