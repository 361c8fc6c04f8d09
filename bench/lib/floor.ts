import { spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import type { FloorRollInput } from './floor-workflows';

export interface FloorResult {
  activities: number;
  wallMs: number;
  /** CPU seconds during the run: the dev server, and the floor's worker process. */
  cpu: { server: number; worker: number };
  /** The floor worker's peak RSS (kB) and its RSS when ready. */
  peakRssKb: number;
  idleRssKb: number;
}

/**
 * Runs the Temporal floor (bench/lib/floor-workflows.ts) on a running dev server with its worker in a process of its
 * own (bench/lib/floor-worker.ts, the same NODE_OPTIONS as the roll's worker): the same batches and timings as a
 * measured roll, `activities` activities a child.
 */
export async function runFloor(opts: {
  address: string;
  serverPid: number;
  batches: number[][];
  maxConcurrent: number;
  activities: number;
  maxCachedWorkflows: number;
  /** The floor worker's environment (the roll's worker's: NODE_OPTIONS, MALLOC_ARENA_MAX). */
  env: NodeJS.ProcessEnv;
  cpuOf: (pid: number) => number;
  memoryOf: (pid: number) => { rss: number; hwm: number };
}): Promise<FloorResult> {
  const taskQueue = `bench-floor-${opts.activities}`;
  const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./floor-worker'), opts.address, taskQueue, String(opts.maxCachedWorkflows)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: opts.env,
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('floor worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`floor worker exited (${code}): ${err.slice(-2000)}`)));
  });
  const idleRssKb = opts.memoryOf(child.pid!).rss;
  let peakRssKb = idleRssKb;
  const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, opts.memoryOf(child.pid!).rss)), 500);
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection });
  try {
    const input: FloorRollInput = { batches: opts.batches, maxConcurrent: opts.maxConcurrent, activities: opts.activities };
    const cpu0 = { server: opts.cpuOf(opts.serverPid), worker: opts.cpuOf(child.pid!) };
    const t0 = Date.now();
    await client.workflow.execute('floorRoll', { taskQueue, workflowId: `floor-${opts.activities}-${t0}`, args: [input] });
    const wallMs = Date.now() - t0;
    peakRssKb = Math.max(peakRssKb, opts.memoryOf(child.pid!).hwm);
    return { activities: opts.activities, wallMs, cpu: { server: opts.cpuOf(opts.serverPid) - cpu0.server, worker: opts.cpuOf(child.pid!) - cpu0.worker }, peakRssKb, idleRssKb };
  } finally {
    clearInterval(sampler);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await connection.close();
  }
}
