import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { acquireUpdate, agentLockWorkflowId, EntityWorkflowTypes, leasesQuery, releaseSignal, type AcquireRequest, type AcquireResult, type AgentLockState, type ReleaseRequest, type RunRef } from '../src/contracts';
import { asActivity, updateFailure } from './errors';

export interface AgentLockActivityDeps {
  temporal: { client: Client; taskQueue: string };
}

/**
 * The agent lock's activities: the run side's way in (`acquireAgentLease`, `releaseAgentLease`, each starting the
 * cluster's lock on first use) and the lock's way to learn which holders died (`closedRuns`).
 */
export function createAgentLockActivities({ temporal }: AgentLockActivityDeps) {
  const { client, taskQueue } = temporal;
  const start = (cluster: string) => ({ workflowId: agentLockWorkflowId(cluster), taskQueue, args: [{ cluster }] as [{ cluster: string }] });

  return {
    /**
     * Asks the cluster's lock for leases on `agentIds` (Update-with-Start). Idempotent for the same holder run: a
     * retry is granted (or queued) again. Fails non-retryably with `INVALID_INPUT` for a malformed request.
     */
    async acquireAgentLease(input: { cluster: string } & AcquireRequest): Promise<AcquireResult> {
      return asActivity(async () => {
        const { cluster, ...request } = input;
        try {
          return await client.workflow.executeUpdateWithStart(acquireUpdate, {
            args: [request],
            startWorkflowOperation: new WithStartWorkflowOperation(EntityWorkflowTypes.agentLock, { ...start(cluster), workflowIdConflictPolicy: 'USE_EXISTING' }),
          });
        } catch (err) {
          throw updateFailure(err);
        }
      });
    },

    /** Releases leases and queued requests of a holder (Signal-with-Start, so it never fails for a missing lock). */
    async releaseAgentLease(input: { cluster: string } & ReleaseRequest): Promise<void> {
      return asActivity(async () => {
        const { cluster, ...request } = input;
        await client.workflow.signalWithStart(EntityWorkflowTypes.agentLock, {
          ...start(cluster),
          signal: releaseSignal,
          signalArgs: [request],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      });
    },

    /** Who holds or waits for these agents now (the lock's state, by a query: no history); none when no lock runs. */
    async leaseHolders(input: { cluster: string; agentIds: string[] }): Promise<AgentLockState> {
      return asActivity(async () => {
        try {
          const state = await client.workflow.getHandle(agentLockWorkflowId(input.cluster)).query(leasesQuery);
          return {
            leases: state.leases.filter((l) => input.agentIds.includes(l.agentId)),
            queue: state.queue.filter((q) => q.agentIds.some((a) => input.agentIds.includes(a))),
          };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { leases: [], queue: [] };
          throw err;
        }
      });
    },

    /** Those of `runs` that are closed: unknown to Temporal, or in any status but RUNNING. */
    async closedRuns(input: { runs: RunRef[] }): Promise<RunRef[]> {
      return asActivity(async () => {
        const closed = await Promise.all(
          input.runs.map(async (run) => {
            try {
              const described = await client.workflow.getHandle(run.workflowId, run.runId).describe();
              return described.status.name === 'RUNNING' ? undefined : run;
            } catch (err) {
              if (err instanceof WorkflowNotFoundError) return run;
              throw err;
            }
          }),
        );
        return closed.filter((r): r is RunRef => r !== undefined);
      });
    },
  };
}

export type AgentLockActivities = ReturnType<typeof createAgentLockActivities>;
