import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino from 'pino';

export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The worker's structured logs: one JSON object a line (pino) on stdout. Workflow and activity log lines carry the
 * SDK's context — `workflowId`, `runId`, `workflowType`, `activityType`, `taskQueue`, `namespace` — and, with tracing
 * on, `trace_id` and `span_id`, so a run's lines are found by its ids. Never given a secret: configuration secrets are
 * references, resolved only where used, and the Mesos client redacts credentials from its errors.
 */
export function createLogger(options: { level?: PinoLevel; destination?: pino.DestinationStream } = {}): pino.Logger {
  return pino(
    { level: options.level ?? 'info', base: { service: 'mesos-runbooks-worker', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

const LEVELS: Record<LogLevel, PinoLevel> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The Temporal SDK's {@link Logger} (for `Runtime.install({ logger })`) writing to pino. */
export class PinoSdkLogger implements Logger {
  constructor(private readonly pino: pino.Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[LEVELS[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
