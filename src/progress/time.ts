/**
 * Times and durations as an operator reads them: `2026-12-01 14:03:05 UTC`, `14:03:05`, `2 min 5 s`, never raw
 * nanoseconds. Pure (sandbox-safe): formatters and the schedule's notes use it.
 */

/** `2026-12-01T14:03:05.123Z` → `14:03:05` (UTC). */
export function clock(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? m[1]! : iso;
}

/** `2026-12-01T14:03:05.123Z` → `2026-12-01 14:03:05 UTC`. */
export function dateTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** Nanoseconds since the epoch (a decimal string or bigint, as Mesos gives them) → `2026-12-01 14:03:05 UTC`. */
export function dateTimeFromNs(ns: string | bigint): string {
  const ms = Number(BigInt(ns) / 1_000_000n);
  return Number.isFinite(ms) ? dateTime(new Date(ms).toISOString()) : `${ns} ns`;
}

/** Seconds → `45 s`, `2 min 5 s`, `3 h 10 min`, `2 d 4 h`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

/** Nanoseconds (a decimal string or bigint) → {@link duration}. */
export function durationFromNs(ns: string | bigint): string {
  return duration(Number(BigInt(ns) / 1_000_000_000n));
}
