import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { FloorRollInput } from './floor-workflows';

let quiet = false;
/** The SDK's runtime in this process logs warnings only (not every worker state change). */
function quietRuntime(): void {
  if (quiet) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  quiet = true;
}

export interface FloorResult {
  activities: number;
  wallMs: number;
  /** CPU seconds during the run: the dev server, and this process (the floor's worker). */
  cpu: { server: number; worker: number };
}

/**
 * Runs the Temporal floor (bench/lib/floor-workflows.ts) on a running dev server with a worker in this process:
 * the same batches and timings as a measured roll, `activities` activities a child. `cpuOf(pid)` reads CPU seconds.
 */
export async function runFloor(opts: { address: string; serverPid: number; batches: number[][]; maxConcurrent: number; activities: number; maxCachedWorkflows: number; cpuOf: (pid: number) => number }): Promise<FloorResult> {
  const taskQueue = `bench-floor-${opts.activities}`;
  quietRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./floor-workflows'),
    activities: { floorWork: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) },
    maxCachedWorkflows: opts.maxCachedWorkflows,
  });
  const client = new Client({ connection: await Connection.connect({ address: opts.address }) });
  const running = worker.run();
  try {
    const input: FloorRollInput = { batches: opts.batches, maxConcurrent: opts.maxConcurrent, activities: opts.activities };
    const cpu0 = { server: opts.cpuOf(opts.serverPid), worker: opts.cpuOf(process.pid) };
    const t0 = Date.now();
    await client.workflow.execute('floorRoll', { taskQueue, workflowId: `floor-${opts.activities}-${t0}`, args: [input] });
    const wallMs = Date.now() - t0;
    return { activities: opts.activities, wallMs, cpu: { server: opts.cpuOf(opts.serverPid) - cpu0.server, worker: opts.cpuOf(process.pid) - cpu0.worker } };
  } finally {
    worker.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
  }
}
