import { ActivityCancellationType, proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * The activities runbook steps call, with the options they all share: a minute per attempt, retried with backoff
 * for about five minutes (the activities classify Mesos errors; a non-retryable one fails at once).
 *
 * A cancellation (Web UI, CLI) waits for an activity in flight to finish before the run goes on to compensate, so
 * the compensation sees what the call did: with the SDK's default (TRY_CANCEL) the run would move on at once and,
 * e.g., a START_MAINTENANCE still on its way could land after the STOP_MAINTENANCE meant to undo it.
 */
const proxy: ActivityInterfaceFor<Activities> = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 12 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Every activity, called with a one-line summary for the Web UI's timeline, e.g. `DRAIN_AGENT S1 (max grace 60 s)`. */
export type SummarizedActivities = {
  [K in keyof Activities]: (summary: string, ...args: Parameters<Activities[K]>) => ReturnType<Activities[K]>;
};

function summarized(target: ActivityInterfaceFor<Activities>): SummarizedActivities {
  return new Proxy({} as SummarizedActivities, {
    get: (_target, name: string) => {
      const fn = (target as unknown as Record<string, { executeWithOptions(options: { summary: string }, args: unknown[]): Promise<unknown> }>)[name]!;
      return (summary: string, ...args: unknown[]) => fn.executeWithOptions({ summary }, args);
    },
  });
}

/** `act.drainAgent('DRAIN_AGENT S1 (max grace 60 s)', { cluster, agentId })`. */
export const act = summarized(proxy);

/**
 * The same activities for fan-outs over many agents (pruneImages, fleet steps): four attempts, about 15 s, so an
 * agent that is down is reported as failed soon instead of holding its slot for five minutes.
 */
export const actEach = summarized(
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '8s', maximumAttempts: 4 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  }),
);

/**
 * The notification activity: short and bounded (it retries each target itself and never throws), called
 * fire-and-forget by the kit for the events the configuration names (docs/notifications.md).
 */
export const notifyActivity = proxyActivities<Pick<Activities, 'notify'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
});

/** An activity that may take longer than a minute (a webhook that does the work): one attempt, its own timeout. */
export function actLong<K extends keyof Activities>(name: K, summary: string, timeoutSeconds: number, ...args: Parameters<Activities[K]>): ReturnType<Activities[K]> {
  const fn = (proxy as unknown as Record<string, { executeWithOptions(options: object, args: unknown[]): Promise<unknown> }>)[name]!;
  return fn.executeWithOptions({ summary, startToCloseTimeout: `${timeoutSeconds + 30} seconds`, retry: { maximumAttempts: 1 } }, args) as ReturnType<Activities[K]>;
}
