import type { WorkflowHandle } from '@temporalio/client';
import type { Progress } from '../../workflows/progress';

export interface WatchOptions {
  /** Where lines go (default stdout). */
  print?: (line: string) => void;
  /** Query interval, ms (default 500). */
  intervalMs?: number;
}

/**
 * Follows a run: prints each new line of its progress log (from the `progress` query) and any change of its current
 * wait, until the run closes; resolves with its result, or rejects with its failure.
 */
export async function watchRun<T = unknown>(handle: WorkflowHandle, options: WatchOptions = {}): Promise<T> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const interval = options.intervalMs ?? 500;
  let lastLine: string | undefined;
  let lastWait = '';
  let done = false;
  const result = handle.result().finally(() => (done = true));
  const flush = async () => {
    let progress: Progress;
    try {
      progress = await handle.query<Progress>('progress');
    } catch {
      return; // not started yet, or already closed: the result settles it
    }
    // The log keeps only its last 50 lines: print what follows the last line printed.
    const lines = progress.log;
    const from = lastLine === undefined ? 0 : lines.lastIndexOf(lastLine) + 1;
    for (const line of lines.slice(from)) print(`  ${shortTime(line)}`);
    if (lines.length > 0) lastLine = lines[lines.length - 1];
    const wait = progress.wait ? `  … waiting for ${progress.wait.what}${progress.wait.diagnosis ? `: ${progress.wait.diagnosis}` : ''}` : '';
    if (wait && wait !== lastWait) print(wait);
    lastWait = wait;
  };
  while (!done) {
    await flush();
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, interval))]);
  }
  await flush();
  return (await result) as T;
}

/** `2026-11-25T15:56:12.141Z find agent` → `15:56:12 find agent` (UTC). */
function shortTime(line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z /, '$1 ');
}
