import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, type RunbookEnv } from './runbook-env';
import { temporalAddress } from './temporal';

const root = path.resolve(__dirname, '../..');

/**
 * `mesos-runbooks worker` in a process of its own, on a test env's task queue and simulator, for tests that kill it
 * (SIGKILL) and start it again: `start()` resolves once it serves; `kill(signal)` resolves once it has exited.
 */
export function workerProcess(env: Pick<RunbookEnv, 'taskQueue' | 'cluster' | 'sim'>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mr-worker-process-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ temporal: { address: temporalAddress().address, taskQueue: env.taskQueue }, clusters: { [env.cluster]: { masters: env.sim.masters } } }));
  let child: ChildProcess | undefined;
  return {
    async start(): Promise<void> {
      const started = spawn(process.execPath, [path.join(root, 'bin/mesos-runbooks.js'), '--config', configFile, 'worker'], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = started;
      let stderr = '';
      started.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await eventually('the worker process to serve', () => /worker serving task queue/.test(stderr), 60_000);
    },
    async kill(signal: NodeJS.Signals): Promise<void> {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    /** Stops it (SIGTERM) and removes its configuration. */
    async stop(): Promise<void> {
      await this.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
