import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * The worker's log in one line an entry, for a terminal (the demo) and for tests: a failed run is one line naming
 * it and its failure (not a stack trace), a failed activity attempt one line saying Temporal retries it. Native
 * (Rust core) logs are forwarded into it, at `coreLevel` and above.
 */
export function installConciseRuntime(options: { level: LogLevel; coreLevel?: LogLevel; print?: (line: string) => void }): void {
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = new DefaultLogger(options.level, (entry) => print(conciseLine(entry)));
  Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: options.coreLevel ?? options.level, other: 'ERROR' }, forward: {} } } });
}

/** One line for one log entry. */
export function conciseLine(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const error = (meta.error ?? meta.failure) as { type?: string; message?: string } | undefined;
  const why = error ? `${error.type ? `${error.type}: ` : ''}${firstLine(error.message ?? String(error))}` : '';
  if (entry.message === 'Workflow failed') return `✖ run ${meta.workflowId} failed: ${why}`;
  if (entry.message === 'Activity failed') return `  activity ${meta.activityType} of ${meta.workflowId} failed (${why}); Temporal retries it unless the failure is final`;
  const about = meta.workflowId ? ` (${meta.workflowId})` : '';
  return `${entry.level} ${firstLine(entry.message)}${about}${why ? `: ${why}` : ''}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
