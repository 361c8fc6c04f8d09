/**
 * The maintenance window of a roll (pure): may a batch start now? Not before `notBefore`; not at or after
 * `notAfter`; not when less than `minRemainingMinutes` remain, nor less than the batch is expected to take (once the
 * run has finished machines to estimate from). Instants are RFC 3339 with Z or an offset; `timeZone` is for display.
 */
import { duration } from '../progress/time';

export interface RollWindow {
  notBefore?: string;
  notAfter?: string;
  timeZone?: string;
  minRemainingMinutes?: number;
}

export type WindowDecision = { kind: 'go' } | { kind: 'wait'; untilMs: number; reason: string } | { kind: 'pause'; reason: string };

/**
 * `now` and durations in ms. `expectedBatchMs`: the batch's expected duration (undefined before any machine finished).
 * `scaled`: the run's clock for its own durations (a rehearsal's speed divides the cutoff; identity in production).
 */
export function windowDecision(window: RollWindow | undefined, now: number, expectedBatchMs?: number, scaled: (ms: number) => number = (ms) => ms): WindowDecision {
  if (!window) return { kind: 'go' };
  const shown = (iso: string) => shownIn(iso, window.timeZone);
  if (window.notBefore && now < Date.parse(window.notBefore)) {
    return { kind: 'wait', untilMs: Date.parse(window.notBefore), reason: `the window opens at ${shown(window.notBefore)}` };
  }
  if (!window.notAfter) return { kind: 'go' };
  const end = Date.parse(window.notAfter);
  if (now >= end) return { kind: 'pause', reason: `the window ended at ${shown(window.notAfter)}` };
  const left = end - now;
  const leftShown = Math.floor(left / 1000); // never rounded up to the cutoff it is below
  const cutoff = window.minRemainingMinutes ? scaled(window.minRemainingMinutes * 60_000) : 0;
  if (left < cutoff) return { kind: 'pause', reason: `${duration(leftShown)} left in the window (until ${shown(window.notAfter)}), less than the ${window.minRemainingMinutes} min cutoff` };
  if (expectedBatchMs !== undefined && left < expectedBatchMs) {
    return { kind: 'pause', reason: `the next batch is expected to take ${duration(expectedBatchMs / 1000)}, but only ${duration(leftShown)} are left in the window (until ${shown(window.notAfter)})` };
  }
  return { kind: 'go' };
}

/** An instant in the window's time zone (for display), e.g. `2026-12-08 22:00 Europe/Berlin`. */
export function shownIn(iso: string, timeZone: string | undefined): string {
  const date = new Date(Date.parse(iso));
  if (!timeZone) return date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
  } catch {
    return date.toISOString();
  }
}

/** The expected duration of a batch of `size` machines at `concurrency` at once, from finished machines' durations. */
export function expectedBatchMs(finishedMs: number[], size: number, concurrency: number): number | undefined {
  if (finishedMs.length === 0) return undefined;
  const sorted = [...finishedMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return median * Math.ceil(size / Math.max(1, concurrency));
}
