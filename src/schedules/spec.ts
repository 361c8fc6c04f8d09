/**
 * A configured schedule (`schedules:` in the configuration, docs/schedules.md) as the Temporal Schedule that runs
 * it: the spec (cron or calendar in the schedule's time zone, `exclude` dates as skip specs, the daylight-saving
 * additions), the action (the `scheduledFiring` workflow, which computes the window at each firing and starts or
 * resumes the run), and the policies, each set explicitly. Pure but for the hash.
 */
import { createHash } from 'node:crypto';
import { ScheduleOverlapPolicy, type CalendarSpec, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { ScheduleConfig } from '../config/triggers';
import { EntityWorkflowTypes, temporalScheduleId } from '../contracts';
import type { ScheduledFiringInput } from '../../workflows/scheduled-firing';

/** The marker of schedules this project created (the schedule's memo): sync touches no other schedule. */
export const MANAGED_BY = 'mesos-runbooks';

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

/** One extra firing the daylight-saving rule adds: a start that falls in a skipped hour, at the shifted wall time. */
export interface DstAddition {
  /** The instant it fires (the same instant the old offset gives the skipped wall time). */
  at: number;
  calendar: CalendarSpec;
  /** For the sync's diff: `2027-03-28 02:30 does not exist in Europe/Berlin: opens 03:30+02:00`. */
  note: string;
}

/** Whole-day skip specs for `exclude` dates (a skip must match to the second, so hour, minute and second are full ranges). */
export function excludeSkips(dates: string[]): CalendarSpec[] {
  return dates.map((d) => {
    const [y, m, day] = d.split('-').map(Number) as [number, number, number];
    return { year: y, month: MONTHS[m - 1]!, dayOfMonth: day, hour: { start: 0, end: 23 }, minute: { start: 0, end: 59 }, second: { start: 0, end: 59 }, comment: `exclude ${d}` };
  });
}

/** The schedule's spec without the daylight-saving additions (what a probe evaluates in a fixed offset). */
export function baseSpec(s: ScheduleConfig, timezone = s.timeZone): ScheduleSpec {
  return {
    ...(s.cron ? { cronExpressions: [s.cron] } : { calendars: [s.calendar as CalendarSpec] }),
    skip: excludeSkips(s.exclude),
    timezone,
  };
}

/** How late a missed firing may still start: the configured value, else a window's usable part, else 10 minutes. */
export function catchupMinutes(s: ScheduleConfig): number {
  return s.catchupWindowMinutes ?? (s.window ? s.window.durationMinutes - s.window.cutoffMinutes : 10);
}

const OVERLAP: Record<ScheduleConfig['overlap'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface DesiredSchedule {
  id: string;
  scheduleId: string;
  options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<never>>;
  /** The hash of what sync controls (spec, action, policies): equal hashes mean nothing to update. */
  fingerprint: string;
  /** One line for the diff. */
  summary: string;
  additions: DstAddition[];
}

/** The Temporal Schedule of a configured schedule. */
export function desiredSchedule(s: ScheduleConfig, taskQueue: string, additions: DstAddition[] = []): DesiredSchedule {
  const base = baseSpec(s);
  const spec: ScheduleSpec = { ...base, calendars: [...(base.calendars ?? []), ...additions.map((a) => a.calendar)] };
  const args: [ScheduledFiringInput] = [{ scheduleId: s.id, runbook: s.runbook, input: s.input, timeZone: s.timeZone, ...(s.window ? { window: s.window } : {}) }];
  const policies = { overlap: OVERLAP[s.overlap], catchupWindow: catchupMinutes(s) * 60_000, pauseOnFailure: s.pauseOnFailure };
  const fingerprint = createHash('sha256').update(JSON.stringify({ spec, args, policies, taskQueue })).digest('hex').slice(0, 16);
  const scheduleId = temporalScheduleId(s.id);
  const when = s.cron ? `cron "${s.cron}"` : `calendar ${JSON.stringify(s.calendar)}`;
  return {
    id: s.id,
    scheduleId,
    fingerprint,
    additions,
    summary: `${s.runbook} ${when} ${s.timeZone}${s.window ? `, window ${s.window.durationMinutes} min (cutoff ${s.window.cutoffMinutes} min)` : ''}${s.exclude.length ? `, exclude ${s.exclude.join(' ')}` : ''}${additions.length ? `, ${additions.length} daylight-saving shift(s)` : ''}`,
    options: {
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: EntityWorkflowTypes.scheduledFiring as never,
        workflowId: `schedule-firing/${s.id}`,
        taskQueue,
        args: args as never,
        memo: { managedBy: MANAGED_BY, fingerprint },
        staticSummary: `schedule ${s.id}: ${s.runbook}`,
      },
      policies,
      memo: { managedBy: MANAGED_BY, id: s.id, taskQueue },
      state: { paused: s.paused, note: s.note ?? `managed by mesos-runbooks schedules sync (${s.id})` },
    },
  };
}

/** The calendar that fires once at `ms`, in `timeZone`'s wall time then (the daylight-saving additions). */
export function onceAt(ms: number, parts: { year: number; month: number; day: number; hour: number; minute: number; second: number }, note: string): DstAddition {
  return {
    at: ms,
    note,
    calendar: { year: parts.year, month: MONTHS[parts.month - 1]!, dayOfMonth: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second, comment: `daylight-saving: ${note}` },
  };
}
