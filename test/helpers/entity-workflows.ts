/**
 * The workflow bundle of the entity-workflow tests: the schedule owner and the agent lock, plus small stand-ins for
 * runbooks that use them the way runbooks do (withAgentLease, requestScheduleChange through an activity).
 * Sandbox code, like workflows/: no Node built-ins, activities by type only.
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceScheduleActivities } from '../../activities/maintenance-schedule';
import type { Lease } from '../../src/contracts';
import { withAgentLease } from '../../workflows/leases';
import type { ScheduleChange, ScheduleChangeResult } from '../../src/maintenance/schedule-change';

export { agentLock } from '../../workflows/agent-lock';
export { maintenanceScheduleOwner } from '../../workflows/maintenance-schedule-owner';

export interface HolderState {
  state: 'acquiring' | 'waiting' | 'holding' | 'released';
  waitedFor?: Lease;
}

export const finishSignal = defineSignal('finish');
export const holderStateQuery = defineQuery<HolderState>('holderState');

/** Takes a lease on `agentIds` and holds it until signalled `finish` (or cancelled). */
export async function leaseHolder(input: { cluster: string; agentIds: string[]; wait: boolean; waitTimeoutMs?: number }): Promise<HolderState> {
  const status: HolderState = { state: 'acquiring' };
  let finish = false;
  setHandler(finishSignal, () => void (finish = true));
  setHandler(holderStateQuery, () => status);
  await withAgentLease(
    {
      cluster: input.cluster,
      agentIds: input.agentIds,
      runbook: 'leaseHolder',
      wait: input.wait,
      waitTimeoutMs: input.waitTimeoutMs,
      onWaiting: (heldBy) => {
        status.state = 'waiting';
        status.waitedFor = heldBy;
      },
    },
    async () => {
      status.state = 'holding';
      await condition(() => finish);
    },
  );
  status.state = 'released';
  return status;
}

const { requestScheduleChange } = proxyActivities<MaintenanceScheduleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3 },
});

/** Asks the schedule owner for each change in turn; a change without requestId gets `<workflowId>/<index>`. */
export async function scheduleChanger(input: { cluster: string; changes: (Omit<ScheduleChange, 'requestId'> & { requestId?: string })[] }): Promise<ScheduleChangeResult[]> {
  const results: ScheduleChangeResult[] = [];
  for (const [i, change] of input.changes.entries()) {
    results.push(await requestScheduleChange({ cluster: input.cluster, ...change, requestId: change.requestId ?? `${workflowInfo().workflowId}/${i}` }));
  }
  return results;
}
