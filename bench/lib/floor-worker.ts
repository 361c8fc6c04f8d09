/**
 * The Temporal floor's worker (bench/lib/floor.ts), a process of its own so that its peak RSS compares with the
 * roll's worker: the SDK, the floor's workflows (bench/lib/floor-workflows.ts) and a sleeping activity, nothing else.
 * Usage: node --import tsx bench/lib/floor-worker.ts <address> <taskQueue> <maxCachedWorkflows>
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { bundleInChildProcess } from '../../src/temporal/bundle';

void (async () => {
  const [address, taskQueue, cache] = process.argv.slice(2);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: address! });
  // Bundled in a child process, as `mesos-runbooks worker` does (webpack's memory would stay in this one).
  const bundle = await bundleInChildProcess(require.resolve('./floor-workflows'));
  const worker = await Worker.create({
    connection,
    taskQueue: taskQueue!,
    workflowBundle: { codePath: bundle },
    activities: { floorWork: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) },
    maxCachedWorkflows: Number(cache),
  });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
  process.stderr.write('floor worker ready\n');
  await worker.run(); // until SIGTERM (the SDK's runtime shuts it down)
  await connection.close();
})();
