import { ScheduleSchema, type Schedule } from '../../../src/mesos';
import { scheduleChangeProblems } from '../../../src/maintenance/schedule-change';
import { editSchedule, isScheduled, isScheduledIn } from '../../../src/maintenance/schedule-edit';

// The start times are above 2^53 on purpose: a rounding anywhere would make windows differ.
const T1 = '1767225600000000001';
const T2 = '1767312000000000003';
const HOUR = '3600000000000';

const a = { hostname: 'agent-a.example', ip: '10.0.0.1' };
const b = { hostname: 'agent-b.example', ip: '10.0.0.2' };
const c = { hostname: 'agent-c.example', ip: '10.0.0.3' };

/** A schedule as GET_MAINTENANCE_SCHEDULE would decode it (nanoseconds as exact bigints). */
function schedule(windows: { machines: { hostname?: string; ip?: string; [k: string]: unknown }[]; start: string; duration?: string; [k: string]: unknown }[]): Schedule {
  return ScheduleSchema.parse({
    windows: windows.map(({ machines, start, duration, ...rest }) => ({
      ...rest,
      machine_ids: machines,
      unavailability: { start: { nanoseconds: start }, ...(duration ? { duration: { nanoseconds: duration } } : {}) },
    })),
  });
}

/** Windows as `start/duration: machines` lines, for readable expectations. */
function shape(s: Schedule): string[] {
  return s.windows.map(
    (w) =>
      `${w.unavailability.start.nanoseconds}/${w.unavailability.duration?.nanoseconds ?? '-'}: ${w.machine_ids.map((m) => `${m.hostname ?? ''}|${m.ip ?? ''}`).join(' ')}`,
  );
}

describe('editSchedule', () => {
  it('adds machines to an empty schedule as one new window with exact int64 times', () => {
    const r = editSchedule(schedule([]), { add: { machines: [a, b], window: { startNs: T1, durationNs: HOUR } } }, []);
    expect(r.changed).toBe(true);
    expect(shape(r.schedule)).toEqual([`${T1}/${HOUR}: agent-a.example|10.0.0.1 agent-b.example|10.0.0.2`]);
    expect(r.schedule.windows[0].unavailability.start.nanoseconds).toBe(1767225600000000001n);
    expect(r.notes).toHaveLength(2);
    expect(r.downKept).toEqual([]);
  });

  it('an unset duration is an unbounded window, distinct from one with a duration', () => {
    const current = schedule([{ machines: [a], start: T1, duration: HOUR }]);
    const r = editSchedule(current, { add: { machines: [b], window: { startNs: T1 } } }, []);
    expect(shape(r.schedule)).toEqual([`${T1}/${HOUR}: agent-a.example|10.0.0.1`, `${T1}/-: agent-b.example|10.0.0.2`]);
    expect(r.schedule.windows[1].unavailability.duration).toBeUndefined();
  });

  it('joins an existing window with exactly the same unavailability, keeping its other machines', () => {
    const current = schedule([{ machines: [a], start: T1, duration: HOUR }]);
    const r = editSchedule(current, { add: { machines: [b], window: { startNs: T1, durationNs: HOUR } } }, []);
    expect(shape(r.schedule)).toEqual([`${T1}/${HOUR}: agent-a.example|10.0.0.1 agent-b.example|10.0.0.2`]);
  });

  it('adding a machine already in the same window is a no-op that returns the schedule untouched', () => {
    const current = schedule([{ machines: [{ hostname: 'AGENT-A.example', ip: '10.0.0.1' }], start: T1, duration: HOUR }]);
    const r = editSchedule(current, { add: { machines: [a], window: { startNs: T1, durationNs: HOUR } } }, []);
    expect(r.changed).toBe(false);
    expect(r.schedule).toBe(current);
    expect(r.notes).toEqual([expect.stringContaining('already in the window from 2026-01-01 00:00:00 UTC for 1 h')]);
  });

  it('adding a machine present in another window moves it, deleting the window it leaves empty', () => {
    const current = schedule([
      { machines: [a], start: T1, duration: HOUR },
      { machines: [c, b], start: T2 },
    ]);
    const r = editSchedule(current, { add: { machines: [a, b], window: { startNs: T2 } } }, []);
    expect(r.changed).toBe(true);
    expect(shape(r.schedule)).toEqual([`${T2}/-: agent-c.example|10.0.0.3 agent-b.example|10.0.0.2 agent-a.example|10.0.0.1`]);
    expect(r.notes[0]).toBe('added agent-a.example/10.0.0.1 to the window from 2026-01-02 00:00:00 UTC (unbounded) (moved from the window from 2026-01-01 00:00:00 UTC for 1 h)');
    expect(r.notes[1]).toMatch(/already in/);
  });

  it('matches hostnames case-insensitively but ips exactly', () => {
    const current = schedule([{ machines: [{ hostname: 'Agent-A.Example', ip: '10.0.0.1' }, { hostname: 'agent-b.example', ip: '10.0.0.20' }], start: T1 }]);
    const r = editSchedule(current, { remove: { machines: [a, b] } }, []);
    expect(shape(r.schedule)).toEqual([`${T1}/-: agent-b.example|10.0.0.20`]);
    expect(r.notes).toEqual([expect.stringMatching(/^removed agent-a.example\/10.0.0.1 from the window from 2026-01-01 00:00:00 UTC/), 'agent-b.example/10.0.0.2 was not in the schedule']);
  });

  it('preserves manual entries exactly: hostname-only, ip-only, unknown fields and window order', () => {
    const current = schedule([
      { machines: [{ hostname: 'agent-a.example' }], start: T2, note: 'manual' },
      { machines: [a, { ip: '10.0.0.1' }], start: T1, duration: HOUR },
      { machines: [{ hostname: 'x', ip: '10.9.9.9', extra: 1 }], start: T1 },
    ]);
    const before = structuredClone(current);
    const r = editSchedule(current, { remove: { machines: [a] }, add: { machines: [c], window: { startNs: T2, durationNs: HOUR } } }, []);
    expect(shape(r.schedule)).toEqual([
      `${T2}/-: agent-a.example|`,
      `${T1}/${HOUR}: |10.0.0.1`,
      `${T1}/-: x|10.9.9.9`,
      `${T2}/${HOUR}: agent-c.example|10.0.0.3`,
    ]);
    expect(r.schedule.windows[0]).toMatchObject({ note: 'manual' });
    expect(r.schedule.windows[2].machine_ids[0]).toEqual({ hostname: 'x', ip: '10.9.9.9', extra: 1 });
    // The input is not mutated.
    expect(current).toEqual(before);
  });

  it('refuses to remove a DOWN machine, reporting it in downKept, and still removes the others', () => {
    const current = schedule([{ machines: [a, b], start: T1 }]);
    const r = editSchedule(current, { remove: { machines: [a, b] } }, [{ hostname: 'AGENT-A.EXAMPLE', ip: '10.0.0.1' }]);
    expect(r.downKept).toEqual([a]);
    expect(r.changed).toBe(true);
    expect(shape(r.schedule)).toEqual([`${T1}/-: agent-a.example|10.0.0.1`]);
    expect(r.notes[0]).toMatch(/kept agent-a.example\/10.0.0.1: it is DOWN/);
  });

  it('removing only DOWN machines changes nothing', () => {
    const current = schedule([{ machines: [a], start: T1 }]);
    const r = editSchedule(current, { remove: { machines: [a] } }, [a]);
    expect(r).toMatchObject({ changed: false, downKept: [a] });
    expect(r.schedule).toBe(current);
  });

  it('a DOWN machine may be moved to another window (it stays in the schedule)', () => {
    const current = schedule([{ machines: [a], start: T1 }]);
    const r = editSchedule(current, { add: { machines: [a], window: { startNs: T2 } } }, [a]);
    expect(shape(r.schedule)).toEqual([`${T2}/-: agent-a.example|10.0.0.1`]);
    expect(r.downKept).toEqual([]);
  });

  it('removing the last machine of the schedule leaves no windows', () => {
    const r = editSchedule(schedule([{ machines: [a], start: T1 }]), { remove: { machines: [a] } }, []);
    expect(r.schedule.windows).toEqual([]);
    expect(r.changed).toBe(true);
  });

  it('never leaves a machine twice in the schedule (Mesos would refuse it)', () => {
    const current = schedule([{ machines: [a, b], start: T1 }, { machines: [c], start: T2 }]);
    const r = editSchedule(current, { add: { machines: [b, c], window: { startNs: T2, durationNs: HOUR } } }, []);
    const ids = r.schedule.windows.flatMap((w) => w.machine_ids.map((m) => `${m.hostname}|${m.ip}`));
    expect(new Set(ids).size).toBe(ids.length);
    expect(isScheduledIn(r.schedule, b, { startNs: T2, durationNs: HOUR })).toBe(true);
    expect(isScheduledIn(r.schedule, b, { startNs: T1 })).toBe(false);
    expect(isScheduled(r.schedule, a)).toBe(true);
  });
});

describe('a schedule change (the owner Update validator)', () => {
  const window = { startNs: T1, durationNs: HOUR };

  it('accepts a well-formed change', () => {
    expect(scheduleChangeProblems({ requestId: 'wf/step', add: { machines: [a], window }, remove: { machines: [b] } })).toEqual([]);
  });

  it.each([
    ['no requestId', { add: { machines: [a], window } }, 'requestId: required'],
    ['neither add nor remove', { requestId: 'r' }, 'add: give add, adds or remove'],
    ['no machines', { requestId: 'r', add: { machines: [], window } }, 'add.machines: give at least one machine'],
    ['an empty hostname', { requestId: 'r', remove: { machines: [{ hostname: '', ip: '10.0.0.1' }] } }, 'remove.machines.0.hostname: required'],
    ['an empty ip', { requestId: 'r', add: { machines: [{ hostname: 'h', ip: '' }], window } }, 'add.machines.0.ip: must be an IPv4 address'],
    ['a hostname-only machine', { requestId: 'r', remove: { machines: [{ hostname: 'h' }] } }, 'remove.machines.0.ip: required'],
    ['a non-decimal start', { requestId: 'r', add: { machines: [a], window: { startNs: '1.7e18' } } }, 'add.window.startNs: must be'],
    ['a numeric start', { requestId: 'r', add: { machines: [a], window: { startNs: 1767225600000000000 } } }, 'add.window.startNs: must be the window start since the epoch in nanoseconds as a decimal string (a JSON number'],
    ['a negative duration', { requestId: 'r', add: { machines: [a], window: { startNs: T1, durationNs: '-5' } } }, 'add.window.durationNs: must be'],
    ['a start beyond int64', { requestId: 'r', add: { machines: [a], window: { startNs: '9223372036854775808' } } }, 'add.window.startNs: must fit in a signed 64-bit integer'],
    ['a machine listed twice', { requestId: 'r', remove: { machines: [a, { ...a, hostname: 'AGENT-A.example' }] } }, 'remove.machines.1: machine'],
    ['a machine both added and removed', { requestId: 'r', add: { machines: [a], window }, remove: { machines: [a] } }, 'remove.machines.0: machine agent-a.example/10.0.0.1 is both added and removed'],
    ['an unknown field', { requestId: 'r', remove: { machines: [a] }, windows: [] }, "(input): unknown field(s) 'windows'"],
  ])('refuses %s, naming the field', (_name, change, problem) => {
    expect(scheduleChangeProblems(change)).toEqual([expect.stringContaining(problem)]);
  });
});
