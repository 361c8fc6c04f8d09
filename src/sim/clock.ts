/**
 * Simulated time. Every duration inside the simulator (kill grace periods, agent return delays, heartbeats,
 * logging-level reverts) is given in simulated milliseconds and runs `timeScale` times faster than real time.
 * Timestamps the simulator reports are real wall-clock time.
 */

/** A cancellable timer created by {@link SimClock.after}. */
export interface SimTimer {
  cancel(): void;
}

/** Scaled timers, all cancelled by {@link SimClock.stop}. */
/** The longest delay setTimeout takes without overflowing. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** @param timeScale simulated seconds per real second (> 0). */
  constructor(readonly timeScale: number = 1) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }

  /** Real milliseconds for a simulated duration. */
  realMs(simMs: number): number {
    return Math.max(0, simMs / this.timeScale);
  }

  /** Runs `fn` after `simMs` simulated milliseconds. */
  after(simMs: number, fn: () => void): SimTimer {
    if (this.stopped) return { cancel: () => undefined };
    // setTimeout overflows past 2^31-1 ms (about 24.8 days) and fires at once: chain shorter timers instead.
    let left = this.realMs(simMs);
    let t: NodeJS.Timeout;
    const arm = (): void => {
      const step = Math.min(left, MAX_TIMEOUT_MS);
      left -= step;
      t = setTimeout(() => {
        this.timers.delete(t);
        if (left > 0) arm();
        else fn();
      }, step);
      t.unref?.();
      this.timers.add(t);
    };
    arm();
    return {
      cancel: () => {
        clearTimeout(t);
        this.timers.delete(t);
      },
    };
  }

  /** Runs `fn` every `simMs` simulated milliseconds until cancelled. */
  every(simMs: number, fn: () => void): SimTimer {
    let current: SimTimer | undefined;
    let cancelled = false;
    const tick = (): void => {
      current = this.after(simMs, () => {
        if (cancelled) return;
        fn();
        tick();
      });
    };
    tick();
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Resolves after `simMs` simulated milliseconds. */
  sleep(simMs: number): Promise<void> {
    return new Promise((resolve) => this.after(simMs, resolve));
  }

  /** Wall-clock now in nanoseconds since the epoch. */
  nowNanos(): bigint {
    return BigInt(Date.now()) * 1_000_000n;
  }

  /** Wall-clock now in seconds since the epoch (Mesos's double timestamps). */
  nowSeconds(): number {
    return Date.now() / 1000;
  }

  /** Cancels every pending timer; later `after` calls do nothing. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
