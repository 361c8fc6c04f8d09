import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ClusterRegistry } from './clusters';
import { loadConfig, type Config } from './config';
import type { Client } from '@temporalio/client';
import { connectClient, connectWorker } from './temporal/connection';

export interface WorkerOptions {
  config: Config;
  /** An existing connection (tests); otherwise one is made from `config.temporal`. */
  connection?: NativeConnection;
  /** Overrides `config.temporal.taskQueue` (tests use one per file). */
  taskQueue?: string;
  /** An existing Temporal client for the activities (tests); otherwise one is made from `config.temporal`. */
  client?: Client;
  /** Another workflow bundle entry (tests with runbooks of their own); default runbooks/index.ts. */
  workflowsPath?: string;
}

export interface RunbookWorker {
  worker: Worker;
  clusters: ClusterRegistry;
  /** Runs until `shutdown()`; resolves when the worker has stopped. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The one composition root: builds the per-cluster Mesos clients, the activities and the Temporal worker serving
 * every runbook (`runbooks/index.ts`) on the task queue. Throws when the server cannot be reached or the workflow
 * bundle does not build.
 */
export async function createRunbookWorker(options: WorkerOptions): Promise<RunbookWorker> {
  const { config } = options;
  const ownConnection = options.connection ? undefined : await connectWorker(config.temporal);
  const connection = options.connection ?? ownConnection!;
  const clusters = ClusterRegistry.fromConfig(config);
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  // Activities that talk to the per-cluster entity workflows (schedule owner, agent lock, watcher) need a client.
  const client = options.client ?? (await connectClient(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowsPath: options.workflowsPath ?? require.resolve('../runbooks'),
    activities: createActivities({ clusters, policy: config.policy, temporal: { client, taskQueue } }),
  });
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= worker.run().finally(async () => {
      await clusters.close();
      if (!options.client) await client.connection.close();
      await ownConnection?.close();
    });
    return running;
  };
  return {
    worker,
    clusters,
    run,
    async shutdown() {
      if (worker.getState() === 'RUNNING' || worker.getState() === 'INITIALIZED') worker.shutdown();
      await running;
    },
  };
}

/**
 * Serves until SIGINT or SIGTERM (the SDK's runtime shuts its workers down on them: polling stops, in-flight work
 * is handed back to the server, which gives it to another worker), then closes the clusters' connections.
 */
export async function serveUntilSignalled(worker: RunbookWorker): Promise<void> {
  await worker.run();
  process.stderr.write('worker stopped\n');
}

async function main(): Promise<void> {
  const config = loadConfig({ onNote: (note) => process.stderr.write(`${note}\n`) });
  const worker = await createRunbookWorker({ config });
  process.stderr.write(`worker serving task queue '${worker.worker.options.taskQueue}' on ${config.temporal.address} (clusters: ${Object.keys(config.clusters).join(', ')})\n`);
  await serveUntilSignalled(worker);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
