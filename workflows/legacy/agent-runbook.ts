import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentSummary, PreflightReport } from '../../activities/types';
import { SearchAttributes } from '../../src/temporal/search-attributes';
import type { RunControl } from './control';
import { withAgentLease } from '../leases';
import { failedChecks } from './plan';
import type { ProgressTracker } from './progress';

/**
 * The steps every runbook acting on one agent shares after its preflight, so they read and behave the same:
 * the failure of a preflight, the search attributes naming the agent, and the lease + approval steps.
 */

/**
 * The failure of a run whose preflight did not pass: `INVALID_INPUT` naming the field when the agent itself is not
 * found (an input error), `PREFLIGHT_FAILED` listing the failed checks otherwise. Non-retryable.
 */
export function preflightFailure(runbook: string, report: PreflightReport): ApplicationFailure {
  const missing = report.checks.find((c) => c.name === 'agent registered' && !c.ok);
  return ApplicationFailure.create({
    type: missing ? 'INVALID_INPUT' : 'PREFLIGHT_FAILED',
    nonRetryable: true,
    message: missing ? missing.detail : `${runbook} preflight failed: ${failedChecks(report.checks)}`,
    details: [report.checks],
  });
}

/** Records the runbook, cluster, initiator and ticket on the run's search attributes (also for runs started elsewhere). */
export function tagRun(runbook: string, input: { cluster: string; initiator?: string; ticket?: string }): void {
  upsertSearchAttributes([
    { key: SearchAttributes.RunbookName, value: runbook },
    { key: SearchAttributes.MesosCluster, value: input.cluster },
    ...(input.initiator ? [{ key: SearchAttributes.Initiator, value: input.initiator }] : []),
    ...(input.ticket ? [{ key: SearchAttributes.Ticket, value: input.ticket }] : []),
  ]);
}

/** Records the agent (and its machine) on the run's search attributes. */
export function tagAgent(agent: AgentSummary): void {
  upsertSearchAttributes([
    { key: SearchAttributes.AgentIds, value: [agent.agentId] },
    { key: SearchAttributes.Machines, value: [agent.ip ? `${agent.hostname}/${agent.ip}` : agent.hostname] },
  ]);
}

export interface AgentStepsOptions {
  runbook: string;
  cluster: string;
  agent: AgentSummary;
  ifAgentBusy: 'wait' | 'fail';
  requireApproval: boolean;
  /** What the approver approves, in words. */
  approvalFor: string;
  control: RunControl;
  progress: ProgressTracker;
}

/**
 * Runs `fn` holding the agent's lease (waiting for another run's, or failing naming it; an abort ends the wait) and
 * after approval when the input or the policy asks for it; the `lease` and `approval` steps show in the progress.
 */
export async function withLeaseAndApproval<T>(opts: AgentStepsOptions, fn: () => Promise<T>): Promise<T> {
  const { agent, control, progress } = opts;
  progress.start('lease');
  return withAgentLease(
    {
      cluster: opts.cluster,
      agentIds: [agent.agentId],
      runbook: opts.runbook,
      wait: opts.ifAgentBusy === 'wait',
      interrupt: { when: () => control.abortRequested, raise: () => control.checkpoint() },
      onWaiting: (heldBy) => progress.waiting({ what: `agent ${agent.agentId} held by ${heldBy.runbook} run ${heldBy.holder} since ${heldBy.since}` }),
    },
    async () => {
      progress.finish('lease', 'done', `holding agent ${agent.agentId}`);
      progress.start('approval');
      const approval = await control.awaitApproval(opts.approvalFor, opts.requireApproval);
      progress.finish('approval', approval ? 'done' : 'skipped', approval ? `approved by ${approval.approver}: ${approval.reason}` : 'not required');
      return fn();
    },
  );
}
