/**
 * From rehearsal time to real time (pure). A rehearsal at speed S runs two kinds of time: time the simulated cluster
 * and the run's own timers spend (a drain's kills, an agent coming back, a soak, a gate's wait, the operator's work),
 * which is S times shorter than in production, and time the engine spends (activities, workflow tasks, Mesos calls,
 * retries' backoff), which is not. A rehearsal's wall time times S would multiply the engine's time too; the
 * prediction multiplies only the first kind: the union of every run's waits for Mesos, timers and the operator.
 *
 *   predicted(t) = (t − t0) + (S − 1) × |waits ∩ [t0, t]|
 *
 * Waits for approvals (answered at once by the rehearsal) and the time a stuck wait waited for an operator decision
 * are not scaled: they are counted as they happened and listed apart, since a human takes what a human takes.
 */
import type { ProgressEvent, WaitKind } from '../contracts';

/** A span of wall time, epoch ms. */
export interface Interval {
  from: number;
  to: number;
}

/** Waits whose time runs S times faster in the rehearsal: the cluster's and the run's own timers. */
export const SCALED_WAITS: ReadonlySet<WaitKind> = new Set<WaitKind>(['mesos', 'operator', 'windowOpen', 'window', 'recovery']);

/** The union of intervals, sorted, without overlaps; empty ones dropped. */
export function union(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

/** Total length of (already merged) intervals within [from, to], ms. */
export function coveredMs(merged: Interval[], from: number, to: number): number {
  let sum = 0;
  for (const i of merged) {
    const a = Math.max(i.from, from);
    const b = Math.min(i.to, to);
    if (b > a) sum += b - a;
  }
  return sum;
}

/** One wait of a run, from its events. */
export interface WaitSpan {
  kind: WaitKind;
  what: string;
  from: number;
  /** When it ended (or the run's end, or `now`). */
  to: number;
  /** When its deadline passed and it waited for an operator decision (not scaled from then on). */
  stuckAt?: number;
  /**
   * For a wait for Mesos: when the change it waits for was sent (the write the cluster then works on, often before the
   * wait began) and when the cluster reached it. The cluster's time is [causeAt, reachedAt]; the rest of the wait is
   * the watcher noticing it, which takes as long in production (not scaled). `reachedAt` null: the cluster did
   * nothing during the wait (it held already). Both unset: the whole wait is the cluster's (a timer).
   */
  causeAt?: number;
  reachedAt?: number | null;
  outcome?: string;
}

/** The waits in a run's events (a run waits for one thing at a time), each closed at its end, the run's, or `now`. */
export function waitSpans(events: ProgressEvent[], now: number): WaitSpan[] {
  const spans: WaitSpan[] = [];
  let open: WaitSpan | undefined;
  const close = (at: number, outcome?: string) => {
    if (!open) return;
    open.to = at;
    if (outcome) open.outcome = outcome;
    spans.push(open);
    open = undefined;
  };
  for (const e of events) {
    const at = Date.parse(e.at);
    if (e.kind === 'waitStarted') {
      close(at);
      open = { kind: e.wait, what: e.what, from: at, to: at };
    } else if (e.kind === 'waitDiagnosed' && e.stuck && open && open.stuckAt === undefined) open.stuckAt = at;
    else if (e.kind === 'waitExtended' && open && open.stuckAt !== undefined) {
      // Extended after it was stuck: the extension's time is the cluster's again; the decision's was not.
      spans.push({ ...open, to: open.stuckAt });
      open = { kind: open.kind, what: open.what, from: at, to: at };
    } else if (e.kind === 'waitEnded') close(at, e.outcome);
    else if (e.kind === 'runEnded') close(at);
  }
  close(now);
  return spans;
}

/**
 * The intervals whose time is scaled: a timer's whole wait; for a wait for Mesos, the cluster's time from the change
 * sent to the state reached; neither past the moment a wait got stuck (then it waited for a person).
 */
export function scaledIntervals(spans: WaitSpan[]): Interval[] {
  const out: Interval[] = [];
  for (const s of spans) {
    if (!SCALED_WAITS.has(s.kind) || s.reachedAt === null) continue;
    const end = s.stuckAt ?? s.to;
    if (s.reachedAt === undefined) out.push({ from: s.from, to: end });
    else out.push({ from: Math.min(s.causeAt ?? s.from, s.from), to: Math.min(end, s.reachedAt) });
  }
  return out;
}

/** Rehearsal wall time → predicted real time since the start. */
export class TimeMap {
  private readonly merged: Interval[];

  constructor(
    readonly t0: number,
    scaled: Interval[],
    readonly speed: number,
  ) {
    this.merged = union(scaled);
  }

  /** Seconds of predicted real time from the start to wall time `t`. */
  at(t: number): number {
    const wall = Math.max(0, t - this.t0);
    return (wall + (this.speed - 1) * coveredMs(this.merged, this.t0, t)) / 1000;
  }

  /** The wall ms between `t0` and `t` that ran scaled. */
  scaledMs(t: number): number {
    return coveredMs(this.merged, this.t0, t);
  }
}

/** `h:mm:ss` of seconds (a timeline's offsets). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
