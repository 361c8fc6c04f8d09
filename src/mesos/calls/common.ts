/**
 * Call builders shared by the master and agent APIs. A builder turns camelCase options into the plain-data
 * snake_case `Call` Mesos expects (`{"type": "...", "<type_lower>": {...}}`). Builders do no I/O and keep 64-bit
 * integers as `bigint`; the transport writes them as decimal strings.
 */

/** A Mesos `Call` as plain data. */
export interface MesosCall<T extends string = string> {
  readonly type: T;
  readonly [field: string]: unknown;
}

/** An int64 input: a `bigint`, a safe integer, or a decimal string. */
export type Int64Input = bigint | number | string;

/** `{value}` id message from a string. */
export function id(value: string): { value: string } {
  return { value };
}

export const getHealth = () => ({ type: 'GET_HEALTH' }) as const;
export const getFlags = () => ({ type: 'GET_FLAGS' }) as const;
export const getVersion = () => ({ type: 'GET_VERSION' }) as const;

/** Options of GET_METRICS. */
export interface GetMetricsOptions {
  /** Metrics not collected within this time are omitted (Mesos waits forever without it). */
  timeoutNanoseconds?: Int64Input;
}

/** GET_METRICS options as a client method takes them (call options included). */
export type GetMetricsOptionsWithCall = GetMetricsOptions & { timeoutMs?: number; signal?: AbortSignal };

/** GET_METRICS. Mesos requires the `get_metrics` object even when empty (400 otherwise), so it is always sent. */
export function getMetrics(opts: GetMetricsOptions = {}) {
  const body: { timeout?: { nanoseconds: Int64Input } } = {};
  if (opts.timeoutNanoseconds !== undefined) body.timeout = { nanoseconds: opts.timeoutNanoseconds };
  return { type: 'GET_METRICS', get_metrics: body } as const;
}

export const getLoggingLevel = () => ({ type: 'GET_LOGGING_LEVEL' }) as const;

/** Options of SET_LOGGING_LEVEL: both are required by Mesos. */
export interface SetLoggingLevelOptions {
  level: number;
  /** How long the level holds before reverting to the startup level. */
  durationNanoseconds: Int64Input;
}

export function setLoggingLevel(opts: SetLoggingLevelOptions) {
  return {
    type: 'SET_LOGGING_LEVEL',
    set_logging_level: { duration: { nanoseconds: opts.durationNanoseconds }, level: opts.level },
  } as const;
}

export function listFiles(opts: { path: string }) {
  return { type: 'LIST_FILES', list_files: { path: opts.path } } as const;
}

/** Options of READ_FILE. Mesos caps `length` at 16 pages; an unset length reads to the end (within that cap). */
export interface ReadFileOptions {
  path: string;
  offset?: number;
  length?: number;
}

export function readFile(opts: ReadFileOptions) {
  const body: { path: string; offset: number; length?: number } = { path: opts.path, offset: opts.offset ?? 0 };
  if (opts.length !== undefined) body.length = opts.length;
  return { type: 'READ_FILE', read_file: body } as const;
}

export const getState = () => ({ type: 'GET_STATE' }) as const;
export const getFrameworks = () => ({ type: 'GET_FRAMEWORKS' }) as const;
export const getExecutors = () => ({ type: 'GET_EXECUTORS' }) as const;
export const getTasks = () => ({ type: 'GET_TASKS' }) as const;
export const getOperations = () => ({ type: 'GET_OPERATIONS' }) as const;
