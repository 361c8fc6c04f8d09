import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * The activities runbook steps call, with the options they all share: a minute per attempt, retried with backoff
 * for about five minutes (the activities classify Mesos errors; a non-retryable one fails at once).
 *
 * A cancellation (Web UI, CLI) waits for an activity in flight to finish before the run goes on to compensate, so
 * the compensation sees what the call did: with the SDK's default (TRY_CANCEL) the run would move on at once and,
 * e.g., a START_MAINTENANCE still on its way could land after the STOP_MAINTENANCE meant to undo it. The activities
 * are short HTTP calls without heartbeats, so a cancel takes effect when the current attempt ends (within its one
 * minute timeout); no further retry is started.
 */
export const runbookActivities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
