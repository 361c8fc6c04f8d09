import type { ProgressEvent } from '../../../src/contracts';
import { clock, coveredMs, scaledIntervals, TimeMap, union, waitSpans } from '../../../src/rehearsal/timing';

const at = (ms: number) => new Date(ms).toISOString();

describe('rehearsal time to real time', () => {
  it('merges intervals and measures them within a range', () => {
    const merged = union([{ from: 5, to: 10 }, { from: 0, to: 2 }, { from: 8, to: 12 }, { from: 20, to: 20 }]);
    expect(merged).toEqual([{ from: 0, to: 2 }, { from: 5, to: 12 }]);
    expect(coveredMs(merged, 1, 6)).toBe(2);
    expect(coveredMs(merged, 0, 100)).toBe(9);
  });

  it('predicted = wall time + (speed − 1) × the scaled time: only the cluster’s and the timers’ time is multiplied', () => {
    // 10 s of wall time, of which 4 s were a soak: at speed 60 that soak is 4 min; the other 6 s stay 6 s.
    const map = new TimeMap(0, [{ from: 2_000, to: 6_000 }], 60);
    expect(map.at(10_000)).toBe(6 + 240);
    expect(map.at(2_000)).toBe(2);
    expect(map.at(4_000)).toBe(2 + 120);
    expect(map.scaledMs(10_000)).toBe(4_000);
    expect(new TimeMap(0, [{ from: 0, to: 1_000 }], 1).at(5_000)).toBe(5);
  });

  it('reads waits from progress events; a stuck wait’s time after its deadline is not scaled, nor an approval’s', () => {
    const events = [
      { kind: 'waitStarted', at: at(1_000), wait: 'operator', what: 'soak 10 min' },
      { kind: 'waitEnded', at: at(3_000), outcome: 'elapsed' },
      { kind: 'waitStarted', at: at(4_000), wait: 'mesos', what: 'agent S1 DRAINED' },
      { kind: 'waitDiagnosed', at: at(5_000), stuck: true, diagnosis: 'tasks still running' },
      { kind: 'waitEnded', at: at(9_000), outcome: 'skipped' },
      { kind: 'waitStarted', at: at(10_000), wait: 'approval', what: 'approve' },
      { kind: 'runEnded', at: at(12_000), outcome: 'done' },
    ] as unknown as ProgressEvent[];
    const spans = waitSpans(events, 20_000);
    expect(spans.map((s) => [s.kind, s.from, s.to, s.stuckAt])).toEqual([
      ['operator', 1_000, 3_000, undefined],
      ['mesos', 4_000, 9_000, 5_000],
      ['approval', 10_000, 12_000, undefined],
    ]);
    expect(scaledIntervals(spans)).toEqual([{ from: 1_000, to: 3_000 }, { from: 4_000, to: 5_000 }]);
    // A wait for Mesos counts the cluster's time only: from the change sent to the state reached.
    expect(scaledIntervals([{ kind: 'mesos', what: 'x', from: 4_000, to: 9_000, causeAt: 3_500, reachedAt: 6_000 }])).toEqual([{ from: 3_500, to: 6_000 }]);
    // The condition held already: nothing of it is the cluster's.
    expect(scaledIntervals([{ kind: 'mesos', what: 'x', from: 4_000, to: 4_300, causeAt: 3_500, reachedAt: null }])).toEqual([]);
  });

  it('shows offsets as h:mm:ss', () => {
    expect(clock(0)).toBe('0:00:00');
    expect(clock(3_725.4)).toBe('1:02:05');
    expect(clock(-3)).toBe('0:00:00');
  });
});
