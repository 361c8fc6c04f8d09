import {
  ActivityCancellationType,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { WatchActivities, WatchClusterInput } from '../activities/watch';
import { formatIssues } from '../src/common/zod-issues';
import { cancelWaitSignal, registerWaitUpdate, resolvedSignal, waitsQuery } from '../src/contracts';
import { describeCondition } from '../src/convergence/conditions';
import { RegisterWaitsSchema, type Wait, type WatcherInput } from '../src/convergence/protocol';

/** Updates a run accepts before it continues as new (the server's hard limit is 2,000 per run). */
const MAX_UPDATES_PER_RUN = 1_000;
const RESTART_AFTER_FAILURE = '30 seconds';

/** Test hook: options passed to every watchCluster activity of this watcher (production leaves it unset). */
export interface WatcherTuning extends Omit<WatchClusterInput, 'cluster' | 'watcherWorkflowId'> {
  heartbeatTimeout?: Duration;
  /** Continue as new after this many Updates (default 1,000). */
  maxUpdatesPerRun?: number;
}

const ACTIVITY_OPTIONS = {
  // Long-running; restarted at least daily. A lost worker is noticed within the heartbeat timeout. Retried
  // forever (the watcher never gives up on a cluster), with backoff.
  startToCloseTimeout: '1 day',
  heartbeatTimeout: '30 seconds',
  // Continue-as-new waits until the activity has really stopped, so two watchers never overlap.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;
const { watchCluster } = proxyActivities<WatchActivities>(ACTIVITY_OPTIONS);

/**
 * The entity workflow of one cluster's shared waiting (design.md "Waiting is shared per cluster"), id
 * `cluster-watcher/<cluster>`, started by the first registerWait (Update-with-Start). It holds the waits of every
 * run on the cluster and runs the watchCluster activity whenever there are some, restarting it when it returns
 * while waits remain. It continues as new (carrying the waits) when Temporal suggests it, once every handler has
 * finished.
 */
export async function clusterWatcher(input: WatcherInput & { tuning?: WatcherTuning }): Promise<void> {
  const waits = new Map<string, Wait>((input.waits ?? []).map((w) => [w.waitId, w]));
  let updates = 0;
  const render = (): void => {
    const shown = [...waits.values()].slice(0, 20).map((w) => `- ${describeCondition(w.condition)} — ${w.workflowId}`);
    const more = waits.size > 20 ? [`- ... and ${waits.size - 20} more`] : [];
    setCurrentDetails([`**cluster ${input.cluster}**: ${waits.size} wait(s)`, '', ...shown, ...more].join('\n'));
  };

  setHandler(
    registerWaitUpdate,
    ({ waits: added }) => {
      updates += 1;
      for (const wait of added) waits.set(wait.waitId, wait);
      render();
    },
    {
      validator: (input) => {
        const parsed = RegisterWaitsSchema.safeParse(input);
        if (!parsed.success) throw new Error(`invalid wait: ${formatIssues(parsed.error).join('; ')}`);
      },
      description: 'Register waits: {waits: [{waitId, workflowId, runId, condition}]}',
    },
  );
  setHandler(cancelWaitSignal, ({ waitId }) => {
    if (waits.delete(waitId)) render();
  });
  setHandler(resolvedSignal, ({ waitIds }) => {
    let changed = false;
    for (const id of waitIds) changed = waits.delete(id) || changed;
    if (changed) render();
  });
  setHandler(waitsQuery, () => [...waits.values()]);
  render();

  const { heartbeatTimeout, maxUpdatesPerRun = MAX_UPDATES_PER_RUN, ...tuning } = input.tuning ?? {};
  const shouldContinueAsNew = (): boolean => workflowInfo().continueAsNewSuggested || updates >= maxUpdatesPerRun;
  const activityInput: WatchClusterInput = { ...tuning, cluster: input.cluster, watcherWorkflowId: workflowInfo().workflowId };
  const watch = heartbeatTimeout ? proxyActivities<WatchActivities>({ ...ACTIVITY_OPTIONS, heartbeatTimeout }).watchCluster : watchCluster;

  while (!shouldContinueAsNew()) {
    await condition(() => waits.size > 0 || shouldContinueAsNew());
    if (shouldContinueAsNew()) break;
    let failed = false;
    await CancellationScope.cancellable(async () => {
      const watching = watch(activityInput);
      const continuing = condition(shouldContinueAsNew);
      continuing.catch(() => undefined);
      try {
        await Promise.race([watching, continuing]);
      } catch (err) {
        if (!isCancellation(err)) {
          failed = true;
          log.error('watchCluster failed; restarting it', { cluster: input.cluster, error: String(err) });
        }
      }
      CancellationScope.current().cancel();
      await watching.catch(() => undefined);
    });
    if (failed) await sleep(RESTART_AFTER_FAILURE);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof clusterWatcher>({ cluster: input.cluster, waits: [...waits.values()], ...(input.tuning ? { tuning: input.tuning } : {}) });
}
