/**
 * High availability: which master leads, elections, registry recovery, and scheduled failovers.
 */
import type { SimClock, SimTimer } from './clock';

/** Leadership state of the simulated masters. */
export class Leadership {
  /** Index of the leading master, or null while no leader is elected. */
  leader: number | null = 0;
  /** True while the elected leader is still recovering the registry. */
  recovering = false;
  /** Wall-clock ms when the current leader was elected. */
  electedAt = Date.now();
  private pending: SimTimer[] = [];
  private schedule: SimTimer | undefined;
  /** Called when leadership moves away from a master (to end its streams). */
  onDemoted?: (index: number) => void;
  /** Called when a master is elected and recovered. */
  onElected?: (index: number) => void;

  constructor(
    private readonly clock: SimClock,
    readonly count: number,
  ) {}

  /**
   * Moves leadership: the leader steps down at once, no leader is known for `electionMs`, then `to` (default: the
   * next master) is elected and recovers for `recoveryMs` (simulated).
   * @returns a promise resolved when the new leader serves requests.
   */
  failover(opts: { to?: number; electionMs: number; recoveryMs: number }): Promise<number> {
    for (const t of this.pending) t.cancel();
    this.pending = [];
    const old = this.leader;
    const next = opts.to ?? ((old ?? -1) + 1) % this.count;
    if (next < 0 || next >= this.count) throw new RangeError(`No master ${next}`);
    this.leader = null;
    this.recovering = false;
    if (old !== null) this.onDemoted?.(old);
    return new Promise((resolve) => {
      const elect = (): void => {
        this.leader = next;
        this.electedAt = Date.now();
        this.recovering = opts.recoveryMs > 0;
        const done = (): void => {
          this.recovering = false;
          this.onElected?.(next);
          resolve(next);
        };
        if (opts.recoveryMs > 0) this.pending.push(this.clock.after(opts.recoveryMs, done));
        else done();
      };
      if (opts.electionMs > 0) this.pending.push(this.clock.after(opts.electionMs, elect));
      else elect();
    });
  }

  /** Fails over every `everyMs` simulated ms (undefined stops the schedule). */
  scheduleFailovers(everyMs: number | undefined, run: () => void): void {
    this.schedule?.cancel();
    this.schedule = everyMs === undefined ? undefined : this.clock.every(everyMs, run);
  }

  /** Cancels pending elections and the schedule. */
  stop(): void {
    for (const t of this.pending) t.cancel();
    this.schedule?.cancel();
  }
}
