import { expectedBatchMs, shownIn, windowDecision, type RollWindow, type WindowDecision } from '../../../src/fleet/windows';
import { counterexamples, type Random } from './random';

// The maintenance window of a roll (docs/runbooks.md, rollingMaintenance "Windows"): no batch starts before
// `notBefore`, at or after `notAfter`, nor with less than `minRemainingMinutes` left or less than the batch is
// expected to take.

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

/** A night window in Berlin (UTC+1 in December): 22:00 to 06:00 local, 21:00Z to 05:00Z. */
const night: RollWindow = { notBefore: '2026-12-08T22:00:00+01:00', notAfter: '2026-12-09T06:00:00+01:00', timeZone: 'Europe/Berlin' };

describe('windowDecision', () => {
  it('lets a batch go without a window, or with an empty one', () => {
    expect(windowDecision(undefined, at('2026-12-08T12:00:00Z'))).toEqual({ kind: 'go' });
    expect(windowDecision({}, at('2026-12-08T12:00:00Z'), 10 * MIN)).toEqual({ kind: 'go' });
  });

  describe('notBefore', () => {
    it('waits until the window opens, saying when in the window’s time zone', () => {
      expect(windowDecision(night, at('2026-12-08T20:00:00Z'))).toEqual({
        kind: 'wait',
        untilMs: at('2026-12-08T21:00:00Z'),
        reason: 'the window opens at 2026-12-08 22:00 Europe/Berlin',
      });
    });

    it('says when in UTC without a time zone', () => {
      expect(windowDecision({ notBefore: '2026-12-08T22:00:00+01:00' }, at('2026-12-08T20:00:00Z'))).toEqual({
        kind: 'wait',
        untilMs: at('2026-12-08T21:00:00Z'),
        reason: 'the window opens at 2026-12-08 21:00 UTC',
      });
    });

    it('lets a batch go from the instant the window opens', () => {
      expect(windowDecision(night, at('2026-12-08T21:00:00Z'))).toEqual({ kind: 'go' });
      expect(windowDecision({ notBefore: '2026-12-08T21:00:00Z' }, at('2026-12-08T21:00:00Z') - 1).kind).toBe('wait');
    });

    it('waits before the window even when the batch would not fit in it (the pause comes once it is open)', () => {
      expect(windowDecision({ ...night, minRemainingMinutes: 24 * 60 }, at('2026-12-08T20:00:00Z'), 24 * 60 * MIN).kind).toBe('wait');
    });
  });

  describe('notAfter', () => {
    it('lets a batch go before the window ends', () => {
      expect(windowDecision(night, at('2026-12-09T04:59:00Z'))).toEqual({ kind: 'go' });
    });

    it('pauses at and after the end', () => {
      expect(windowDecision(night, at('2026-12-09T05:00:00Z'))).toEqual({ kind: 'pause', reason: 'the window ended at 2026-12-09 06:00 Europe/Berlin' });
      expect(windowDecision(night, at('2026-12-10T12:00:00Z'))).toEqual({ kind: 'pause', reason: 'the window ended at 2026-12-09 06:00 Europe/Berlin' });
    });

    it('needs no notBefore', () => {
      expect(windowDecision({ notAfter: '2026-12-09T05:00:00Z' }, at('2026-12-01T00:00:00Z'))).toEqual({ kind: 'go' });
      expect(windowDecision({ notAfter: '2026-12-09T05:00:00Z' }, at('2026-12-09T05:00:00Z')).kind).toBe('pause');
    });
  });

  describe('minRemainingMinutes', () => {
    const window: RollWindow = { ...night, minRemainingMinutes: 30 };

    it('never rounds the time left up to the cutoff it is below', () => {
      expect(windowDecision(window, at('2026-12-09T04:30:00.500Z'))).toMatchObject({ kind: 'pause', reason: expect.stringMatching(/^29 min 59 s left in the window .* less than the 30 min cutoff$/) });
    });

    it('pauses with less than that left, saying how much is left', () => {
      expect(windowDecision(window, at('2026-12-09T04:31:00Z'))).toEqual({
        kind: 'pause',
        reason: '29 min left in the window (until 2026-12-09 06:00 Europe/Berlin), less than the 30 min cutoff',
      });
    });

    it('lets a batch go with exactly that left', () => {
      expect(windowDecision(window, at('2026-12-09T04:30:00Z'))).toEqual({ kind: 'go' });
    });

    it('has nothing to measure against without notAfter', () => {
      expect(windowDecision({ notBefore: night.notBefore, minRemainingMinutes: 30 }, at('2026-12-09T04:45:00Z'))).toEqual({ kind: 'go' });
    });
  });

  describe('the expected duration of the batch', () => {
    it('pauses when the batch is expected to take longer than what is left', () => {
      expect(windowDecision(night, at('2026-12-09T04:00:00Z'), 90 * MIN)).toEqual({
        kind: 'pause',
        reason: 'the next batch is expected to take 1 h 30 min, but only 1 h are left in the window (until 2026-12-09 06:00 Europe/Berlin)',
      });
    });

    it('lets a batch go that is expected to take exactly what is left, or less', () => {
      expect(windowDecision(night, at('2026-12-09T04:00:00Z'), 60 * MIN)).toEqual({ kind: 'go' });
      expect(windowDecision(night, at('2026-12-09T04:00:00Z'), 5 * MIN)).toEqual({ kind: 'go' });
    });

    it('is not known before any machine finished: the batch goes', () => {
      expect(windowDecision(night, at('2026-12-09T04:59:00Z'), undefined)).toEqual({ kind: 'go' });
    });

    it('is not checked without notAfter', () => {
      expect(windowDecision({ notBefore: night.notBefore }, at('2026-12-09T04:00:00Z'), 24 * 60 * MIN)).toEqual({ kind: 'go' });
    });

    it('comes after the cutoff: when both fail, the reason is the cutoff', () => {
      expect(windowDecision({ ...night, minRemainingMinutes: 90 }, at('2026-12-09T04:00:00Z'), 120 * MIN)).toEqual({
        kind: 'pause',
        reason: '1 h left in the window (until 2026-12-09 06:00 Europe/Berlin), less than the 90 min cutoff',
      });
    });
  });

  it('reads instants with Z or any offset as the same instant', () => {
    const utc: RollWindow = { notBefore: '2026-12-08T21:00:00Z', notAfter: '2026-12-09T05:00:00Z' };
    const offsets: RollWindow = { notBefore: '2026-12-08T16:00:00-05:00', notAfter: '2026-12-09T10:30:00+05:30' };
    for (const now of ['2026-12-08T20:59:59Z', '2026-12-08T21:00:00Z', '2026-12-09T04:59:59Z', '2026-12-09T05:00:00Z']) {
      expect({ now, ...decisionKind(windowDecision(offsets, at(now))) }).toEqual({ now, ...decisionKind(windowDecision(utc, at(now))) });
    }
  });

  it('for any instant: goes only inside the window with enough left, waits only before it, pauses only at its end', () => {
    const generate = (r: Random) => {
      const start = at('2026-12-08T21:00:00Z') + r.int(-120, 120) * MIN;
      const end = start + r.int(1, 600) * MIN;
      const window: RollWindow = {
        ...(r.chance(0.7) ? { notBefore: new Date(start).toISOString() } : {}),
        ...(r.chance(0.7) ? { notAfter: new Date(end).toISOString() } : {}),
        ...(r.chance(0.5) ? { minRemainingMinutes: r.int(0, 120) } : {}),
      };
      return { window, now: start + r.int(-180, 780) * MIN + r.int(0, 59) * 1000, expected: r.chance(0.5) ? r.int(1, 240) * MIN : undefined };
    };
    const holds = ({ window, now, expected }: ReturnType<typeof generate>) => {
      const opens = window.notBefore ? at(window.notBefore) : -Infinity;
      const ends = window.notAfter ? at(window.notAfter) : Infinity;
      const left = ends - now;
      const enough = left >= (window.minRemainingMinutes ?? 0) * MIN && (expected === undefined || left >= expected);
      const decision = windowDecision(window, now, expected);
      if (decision.kind === 'go') return now >= opens && now < ends && enough;
      if (decision.kind === 'wait') return now < opens && decision.untilMs === opens;
      return now >= opens && (now >= ends || !enough);
    };
    expect(counterexamples(500, generate, holds)).toEqual([]);
  });
});

function decisionKind(d: WindowDecision): { kind: string; untilMs?: number } {
  return d.kind === 'wait' ? { kind: d.kind, untilMs: d.untilMs } : { kind: d.kind };
}

describe('shownIn', () => {
  it('shows an instant in UTC to the minute without a time zone', () => {
    expect(shownIn('2026-12-08T21:00:00Z', undefined)).toBe('2026-12-08 21:00 UTC');
    expect(shownIn('2026-12-08T22:00:00+01:00', undefined)).toBe('2026-12-08 21:00 UTC');
    expect(shownIn('2026-12-08T21:07:59.999Z', undefined)).toBe('2026-12-08 21:07 UTC');
  });

  it.each([
    ['2026-12-08T21:00:00Z', 'Europe/Berlin', '2026-12-08 22:00 Europe/Berlin'], // winter time, UTC+1
    ['2026-07-01T20:00:00Z', 'Europe/Berlin', '2026-07-01 22:00 Europe/Berlin'], // summer time, UTC+2
    ['2026-12-08T23:00:00Z', 'Europe/Berlin', '2026-12-09 00:00 Europe/Berlin'], // midnight is 00, the date the next day
    ['2026-12-08T21:00:00Z', 'Asia/Kolkata', '2026-12-09 02:30 Asia/Kolkata'], // a half-hour offset
    ['2026-12-09T03:00:00Z', 'America/New_York', '2026-12-08 22:00 America/New_York'], // behind UTC, the day before
    ['2026-12-08T21:00:00Z', 'UTC', '2026-12-08 21:00 UTC'],
  ])('shows %s in %s as %s', (iso, timeZone, shown) => {
    expect(shownIn(iso, timeZone)).toBe(shown);
  });

  it('falls back to the ISO instant for a time zone it does not know (the input refuses one)', () => {
    expect(shownIn('2026-12-08T21:00:00Z', 'Nowhere/City')).toBe('2026-12-08T21:00:00.000Z');
  });
});

describe('expectedBatchMs', () => {
  it('is unknown before any machine finished', () => {
    expect(expectedBatchMs([], 5, 5)).toBeUndefined();
  });

  it('is the median machine duration for a batch run all at once, whatever one slow machine took', () => {
    expect(expectedBatchMs([10 * MIN, 300 * MIN, 12 * MIN], 4, 4)).toBe(12 * MIN);
  });

  it('takes the upper of the two middle durations of an even count (the longer estimate)', () => {
    expect(expectedBatchMs([4 * MIN, 1 * MIN, 3 * MIN, 2 * MIN], 1, 1)).toBe(3 * MIN);
  });

  it('multiplies by the waves a batch needs at the concurrency: 5 machines 2 at a time are 3 waves', () => {
    expect(expectedBatchMs([10 * MIN], 5, 2)).toBe(30 * MIN);
    expect(expectedBatchMs([10 * MIN], 4, 2)).toBe(20 * MIN);
    expect(expectedBatchMs([10 * MIN], 2, 8)).toBe(10 * MIN);
  });

  it('treats a concurrency below 1 as one machine at a time', () => {
    expect(expectedBatchMs([10 * MIN], 3, 0)).toBe(30 * MIN);
  });

  it('leaves the durations it is given in their order', () => {
    const finished = [3, 1, 2];
    expectedBatchMs(finished, 1, 1);
    expect(finished).toEqual([3, 1, 2]);
  });
});
