import { sleep } from '@temporalio/workflow';
import type { CompensationStep } from './compensation';
import type { ProgressTracker } from './progress';
import { runbookActivities } from './runbook-activities';

const act = runbookActivities;

/**
 * The compensation of a drain: Mesos refuses REACTIVATE_AGENT while the agent is DRAINING, so this waits (a bounded
 * time) for DRAINED, then reactivates; past the bound it leaves the agent DRAINING and says what to do.
 */
export async function reactivateAfterDrain(
  ref: { cluster: string; agentId: string },
  waitSeconds: number,
  progress: ProgressTracker,
): Promise<Omit<CompensationStep, 'step'>> {
  let status = await act.agentDrainStatus(ref);
  const deadline = Date.now() + waitSeconds * 1000;
  while (status.registered && status.agent?.drainState === 'DRAINING' && Date.now() < deadline) {
    progress.waiting({
      what: `agent ${ref.agentId} DRAINED before it can be reactivated (Mesos refuses REACTIVATE_AGENT while DRAINING)`,
      deadline: new Date(deadline).toISOString(),
    });
    await sleep(Math.min(2_000, deadline - Date.now()));
    status = await act.agentDrainStatus(ref);
  }
  progress.clearWait();
  if (!status.registered) return { outcome: 'skipped', note: 'agent no longer registered' };
  if (status.agent?.drainState === 'DRAINING') {
    return {
      outcome: 'left',
      note: `agent ${ref.agentId} left DRAINING after ${waitSeconds} s (${status.remainingTaskCount} task(s) left); once it is DRAINED, reactivate it (e.g. start drainAgent on it with "reactivate": true)`,
    };
  }
  const r = await act.reactivateAgent(ref);
  return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
}
