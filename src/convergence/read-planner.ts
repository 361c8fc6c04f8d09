/**
 * When the watcher reads GET_AGENTS: a baseline of at most one read per interval, plus short bursts of extra reads
 * after an event says a change is near, capped per window. Pure (time is passed in), so it is unit-tested apart
 * from the activity that follows it.
 */

export interface BurstOptions {
  /** Delays after the event of the extra reads, ms (default 100, 250, 500, 1000). */
  delaysMs?: number[];
  /** At most this many burst reads ... (default 10) */
  maxReads?: number;
  /** ... per this window, ms (default 5000). */
  windowMs?: number;
}

export interface ReadPlannerOptions {
  /** At most one baseline read per this interval, ms (default 5000). */
  baselineIntervalMs?: number;
  burst?: BurstOptions;
}

export const DEFAULT_BASELINE_INTERVAL_MS = 5_000;
export const DEFAULT_BURST_DELAYS_MS = [100, 250, 500, 1_000];
export const DEFAULT_BURST_MAX_READS = 10;
export const DEFAULT_BURST_WINDOW_MS = 5_000;
/** Burst reads closer than this are merged into one. */
const MERGE_MS = 40;

interface PlannedRead {
  at: number;
  /** The waits the event concerned; the read is dropped once all of them are resolved. */
  waitIds: Set<string>;
}

export type ReadKind = 'baseline' | 'burst';

export interface PlannerStats {
  baselineReads: number;
  burstReads: number;
  /** Burst reads skipped because the cap was reached. */
  burstReadsCapped: number;
}

export class ReadPlanner {
  readonly baselineIntervalMs: number;
  private readonly delaysMs: number[];
  private readonly maxReads: number;
  private readonly windowMs: number;
  private lastReadAt: number | undefined;
  private planned: PlannedRead[] = [];
  private burstReadTimes: number[] = [];
  readonly stats: PlannerStats = { baselineReads: 0, burstReads: 0, burstReadsCapped: 0 };

  constructor(options: ReadPlannerOptions = {}) {
    this.baselineIntervalMs = options.baselineIntervalMs ?? DEFAULT_BASELINE_INTERVAL_MS;
    this.delaysMs = [...(options.burst?.delaysMs ?? DEFAULT_BURST_DELAYS_MS)].sort((a, b) => a - b);
    this.maxReads = options.burst?.maxReads ?? DEFAULT_BURST_MAX_READS;
    this.windowMs = options.burst?.windowMs ?? DEFAULT_BURST_WINDOW_MS;
  }

  /** An event concerning `waitIds` happened at `now`: plan a burst of reads. */
  event(now: number, waitIds: Iterable<string>): void {
    const ids = [...waitIds];
    if (ids.length === 0) return;
    for (const delay of this.delaysMs) {
      const at = now + delay;
      const near = this.planned.find((p) => Math.abs(p.at - at) <= MERGE_MS);
      if (near) for (const id of ids) near.waitIds.add(id);
      else this.planned.push({ at, waitIds: new Set(ids) });
    }
    this.planned.sort((a, b) => a.at - b.at);
  }

  /** These waits are met or gone: burst reads planned only for them are dropped. */
  resolved(waitIds: Iterable<string>): void {
    const ids = [...waitIds];
    for (const p of this.planned) for (const id of ids) p.waitIds.delete(id);
    this.planned = this.planned.filter((p) => p.waitIds.size > 0);
  }

  /** Only these waits exist now: forget burst reads for any other. */
  retain(waitIds: ReadonlySet<string>): void {
    for (const p of this.planned) for (const id of [...p.waitIds]) if (!waitIds.has(id)) p.waitIds.delete(id);
    this.planned = this.planned.filter((p) => p.waitIds.size > 0);
  }

  /**
   * Which read is due at `now`, if any. A due burst read over the cap is dropped (counted in `burstReadsCapped`);
   * the baseline remains.
   */
  due(now: number): ReadKind | undefined {
    if (this.lastReadAt === undefined || now - this.lastReadAt >= this.baselineIntervalMs) return 'baseline';
    let burstDue = false;
    while (this.planned.length > 0 && (this.planned[0]?.at ?? Infinity) <= now) {
      this.planned.shift();
      burstDue = true;
    }
    if (!burstDue) return undefined;
    this.burstReadTimes = this.burstReadTimes.filter((t) => now - t < this.windowMs);
    if (this.burstReadTimes.length >= this.maxReads) {
      this.stats.burstReadsCapped += 1;
      return undefined;
    }
    return 'burst';
  }

  /** A read of `kind` started at `now`. */
  read(now: number, kind: ReadKind): void {
    this.lastReadAt = now;
    this.planned = this.planned.filter((p) => p.at > now);
    if (kind === 'burst') {
      this.burstReadTimes.push(now);
      this.stats.burstReads += 1;
    } else {
      this.stats.baselineReads += 1;
    }
  }

  /** When the next read may be due (ms since the epoch). */
  nextAt(): number {
    const baseline = this.lastReadAt === undefined ? -Infinity : this.lastReadAt + this.baselineIntervalMs;
    const burst = this.planned[0]?.at ?? Infinity;
    return Math.min(baseline, burst);
  }

  /** Burst reads still planned (for tests and heartbeats). */
  get plannedCount(): number {
    return this.planned.length;
  }
}
