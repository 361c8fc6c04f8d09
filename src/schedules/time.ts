/**
 * Wall-clock time in an IANA time zone, and its daylight-saving transitions (pure: Intl only). The schedules use it
 * to print windows in their zone (`2027-03-28T03:30:00+02:00`) and to apply the daylight-saving rule
 * (docs/schedules.md): a window whose start falls in a skipped hour opens at the same instant the clock would show
 * without the jump (02:30 on the spring-forward night opens at 03:30 summer time).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
}

/** The wall-clock time of `ms` in `timeZone`. */
export function wallTime(timeZone: string, ms: number): WallTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const m = /GMT(?:([+-])(\d\d):?(\d\d))?/.exec(parts.timeZoneName ?? 'GMT');
  const offsetMinutes = m && m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, second: +parts.second!, offsetMinutes };
}

/** `2027-03-28T03:30:00+02:00` */
export function localIso(timeZone: string, ms: number): string {
  const w = wallTime(timeZone, ms);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  const sign = w.offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(w.offsetMinutes);
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}${off === 0 && timeZone === 'UTC' ? 'Z' : `${sign}${p(Math.floor(off / 60))}:${p(off % 60)}`}`;
}

/** The local date `YYYY-MM-DD` of `ms` in `timeZone`. */
export function localDate(timeZone: string, ms: number): string {
  return localIso(timeZone, ms).slice(0, 10);
}

/** A spring-forward transition: wall-clock times in [at, at + gapMinutes) (in the old offset) do not exist. */
export interface ClockGap {
  /** The instant of the jump. */
  at: number;
  beforeOffsetMinutes: number;
  afterOffsetMinutes: number;
  gapMinutes: number;
}

/** The transitions of `timeZone` in [from, to) where the clock jumps forward. */
export function clockGaps(timeZone: string, from: number, to: number): ClockGap[] {
  const gaps: ClockGap[] = [];
  const step = 3600_000;
  let prev = wallTime(timeZone, from).offsetMinutes;
  for (let t = from + step; t < to + step; t += step) {
    const off = wallTime(timeZone, t).offsetMinutes;
    if (off !== prev) {
      // Find the minute of the change.
      let lo = t - step;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (wallTime(timeZone, mid).offsetMinutes === prev) lo = mid;
        else hi = mid;
      }
      if (off > prev && hi >= from && hi < to) gaps.push({ at: hi, beforeOffsetMinutes: prev, afterOffsetMinutes: off, gapMinutes: off - prev });
      prev = off;
    }
  }
  return gaps;
}

/** The `Etc/GMT±N` zone of a whole-hour offset (the sign is POSIX's: east of UTC is minus), else undefined. */
export function fixedOffsetZone(offsetMinutes: number): string | undefined {
  if (offsetMinutes % 60 !== 0) return undefined;
  const h = offsetMinutes / 60;
  if (h < -12 || h > 14) return undefined;
  return h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
}
