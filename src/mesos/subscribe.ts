/**
 * The master event stream (SUBSCRIBE) as an async iterator of typed events.
 *
 * Mesos ends the stream when the master fails over and offers no resume, so the iterator re-subscribes to the
 * current leader with exponential backoff and yields each fresh SUBSCRIBED snapshot. A watchdog closes and reopens
 * a stream that has been silent for 5 × `heartbeat_interval_seconds` (master.proto's advice). Failures that a
 * reconnect cannot fix (DECODE, 401, 403...) end the iteration with that {@link MesosError}.
 */
import { isMesosError, MesosError } from './errors';
import { DEFAULT_MAX_RECORD_BYTES } from './recordio';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS, type MasterEvent } from './schemas/events';
import type { HttpResponse } from './transport';

/** Options of {@link MasterClient.subscribe}. */
export interface SubscribeOptions {
  /** Ends the iteration (as {@link MasterEventStream.close}). */
  signal?: AbortSignal;
  /** Re-subscribe after the stream ends or fails (default true). With false, the first end finishes the iteration. */
  reconnect?: boolean;
  /** Backoff between re-subscriptions: doubles from `initialMs` (default 500) up to `maxMs` (default 30000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Consecutive failed attempts (without a SUBSCRIBED) before the last error is thrown (default: unlimited). */
  maxAttempts?: number;
  /** Heartbeat interval assumed until SUBSCRIBED states it (default 15 s). */
  heartbeatIntervalSeconds?: number;
  /** Silence, in heartbeat intervals, after which the stream is reopened (default 5). */
  silenceIntervals?: number;
  /** Largest event accepted (default 256 MiB, enough for a 10k-agent SUBSCRIBED snapshot). */
  maxRecordBytes?: number;
}

/** What the stream needs from the client. */
export interface EventSource {
  open(signal: AbortSignal): Promise<HttpResponse>;
  records(res: HttpResponse, maxRecordBytes: number): AsyncGenerator<MasterEvent, void, undefined>;
  forgetLeader(): void;
  /** Called once when the iteration ends, however it ends. */
  release?(): void;
}

class SilenceError extends Error {
  constructor(ms: number) {
    super(`no event or heartbeat for ${ms} ms`);
    this.name = 'SilenceError';
  }
}

/** A SUBSCRIBE event stream. Iterate it once; {@link close} ends the iteration. */
export class MasterEventStream implements AsyncIterable<MasterEvent> {
  private readonly closer = new AbortController();
  private subscriptionCount = 0;

  constructor(
    private readonly source: EventSource,
    private readonly opts: SubscribeOptions,
  ) {
    opts.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (opts.signal?.aborted) this.close();
  }

  /** How many SUBSCRIBED snapshots were received (1 + successful re-subscriptions). */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /** Ends the iteration and the open connection. */
  close(): void {
    this.closer.abort(new Error('event stream closed'));
  }

  get closed(): boolean {
    return this.closer.signal.aborted;
  }

  [Symbol.asyncIterator](): AsyncIterator<MasterEvent> {
    return this.run();
  }

  private async *run(): AsyncGenerator<MasterEvent, void, undefined> {
    try {
      yield* this.loop();
    } finally {
      this.source.release?.();
    }
  }

  private async *loop(): AsyncGenerator<MasterEvent, void, undefined> {
    const reconnect = this.opts.reconnect ?? true;
    const factor = this.opts.silenceIntervals ?? 5;
    const maxRecordBytes = this.opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    let intervalSeconds = this.opts.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
    let failures = 0;
    let lastError: unknown;
    while (!this.closed) {
      const attempt = new AbortController();
      const signal = AbortSignal.any([this.closer.signal, attempt.signal]);
      let watchdog: NodeJS.Timeout | undefined;
      const silenceMs = (): number => Math.max(1, Math.round(intervalSeconds * factor * 1000));
      const arm = (): void => {
        if (watchdog) clearTimeout(watchdog);
        const ms = silenceMs();
        watchdog = setTimeout(() => attempt.abort(new SilenceError(ms)), ms);
      };
      const disarm = (): void => {
        if (watchdog) clearTimeout(watchdog);
        watchdog = undefined;
      };
      try {
        arm();
        const res = await this.source.open(signal);
        for await (const event of this.source.records(res, maxRecordBytes)) {
          if (event.type === 'SUBSCRIBED') {
            failures = 0;
            this.subscriptionCount += 1;
            const hb = event.subscribed.heartbeat_interval_seconds;
            if (hb !== undefined && hb > 0) intervalSeconds = hb;
          }
          // The consumer's own processing time is not silence on the wire.
          disarm();
          yield event;
          if (this.closed) return;
          arm();
        }
        lastError = undefined;
      } catch (e) {
        if (this.closed) return;
        const silent = attempt.signal.aborted;
        if (!silent && !(isMesosError(e) && e.retryable)) throw e;
        lastError = silent ? new MesosError({ code: 'TIMEOUT', callType: 'SUBSCRIBE', detail: `event stream silent for ${silenceMs()} ms` }) : e;
      } finally {
        disarm();
        attempt.abort(new Error('attempt finished'));
      }
      if (this.closed || !reconnect) {
        if (lastError !== undefined && !this.closed) throw lastError;
        return;
      }
      // The stream ended (failover) or failed: the leader may have moved.
      this.source.forgetLeader();
      failures += 1;
      if (this.opts.maxAttempts !== undefined && failures > this.opts.maxAttempts) {
        throw lastError ?? new MesosError({ code: 'CONNECTION', callType: 'SUBSCRIBE', detail: 'event stream keeps ending' });
      }
      await this.sleep(this.backoffMs(failures));
    }
  }

  private backoffMs(failures: number): number {
    const initial = this.opts.backoff?.initialMs ?? 500;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.closer.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.closer.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
