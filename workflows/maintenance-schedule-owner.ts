import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceScheduleActivities } from '../activities/maintenance-schedule';
import { changeScheduleUpdate, invalidInput, recentChangesQuery } from '../src/contracts';
import { scheduleChangeProblems, type ScheduleChangeResult } from '../src/maintenance/schedule-change';

/** A change the owner applied (or found already applied), remembered to answer a repeated requestId. */
export interface RecentChange extends ScheduleChangeResult {
  /** When it was answered (workflow time, ISO). */
  at: string;
}

export interface MaintenanceScheduleOwnerInput {
  cluster: string;
  /** The dedupe memory carried over continue-as-new (oldest first). */
  recent?: RecentChange[];
}

/** How many answered requestIds the owner remembers (and carries over continue-as-new). */
export const RECENT_CHANGES_KEPT = 1000;
const NOTE_KEPT_CHARS = 500;

const { applyMaintenanceScheduleChange } = proxyActivities<MaintenanceScheduleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

/**
 * The maintenance schedule's single writer for one cluster (design.md "The maintenance schedule has one writer").
 * UPDATE_MAINTENANCE_SCHEDULE replaces the whole schedule, so every read-modify-write goes through this entity:
 * `changeSchedule` Updates run strictly one at a time, each a read-decide-write-verify activity that preserves every
 * entry it did not come to change and never drops a DOWN machine.
 *
 * A repeated `requestId` (a retried activity, a replayed runbook step) is answered from memory with the first
 * answer, without a Mesos call. Lives forever; continues as new, carrying that memory, when Temporal suggests it.
 *
 * Update failures: `INVALID_INPUT` (validator, nothing done) naming the field; otherwise the apply activity's
 * failure type (`MESOS_BAD_REQUEST`, `SCHEDULE_NOT_APPLIED`, ...) once its retries are spent.
 */
export async function maintenanceScheduleOwner(input: MaintenanceScheduleOwnerInput): Promise<never> {
  const recent = new Map<string, RecentChange>();
  for (const r of (input.recent ?? []).slice(-RECENT_CHANGES_KEPT)) recent.set(r.requestId, r);

  // The mutex: each handler's body starts when the previous one has settled.
  let tail: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  setHandler(
    changeScheduleUpdate,
    (change) =>
      oneAtATime(async () => {
        const earlier = recent.get(change.requestId);
        if (earlier) return answer(earlier);
        const outcome = await applyMaintenanceScheduleChange({ cluster: input.cluster, ...change }).catch(asUpdateFailure);
        const result: ScheduleChangeResult = { requestId: change.requestId, ...outcome };
        recent.set(change.requestId, { ...result, note: result.note.slice(0, NOTE_KEPT_CHARS), at: new Date(Date.now()).toISOString() });
        if (recent.size > RECENT_CHANGES_KEPT) recent.delete(recent.keys().next().value as string);
        return result;
      }),
    {
      validator: (change) => {
        const problems = scheduleChangeProblems(change);
        if (problems.length > 0) {
          throw invalidInput(`changeSchedule: invalid change: ${problems.join('; ')}`, [problems]);
        }
      },
    },
  );
  setHandler(recentChangesQuery, () => [...recent.values()]);

  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  return continueAsNew<typeof maintenanceScheduleOwner>({ cluster: input.cluster, recent: [...recent.values()] });
}

function answer(r: RecentChange): ScheduleChangeResult {
  return { requestId: r.requestId, applied: r.applied, note: r.note, downKept: r.downKept };
}

/** Fails the Update (not the owner) with the activity's own failure type, so the caller can decide on it. */
function asUpdateFailure(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    throw ApplicationFailure.create({ type: cause.type ?? 'SCHEDULE_CHANGE_FAILED', message: cause.message, nonRetryable: Boolean(cause.nonRetryable), details: cause.details as unknown[] | undefined });
  }
  if (err instanceof ActivityFailure) {
    throw ApplicationFailure.create({ type: 'SCHEDULE_CHANGE_FAILED', message: `applying the change failed: ${err.cause?.message ?? err.message}`, nonRetryable: false });
  }
  throw err;
}
