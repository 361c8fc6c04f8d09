/**
 * Shared set-up of the convergence integration tests: a worker on its own task queue running the watch
 * activities and the test bundle (test/helpers/watch-workflows.ts) against the shared real Temporal dev server.
 */
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createWatchActivities } from '../../../activities/watch';
import { ClusterRegistry } from '../../../src/clusters';
import { parseConfig } from '../../../src/config';
import type { Condition } from '../../../src/convergence/conditions';
import { watcherWorkflowId } from '../../../src/contracts';
import type { Wait } from '../../../src/convergence/protocol';
import type { WatcherTuning } from '../../../workflows/cluster-watcher';
import type { WaitingRunResult } from '../../helpers/watch-workflows';
import { testClient, testWorkerConnection, uniqueName } from '../../helpers/temporal';

export interface WatchEnv {
  taskQueue: string;
  client: Client;
  clusters: ClusterRegistry;
  startWatcher(cluster: string, tuning?: WatcherTuning): Promise<WorkflowHandleWithFirstExecutionRunId>;
  watcher(cluster: string): WorkflowHandle;
  waits(cluster: string): Promise<Wait[]>;
  startWaiting(cluster: string, condition: Condition, timeoutMs?: number): Promise<WorkflowHandle<(i: unknown) => Promise<WaitingRunResult>>>;
  close(): Promise<void>;
}

export async function startWatchEnv(prefix: string, clusterMasters: Record<string, string[]>): Promise<WatchEnv> {
  const taskQueue = uniqueName(prefix);
  const config = parseConfig({ clusters: Object.fromEntries(Object.entries(clusterMasters).map(([name, masters]) => [name, { masters, timeoutSeconds: 10 }])) });
  const clusters = ClusterRegistry.fromConfig(config);
  const client = await testClient();
  const connection: NativeConnection = await testWorkerConnection();
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('../../helpers/watch-workflows'),
    activities: createWatchActivities({ clusters, temporal: { client, taskQueue } }),
  });
  const running = worker.run();
  const watcher = (cluster: string) => client.workflow.getHandle(watcherWorkflowId(cluster));
  return {
    taskQueue,
    client,
    clusters,
    async startWatcher(cluster, tuning) {
      return client.workflow.start('clusterWatcher', { taskQueue, workflowId: watcherWorkflowId(cluster), args: [{ cluster, ...(tuning ? { tuning } : {}) }] });
    },
    watcher,
    waits: (cluster) => watcher(cluster).query<Wait[]>('waits'),
    startWaiting: (cluster, condition, timeoutMs = 120_000) =>
      client.workflow.start('waitingRun', { taskQueue, workflowId: uniqueName('wait'), args: [{ cluster, condition, timeoutMs }] }),
    async close() {
      for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
        await client.workflow.getHandle(w.workflowId).terminate('test over').catch(() => undefined);
      }
      worker.shutdown();
      await running;
      await clusters.close();
      await connection.close();
      await client.connection.close();
    },
  };
}

/** Awaits `cond` (async), checking every `everyMs`. @throws naming `what` after `timeoutMs`. */
export async function eventually<T>(cond: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = await cond();
    } catch {
      v = undefined; // e.g. a query before the watcher started
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True once a waitingRun has registered its wait (its one activity completed): from then on the watcher reads for it. */
export async function settled(handle: WorkflowHandle): Promise<boolean> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length >= 1;
}

/** The current attempt of the watcher's pending watchCluster activity (1 = it never failed), if one is pending. */
export async function watchActivityAttempt(handle: WorkflowHandle): Promise<number | undefined> {
  const d = await handle.describe();
  const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'watchCluster');
  return pending?.attempt ?? undefined;
}

export { uniqueName };
