import type { Client, WorkflowHandle } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { ClusterRegistry } from '../../src/clusters';
import { parseConfig, type Config, type ConfigInput } from '../../src/config';
import type { MasterClient } from '../../src/mesos';
import { startCluster, type SimCluster, type SimOptions } from '../../src/sim';
import { RunbookClient } from '../../src/temporal/control';
import { createRunbookWorker, type RunbookWorker } from '../../src/worker';
import type { Progress, RunPlan } from '../../src/contracts';
import { testClient, testWorkerConnection, uniqueName } from './temporal';

/**
 * One test file's world: a simulated cluster, a configuration naming it under a cluster name of its own, a worker on
 * a task queue of its own (on the run's shared dev server), a client, and a Mesos client to read the cluster.
 */
export interface RunbookEnv {
  sim: SimCluster;
  cluster: string;
  taskQueue: string;
  config: Config;
  client: Client;
  connection: NativeConnection;
  worker?: RunbookWorker;
  clusters: ClusterRegistry;
  mesos: MasterClient;
  /** The control client of this world (identity `jest`), checking inputs against the cluster. */
  runbooks: RunbookClient;
  start(runbook: string, input: Record<string, unknown>, idSuffix?: string): Promise<WorkflowHandle>;
  stop(): Promise<void>;
}

export interface RunbookEnvOptions {
  startWorker?: boolean;
  policy?: ConfigInput['policy'];
  workflowsPath?: string;
  /** More configuration (notifications, chat-ops, schedules, ...). */
  config?: Omit<ConfigInput, 'clusters' | 'policy'>;
  /**
   * Turn on HTTP Basic auth in the simulator and configure the cluster with these credentials (the secret by
   * reference, an environment variable of this process), as a production cluster is.
   */
  credentials?: { principal: string; secret: string };
  /** The worker's time scale: the runs' own timers (soaks, deadlines) go this much faster (default 1). */
  workerTimeScale?: number;
  /** A workflow bundle built already (bundleInChildProcess). */
  workflowBundlePath?: string;
}

export async function runbookEnv(simOptions: SimOptions, options: RunbookEnvOptions = {}): Promise<RunbookEnv> {
  const { credentials } = options;
  const sim = await startCluster({ seed: 11, timeScale: 20, agentReturnDelaySeconds: 2, ...(credentials ? { credentials: [credentials] } : {}), ...simOptions });
  const cluster = uniqueName('sim').toLowerCase();
  const taskQueue = uniqueName('tq');
  const secretVar = `MESOS_SECRET_${cluster.replace(/[^a-z0-9]/g, '_').toUpperCase()}`;
  if (credentials) process.env[secretVar] = credentials.secret;
  const auth = credentials ? { credentials: { kind: 'basic' as const, principal: credentials.principal, secret: { env: secretVar } } } : {};
  const config = parseConfig({ ...options.config, clusters: { [cluster]: { masters: sim.masters, ...auth } }, policy: options.policy ?? {} });
  const client = await testClient();
  const connection = await testWorkerConnection();
  const clusters = ClusterRegistry.fromConfig(config);
  const runbooks = new RunbookClient({ client, taskQueue, identity: 'jest', clusters });
  const env: RunbookEnv = {
    sim,
    cluster,
    taskQueue,
    config,
    client,
    connection,
    clusters,
    mesos: clusters.master(cluster),
    runbooks,
    start: async (runbook, input, idSuffix) => {
      const run = await runbooks.start(runbook, { cluster, ...input }, { idSuffix: idSuffix ?? uniqueName('run') });
      return client.workflow.getHandle(run.workflowId);
    },
    async stop() {
      await env.worker?.shutdown();
      await clusters.close();
      await connection.close();
      await client.connection.close();
      await sim.stop();
    },
  };
  if (options.startWorker !== false) {
    env.worker = await createRunbookWorker({
      config,
      connection,
      taskQueue,
      client,
      workflowsPath: options.workflowsPath,
      ...(options.workerTimeScale ? { timeScale: options.workerTimeScale } : {}),
      ...(options.workflowBundlePath ? { workflowBundlePath: options.workflowBundlePath } : {}),
    });
    void env.worker.run();
  }
  return env;
}

/**
 * Plan = run: plans `input`, checks the plan changed nothing (the audit log), runs the same input, and checks that the
 * plan names the run's steps in order with the same skip decisions (a step decided at run time may go either way).
 * `during` drives the run meanwhile (approvals). Returns the plan, the run's progress and its result.
 */
export async function planThenRun(
  env: RunbookEnv,
  runbook: string,
  input: Record<string, unknown>,
  options: { ready?: boolean; during?: (handle: WorkflowHandle) => Promise<void> } = {},
): Promise<{ plan: RunPlan; progress: Progress; result: unknown }> {
  const before = env.sim.audit().length;
  const plan = await env.runbooks.plan(runbook, { cluster: env.cluster, ...input });
  expect(env.sim.audit().length).toBe(before);
  expect(plan.ready).toBe(options.ready ?? true);
  const run = await env.runbooks.start(runbook, { cluster: env.cluster, ...input }, { idSuffix: uniqueName('run') });
  const handle = env.client.workflow.getHandle(run.workflowId);
  await options.during?.(handle);
  const result = await handle.result();
  const progress = await handle.query<Progress>('progress');
  expect(plan.steps.map((s) => s.name)).toEqual(progress.steps.map((s) => s.name));
  plan.steps.forEach((planned, i) => {
    const ran = progress.steps[i]!;
    if (planned.decidedAtRunTime) expect(['done', 'skipped']).toContain(ran.status);
    else if (planned.skipBecause) expect({ step: ran.name, status: ran.status, note: ran.note }).toEqual({ step: planned.name, status: 'skipped', note: planned.skipBecause });
    else expect({ step: ran.name, status: ran.status }).toEqual({ step: planned.name, status: 'done' });
  });
  return { plan, progress, result };
}

/** Queries `progress` until `predicate` holds (bounded: fails with the last progress after `timeoutMs`). */
export async function progressUntil(handle: WorkflowHandle, predicate: (p: Progress) => boolean, timeoutMs = 30_000): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let last: Progress | undefined;
  for (;;) {
    try {
      last = await handle.query<Progress>('progress');
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    if (Date.now() > deadline) throw new Error(`progress did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `check` returns true (bounded), polling every 100 ms. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The validator's message of an Update that was refused (the client wraps it as the cause). */
export async function rejection(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    return cause?.message ?? (err as Error).message;
  }
  throw new Error('expected the Update to be refused');
}
