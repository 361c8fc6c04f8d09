import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Worker as Thread } from 'node:worker_threads';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ClusterRegistry } from './clusters';
import { loadConfig, type Config } from './config';
import type { Client } from '@temporalio/client';
import type { MesosCallObserver } from './mesos';
import { Observability } from './observability';
import { bundleInChildProcess } from './temporal/bundle';
import { dataConverterFor } from './temporal/codec';
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
  /**
   * Build the workflow bundle in a child process (src/temporal/bundle.ts) instead of in this one, whose memory would
   * keep webpack's heap: a worker process of its own (`mesos-runbooks worker`) does.
   */
  bundleApart?: boolean;
  /** A workflow bundle built already (bundleInChildProcess), kept by its owner: many rehearsals share one. */
  workflowBundlePath?: string;
  /** A rehearsal's speed: the runs' own timers (deadlines, work durations, soaks) go this much faster (default 1). */
  timeScale?: number;
  /** Told of every Mesos call the activities make, besides the observability (a rehearsal records them). */
  mesosObserver?: MesosCallObserver;
  /**
   * Logs, metrics and traces (src/observability). Default: built from `config.observability` when the worker makes
   * its own connection (a process of its own); none when a connection is given (tests).
   */
  observability?: Observability;
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
  const dataConverter = dataConverterFor(config.temporal.encryption); // a missing or bad key fails first
  // Before any connection: it installs the process's Temporal Runtime (logger, SDK metrics).
  const ownObservability = options.observability || options.connection ? undefined : await Observability.start(config);
  const observability = options.observability ?? ownObservability;
  let failThread: (err: Error) => void = () => undefined;
  const threadFailed = new Promise<Error>((resolve) => (failThread = resolve));
  const watchThread = (thread: Thread) =>
    thread.once('error', (err: Error & { code?: string }) =>
      failThread(
        Object.assign(new Error(`the worker's workflow thread died (${err.code ?? err.name}: ${err.message}); the worker stops so that its supervisor starts it again${err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? ' (give it more memory: docs/production.md "Sizing a worker")' : ''}`), { code: 'WORKFLOW_THREAD_DIED' }),
      ),
    );
  let ownConnection: NativeConnection | undefined;
  let ownClient: Client | undefined;
  let worker: Worker;
  let client: Client;
  const clusters = ClusterRegistry.fromConfig(config, process.env, (cluster) => bothObservers(observability?.mesosObserver(cluster), options.mesosObserver));
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  try {
    ownConnection = options.connection ? undefined : await connectWorker(config.temporal);
    const connection = options.connection ?? ownConnection!;
    // Activities that talk to the per-cluster entity workflows (schedule owner, agent lock, watcher) need a client.
    ownClient = options.client ? undefined : await connectClient(config.temporal, { interceptors: observability?.clientInterceptors() });
    client = options.client ?? ownClient!;
    const workflowsPath = options.workflowsPath ?? require.resolve('../runbooks');
    const observed = observability?.workerOptions();
    const bundle = options.workflowBundlePath ?? (options.bundleApart ? await bundleInChildProcess(workflowsPath, observed?.interceptors?.workflowModules) : undefined);
    const workflows = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath };
    // The SDK runs workflow code in a thread of its own; when that thread dies (out of memory, say), the SDK logs
    // it but its pollers stop and the process idles forever. We watch the threads Worker.create starts and fail
    // run() instead, so the process exits and its supervisor starts it again (docs/production.md "Sizing a worker").
    process.on('worker', watchThread);
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      ...workflows,
      activities: createActivities({
        clusters,
        policy: config.policy,
        temporal: { client, taskQueue },
        notifications: { config: config.notifications, chatops: config.chatops, uiUrl: config.temporal.uiUrl },
        ...(options.timeScale ? { timeScale: options.timeScale } : {}),
      }),
      ...(dataConverter ? { dataConverter } : {}),
      ...config.temporal.worker,
      // With a bundle its interceptor modules are in it; the SDK would warn that it ignores them here.
      ...(bundle && observed?.interceptors ? { ...observed, interceptors: { ...observed.interceptors, workflowModules: [] } } : observed),
    });
    if (bundle && !options.workflowBundlePath) rmSync(path.dirname(bundle), { recursive: true, force: true }); // read by Worker.create
  } catch (err) {
    process.off('worker', watchThread);
    // Nothing this call opened may keep the process alive (e.g. the metrics server when the server is unreachable).
    await ownClient?.connection.close();
    await ownConnection?.close();
    await ownObservability?.close();
    throw err;
  }
  process.off('worker', watchThread);
  observability?.watchClusters(client, clusters.names());
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= Promise.race([
      worker.run().finally(async () => {
        await clusters.close();
        if (!options.client) await client.connection.close();
        await ownConnection?.close();
        await ownObservability?.close();
      }),
      threadFailed.then((err) => {
        if (worker.getState() === 'RUNNING') worker.shutdown(); // it may never finish: the thread's work is lost
        throw err;
      }),
    ]);
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

function bothObservers(a?: MesosCallObserver, b?: MesosCallObserver): MesosCallObserver | undefined {
  if (!a || !b) return a ?? b;
  return (event) => {
    a(event);
    b(event);
  };
}

/**
 * Serves until SIGINT or SIGTERM (the SDK's runtime shuts its workers down on them: polling stops, in-flight work
 * is handed back to the server, which gives it to another worker), then closes the clusters' connections.
 */
export async function serveUntilSignalled(worker: RunbookWorker): Promise<void> {
  try {
    await worker.run();
  } catch (err) {
    // The SDK's native threads would keep a failed worker's process alive: exit, so that a supervisor restarts it.
    process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stderr.write('worker stopped\n');
}

async function main(): Promise<void> {
  const config = loadConfig({ onNote: (note) => process.stderr.write(`${note}\n`) });
  const worker = await createRunbookWorker({ config, bundleApart: true });
  process.stderr.write(`worker serving task queue '${worker.worker.options.taskQueue}' on ${config.temporal.address} (clusters: ${Object.keys(config.clusters).join(', ')})\n`);
  await serveUntilSignalled(worker);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
