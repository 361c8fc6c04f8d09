import type { ChildProcess } from 'node:child_process';

/**
 * Stops a child process: `signal` (default SIGTERM), then SIGKILL if it has not exited after `killAfterMs` (default
 * 10 s). Resolves once `exited` (the promise of its 'exit' event) settles; at once when it already exited.
 */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>, options: { signal?: NodeJS.Signals; killAfterMs?: number } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(options.signal ?? 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 10_000);
  await exited;
  clearTimeout(timer);
}
