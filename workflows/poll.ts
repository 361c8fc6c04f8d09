import { ApplicationFailure, sleep } from '@temporalio/workflow';

/** The failure type of a wait that passed its deadline. */
export const WAIT_TIMEOUT = 'WAIT_TIMEOUT';

export interface PollOptions<T> {
  /** What the run waits for, in words ("agent a1 DRAINED"). */
  what: string;
  /** The authoritative read (an activity call); returns the state. */
  read: () => Promise<T>;
  /** True when `state` is what the run waits for. */
  done: (state: T) => boolean;
  /** Absolute deadline, ms since the epoch (workflow time). */
  deadline: number;
  /** First interval and cap, ms; the interval grows ×1.5 up to the cap. Defaults 1 s and 5 s. */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /** Called after each read that is not done (to update progress). */
  onPending?: (state: T) => void;
  /** Words explaining why the last state is not done, for the timeout failure. */
  diagnose?: (state: T) => string;
}

/**
 * Durable polling: reads, and sleeps on a durable timer between reads, until `done` or the deadline. The timers
 * survive worker restarts; the read is an activity, so it is retried by Temporal and recorded once.
 *
 * Throws a non-retryable `WAIT_TIMEOUT` failure at the deadline, with the diagnosis of the last state.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  let interval = options.initialIntervalMs ?? 1_000;
  const cap = options.maxIntervalMs ?? 5_000;
  for (;;) {
    const state = await options.read();
    if (options.done(state)) return state;
    options.onPending?.(state);
    const left = options.deadline - Date.now();
    if (left <= 0) {
      const why = options.diagnose ? `: ${options.diagnose(state)}` : '';
      throw ApplicationFailure.create({ type: WAIT_TIMEOUT, nonRetryable: true, message: `timed out waiting for ${options.what}${why}` });
    }
    await sleep(Math.min(interval, left));
    interval = Math.min(cap, Math.round(interval * 1.5));
  }
}
