/**
 * The glog verbosity of a master or agent (GET/SET_LOGGING_LEVEL): a new level that differs from the startup
 * level reverts to it after the call's duration (simulated time).
 */
import type { SimClock, SimTimer } from './clock';

/** A process's logging level. */
export class LoggingLevel {
  level: number;
  private revert: SimTimer | undefined;

  constructor(
    private readonly clock: SimClock,
    readonly startupLevel: number,
  ) {
    this.level = startupLevel;
  }

  /** Sets the level now; reverts to the startup level after `durationMs` (simulated) if it differs. */
  set(level: number, durationMs: number): void {
    this.revert?.cancel();
    this.revert = undefined;
    this.level = level;
    if (level !== this.startupLevel) {
      this.revert = this.clock.after(durationMs, () => {
        this.level = this.startupLevel;
        this.revert = undefined;
      });
    }
  }
}
