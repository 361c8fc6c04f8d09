/**
 * The read-modify-write of the single maintenance schedule, as a pure function. UPDATE_MAINTENANCE_SCHEDULE replaces
 * the whole schedule, so whoever writes it must carry over every entry it did not come to change: other runbooks'
 * windows, manual entries (including ones with only a hostname or only an ip, which Mesos accepts and tracks), and
 * every DOWN machine (Mesos answers 400 to a schedule that drops one).
 */
import type { Schedule } from '../mesos';
import { machineText, sameMachine, type MachineRef, type MaintenanceWindowRef } from './schedule-change';
import { dateTimeFromNs, durationFromNs } from '../progress/time';

export type { Schedule } from '../mesos';

type Window = Schedule['windows'][number];
type MachineId = Window['machine_ids'][number];
type Unavailability = Window['unavailability'];

export interface ScheduleEdit {
  add?: { machines: MachineRef[]; window: MaintenanceWindowRef };
  remove?: { machines: MachineRef[] };
}

export interface ScheduleEditResult {
  /** The schedule to write (the input itself, untouched, when nothing changed). */
  schedule: Schedule;
  /** True when `schedule` differs from the current one, i.e. a write is needed. */
  changed: boolean;
  /** Machines asked to be removed that stay because they are DOWN. */
  downKept: MachineRef[];
  /** One line per machine: what was done or why nothing was. */
  notes: string[];
}

/**
 * Applies `change` to `current`: removals first, then additions.
 *
 * - Machines match as Mesos matches them: both fields present on both sides, hostnames case-insensitively, ips
 *   exactly. An entry with only a hostname or only an ip therefore never matches a {@link MachineRef}, and is kept.
 * - Adding a machine already in a window with the same unavailability is a no-op; in another window it is moved
 *   (taken out of the old one). A machine added joins an existing window with exactly the same unavailability, or
 *   a new window appended at the end. Windows emptied by the edit are deleted; no other window is touched.
 * - Removing a DOWN machine is refused: it stays and is reported in `downKept` (STOP_MAINTENANCE removes it).
 *   Removing a machine that is not in the schedule is a no-op.
 * - Every other window, machine entry and unknown field is carried over as is, in order.
 */
export function editSchedule(current: Schedule, change: ScheduleEdit, down: MachineRef[]): ScheduleEditResult {
  const windows: Window[] = current.windows.map((w) => ({ ...w, machine_ids: [...w.machine_ids] }));
  const touched = new Set<Window>();
  const notes: string[] = [];
  const downKept: MachineRef[] = [];
  let changed = false;

  const takeOut = (m: MachineRef): { found: MachineId; from: Window }[] => {
    const taken: { found: MachineId; from: Window }[] = [];
    for (const w of windows) {
      const kept = w.machine_ids.filter((id) => {
        if (!matches(id, m)) return true;
        taken.push({ found: id, from: w });
        return false;
      });
      if (kept.length !== w.machine_ids.length) {
        w.machine_ids = kept;
        touched.add(w);
      }
    }
    return taken;
  };

  for (const m of change.remove?.machines ?? []) {
    if (down.some((d) => sameMachine(d, m))) {
      downKept.push(m);
      notes.push(`kept ${machineText(m)}: it is DOWN and Mesos forbids dropping it (STOP_MAINTENANCE removes it)`);
      continue;
    }
    const taken = takeOut(m);
    if (taken.length === 0) {
      notes.push(`${machineText(m)} was not in the schedule`);
    } else {
      changed = true;
      notes.push(`removed ${machineText(m)} from ${taken.map((t) => windowText(t.from.unavailability)).join(', ')}`);
    }
  }

  if (change.add) {
    const wanted = toUnavailability(change.add.window);
    for (const m of change.add.machines) {
      const present = windows.filter((w) => w.machine_ids.some((id) => matches(id, m)));
      if (present.length === 1 && sameUnavailability(present[0].unavailability, wanted)) {
        notes.push(`${machineText(m)} already in ${windowText(wanted)}`);
        continue;
      }
      const taken = takeOut(m);
      const entry: MachineId = taken[0]?.found ?? { hostname: m.hostname, ip: m.ip };
      const target = windows.find((w) => w.machine_ids.length > 0 && sameUnavailability(w.unavailability, wanted));
      if (target) {
        target.machine_ids.push(entry);
        touched.add(target);
      } else {
        const created: Window = { machine_ids: [entry], unavailability: wanted };
        windows.push(created);
        touched.add(created);
      }
      changed = true;
      const from = taken.length > 0 ? ` (moved from ${taken.map((t) => windowText(t.from.unavailability)).join(', ')})` : '';
      notes.push(`added ${machineText(m)} to ${windowText(wanted)}${from}`);
    }
  }

  if (!changed) return { schedule: current, changed, downKept, notes };
  const kept = windows.filter((w) => w.machine_ids.length > 0 || !touched.has(w));
  return { schedule: { ...current, windows: kept }, changed, downKept, notes };
}

/** True when `m` is in the schedule in the window with `window`'s unavailability. */
export function isScheduledIn(schedule: Schedule, m: MachineRef, window: MaintenanceWindowRef): boolean {
  const wanted = toUnavailability(window);
  return schedule.windows.some((w) => sameUnavailability(w.unavailability, wanted) && w.machine_ids.some((id) => matches(id, m)));
}

/** True when `m` is anywhere in the schedule. */
export function isScheduled(schedule: Schedule, m: MachineRef): boolean {
  return schedule.windows.some((w) => w.machine_ids.some((id) => matches(id, m)));
}

/** Mesos's MachineID equality, for an entry that may lack a field against a full ref. */
function matches(id: MachineId, m: MachineRef): boolean {
  return id.hostname !== undefined && id.ip !== undefined && sameMachine({ hostname: id.hostname, ip: id.ip }, m);
}

function toUnavailability(window: MaintenanceWindowRef): Unavailability {
  const u: Unavailability = { start: { nanoseconds: BigInt(window.startNs) } };
  if (window.durationNs !== undefined) u.duration = { nanoseconds: BigInt(window.durationNs) };
  return u;
}

function sameUnavailability(a: Unavailability, b: Unavailability): boolean {
  return a.start.nanoseconds === b.start.nanoseconds && a.duration?.nanoseconds === b.duration?.nanoseconds;
}

function windowText(u: Unavailability): string {
  return `the window from ${dateTimeFromNs(u.start.nanoseconds)} ${u.duration ? `for ${durationFromNs(u.duration.nanoseconds)}` : '(unbounded)'}`;
}
