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

/** Reads for waits just registered (they may already hold): shared by every wait registered meanwhile. */
export interface FreshOptions {
  /** Delay of the read after the first new wait is seen, so that registrations arriving together share it (default 100). */
  delayMs?: number;
  /** At most one such read per this interval, ms (default 1500). */
  spacingMs?: number;
}

export interface ReadPlannerOptions {
  /** At most one baseline read per this interval, ms (default 5000). */
  baselineIntervalMs?: number;
  burst?: BurstOptions;
  fresh?: FreshOptions;
}

export const DEFAULT_BASELINE_INTERVAL_MS = 5_000;
export const DEFAULT_BURST_DELAYS_MS = [100, 250, 500, 1_000];
export const DEFAULT_BURST_MAX_READS = 10;
export const DEFAULT_BURST_WINDOW_MS = 5_000;
export const DEFAULT_FRESH_DELAY_MS = 100;
export const DEFAULT_FRESH_SPACING_MS = 1_500;
/** Burst reads closer than this are merged into one. */
const MERGE_MS = 40;

interface PlannedRead {
  at: number;
  /** The waits the event (or registration) concerned; the read is dropped once all of them are resolved. */
  waitIds: Set<string>;
  kind: 'burst' | 'fresh';
}

export type ReadKind = 'baseline' | 'burst' | 'fresh';

export interface PlannerStats {
  baselineReads: number;
  burstReads: number;
  /** Burst reads skipped because the cap was reached. */
  burstReadsCapped: number;
  /** Reads for newly registered waits. */
  freshReads: number;
}

export class ReadPlanner {
  readonly baselineIntervalMs: number;
  private readonly delaysMs: number[];
  private readonly maxReads: number;
  private readonly windowMs: number;
  private lastReadAt: number | undefined;
  private planned: PlannedRead[] = [];
  private burstReadTimes: number[] = [];
  private readonly freshDelayMs: number;
  private readonly freshSpacingMs: number;
  private lastFreshAt = -Infinity;
  readonly stats: PlannerStats = { baselineReads: 0, burstReads: 0, burstReadsCapped: 0, freshReads: 0 };

  constructor(options: ReadPlannerOptions = {}) {
    this.baselineIntervalMs = options.baselineIntervalMs ?? DEFAULT_BASELINE_INTERVAL_MS;
    this.delaysMs = [...(options.burst?.delaysMs ?? DEFAULT_BURST_DELAYS_MS)].sort((a, b) => a - b);
    this.maxReads = options.burst?.maxReads ?? DEFAULT_BURST_MAX_READS;
    this.windowMs = options.burst?.windowMs ?? DEFAULT_BURST_WINDOW_MS;
    this.freshDelayMs = options.fresh?.delayMs ?? DEFAULT_FRESH_DELAY_MS;
    this.freshSpacingMs = options.fresh?.spacingMs ?? DEFAULT_FRESH_SPACING_MS;
  }

  /**
   * Waits were registered (seen at `now`): one read soon, since they may already hold. Every wait registered until
   * that read starts shares it; at most one such read per spacing interval, however many runs register.
   */
  registered(now: number, waitIds: Iterable<string>): void {
    const ids = [...waitIds];
    if (ids.length === 0) return;
    const pending = this.planned.find((p) => p.kind === 'fresh');
    if (pending) {
      for (const id of ids) pending.waitIds.add(id);
      return;
    }
    this.planned.push({ at: Math.max(now + this.freshDelayMs, this.lastFreshAt + this.freshSpacingMs), waitIds: new Set(ids), kind: 'fresh' });
    this.planned.sort((a, b) => a.at - b.at);
  }

  /** An event concerning `waitIds` happened at `now`: plan a burst of reads. */
  event(now: number, waitIds: Iterable<string>): void {
    const ids = [...waitIds];
    if (ids.length === 0) return;
    for (const delay of this.delaysMs) {
      const at = now + delay;
      const near = this.planned.find((p) => p.kind === 'burst' && Math.abs(p.at - at) <= MERGE_MS);
      if (near) for (const id of ids) near.waitIds.add(id);
      else this.planned.push({ at, waitIds: new Set(ids), kind: 'burst' });
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
    let freshDue = false;
    while (this.planned.length > 0 && (this.planned[0]?.at ?? Infinity) <= now) {
      const read = this.planned.shift()!;
      if (read.kind === 'fresh') freshDue = true;
      else burstDue = true;
    }
    if (freshDue) return 'fresh';
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
    // Any read answers every wait registered before it: a planned read for fresh waits is no longer needed.
    this.planned = this.planned.filter((p) => p.at > now && p.kind !== 'fresh');
    if (kind === 'burst') {
      this.burstReadTimes.push(now);
      this.stats.burstReads += 1;
    } else if (kind === 'fresh') {
      this.lastFreshAt = now;
      this.stats.freshReads += 1;
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
