/**
 * The decisions of read-decide-write steps (design.md), as pure functions of what a read showed: "already done →
 * skip, with the reason". The activity that writes makes the same decision on its own read (so a retry after a lost
 * response never applies a change twice), and the runbook's plan mode makes it on the state it reads: one function,
 * so a plan cannot drift from a run.
 */
import type { AgentSummary } from './vocabulary';

export interface DrainWanted {
  maxGracePeriodSeconds?: number;
  markGone?: boolean;
}

/**
 * Skip DRAIN_AGENT when the agent already drains (or is DRAINED) with the same config: a second DRAIN_AGENT would
 * reset it to DRAINING and send the kills again. Another config is drained again (Mesos takes the new one).
 */
export function drainSkip(agent: AgentSummary, want: DrainWanted): string | undefined {
  if (agent.drainState === 'NONE' || !agent.drainConfig) return undefined;
  const wantNs = want.maxGracePeriodSeconds === undefined ? undefined : (BigInt(want.maxGracePeriodSeconds) * 1_000_000_000n).toString();
  const same = agent.drainConfig.maxGracePeriodNs === wantNs && agent.drainConfig.markGone === Boolean(want.markGone);
  return same ? `already ${agent.drainState}` : undefined;
}

/** Skip REACTIVATE_AGENT when the agent is not deactivated; Mesos refuses it while the agent is DRAINING. */
export function reactivateSkip(agent: AgentSummary): string | undefined {
  if (agent.drainState === 'DRAINING') return 'Mesos refuses REACTIVATE_AGENT while the agent is DRAINING';
  if (!agent.deactivated) return 'agent is not deactivated';
  return undefined;
}

export type MaintenanceMode = 'NONE' | 'DRAINING' | 'DOWN';

/** Skip START_MAINTENANCE for a machine already DOWN (Mesos answers 400 to a second call). */
export function startMaintenanceSkip(mode: MaintenanceMode): string | undefined {
  return mode === 'DOWN' ? 'machine already DOWN' : undefined;
}

/** Skip STOP_MAINTENANCE unless the machine is DOWN. */
export function stopMaintenanceSkip(mode: MaintenanceMode): string | undefined {
  return mode === 'DOWN' ? undefined : `machine is ${mode === 'NONE' ? 'in no schedule' : mode}, not DOWN`;
}

/** Skip scheduling a window for a machine already DOWN (it is under maintenance; the schedule keeps it). */
export function scheduleWindowSkip(mode: MaintenanceMode): string | undefined {
  return mode === 'DOWN' ? 'machine is already DOWN' : undefined;
}
