import { z } from 'zod';
import { NOTIFY_EVENTS } from '../contracts/control';
import { SecretRefSchema } from './secret-ref';

/**
 * The configuration of the ways runs are triggered and reported beyond our CLI: the chat bot (`chatops`), the
 * scheduled runs and maintenance windows (`schedules`), and notifications (`notifications`). Names of `chatops` and
 * `schedules` are a contract (issue 12); docs: docs/chatops.md, docs/schedules.md, docs/notifications.md.
 */

const glob = z.string().min(1, 'a name, or "*" for any');
const CHAT_PERMISSIONS = ['plan', 'start', 'approve', 'abort', 'freeze'] as const;
export type ChatPermission = (typeof CHAT_PERMISSIONS)[number];

/** One row of the chat authorization table: first match wins; no match = refused, with the reason. */
export const ChatAllowSchema = z
  .object({
    /** Slack user ids (U0123...). */
    users: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id, e.g. U0123ABCD')).default([]),
    /** Slack user group ids (S0123...), or group handles. */
    groups: z.array(z.string().min(1)).default([]),
    runbooks: z.array(glob).default(['*']),
    clusters: z.array(glob).default(['*']),
    may: z.array(z.enum(CHAT_PERMISSIONS, { error: `one of ${CHAT_PERMISSIONS.join(', ')}` })).min(1, `list what they may do: ${CHAT_PERMISSIONS.join(', ')}`),
  })
  .strict()
  .refine((row) => row.users.length + row.groups.length > 0, { message: 'name at least one user or group (users: [U0123], groups: [S0456])' });
export type ChatAllow = z.infer<typeof ChatAllowSchema>;

export const ChatopsSchema = z
  .object({
    signingSecret: SecretRefSchema,
    botToken: SecretRefSchema,
    /** The Slack Web API's base URL (tests: a fake on loopback). */
    apiUrl: z.string().url().refine((u) => /^https?:\/\/.*\/$/.test(u), { message: 'an http(s) URL ending in "/", e.g. https://slack.com/api/' }).default('https://slack.com/api/'),
    allow: z.array(ChatAllowSchema).default([]),
    /**
     * Who a Slack user is for the approval policy and the runs' Initiator (`U0123: alice`), so four eyes holds
     * across the CLI and chat; a user not listed is known by the Slack user id.
     */
    users: z.record(z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id, e.g. U0123ABCD'), z.string().min(1)).default({}),
    /** Requests older (or newer) than this are refused as replays (Slack: 5 minutes). */
    maxRequestAgeSeconds: z.number().int().min(10).max(300).default(300),
    /** How often run threads are refreshed from the runs' progress. */
    pollIntervalMs: z.number().int().min(100).max(60_000).default(2000),
  })
  .strict();
export type ChatopsConfig = z.infer<typeof ChatopsSchema>;

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
const range = <T extends z.ZodType>(value: T) => z.union([value, z.object({ start: value, end: value.optional(), step: z.number().int().min(1).optional() }).strict()]);
const ranges = <T extends z.ZodType>(value: T) => z.union([range(value), z.array(range(value)).min(1)]);
const int = (min: number, max: number) => z.number({ error: `a whole number from ${min} to ${max}` }).int(`a whole number from ${min} to ${max}`).min(min, `from ${min} to ${max}`).max(max, `from ${min} to ${max}`);

/** A Temporal CalendarSpec (its fields ANDed: dayOfMonth 8-14 with dayOfWeek TUESDAY is the 2nd Tuesday). */
export const CalendarSchema = z
  .object({
    second: ranges(int(0, 59)).optional(),
    minute: ranges(int(0, 59)).optional(),
    hour: ranges(int(0, 23)).optional(),
    dayOfMonth: ranges(int(1, 31)).optional(),
    month: ranges(z.enum(MONTHS, { error: `one of ${MONTHS.join(', ')}` })).optional(),
    year: ranges(int(2000, 2200)).optional(),
    dayOfWeek: ranges(z.enum(DAYS, { error: `one of ${DAYS.join(', ')}` })).optional(),
    comment: z.string().optional(),
  })
  .strict();
export type CalendarConfig = z.infer<typeof CalendarSchema>;

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const ScheduleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-" (at most 63), e.g. prune-weekly'),
    runbook: z.string().min(1),
    input: z.record(z.string(), z.unknown()).default({}),
    cron: z.string().regex(/^\S+(\s+\S+){4}$/, 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * 0"').optional(),
    calendar: CalendarSchema.optional(),
    timeZone: z.string().refine(validTimeZone, { message: 'an IANA time zone, e.g. Europe/Berlin or UTC' }).default('UTC'),
    window: z
      .object({
        durationMinutes: int(1, 10_080),
        cutoffMinutes: int(0, 10_080).default(0),
      })
      .strict()
      .refine((w) => w.cutoffMinutes < w.durationMinutes, { message: 'cutoffMinutes must be less than durationMinutes' })
      .optional(),
    /** Dates (YYYY-MM-DD, in the schedule's time zone) with no firing. */
    exclude: z.array(z.string().regex(/^\d{4}-\d\d-\d\d$/, 'a date YYYY-MM-DD, e.g. 2026-12-25')).default([]),
    /** What happens to a firing while the previous one is still starting (default skip). */
    overlap: z.enum(['skip', 'bufferOne', 'allowAll'], { error: 'one of skip, bufferOne, allowAll' }).default('skip'),
    /** How late a missed firing (the server was down) may still start (default 10 minutes; a window: its duration less the cutoff). */
    catchupWindowMinutes: int(1, 525_600).optional(),
    /** Pause the schedule when a firing fails (default true). */
    pauseOnFailure: z.boolean().default(true),
    /** Start paused. */
    paused: z.boolean().default(false),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.cron === undefined) === (s.calendar === undefined)) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron or calendar' });
  });
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;

export const SchedulesSchema = z.array(ScheduleSchema).superRefine((list, ctx) => {
  list.forEach((s, i) => {
    if (list.findIndex((o) => o.id === s.id) !== i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `schedule id '${s.id}' is listed twice` });
  });
});

const scope = {
  runbooks: z.array(glob).default(['*']),
  clusters: z.array(glob).default(['*']),
  events: z.array(z.enum(NOTIFY_EVENTS, { error: `one of ${NOTIFY_EVENTS.join(', ')}` })).default([...NOTIFY_EVENTS]),
};

export const NotifyTargetSchema = z.union([
  z
    .object({
      name: z.string().min(1),
      webhook: z
        .object({
          url: z.union([z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'an http(s) URL' }), SecretRefSchema]),
          headers: z.record(z.string().min(1), SecretRefSchema).default({}),
        })
        .strict(),
      ...scope,
    })
    .strict(),
  z
    .object({
      name: z.string().min(1),
      slack: z
        .object({
          channel: z.string().min(1),
          /** Default: chatops.botToken. */
          token: SecretRefSchema.optional(),
          /** Default: chatops.apiUrl, else https://slack.com/api/. */
          apiUrl: z.string().url().optional(),
        })
        .strict(),
      ...scope,
    })
    .strict(),
]);
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;

export const NotificationsSchema = z
  .object({
    targets: z.array(NotifyTargetSchema).default([]),
    /** Tries per target per notification (then the failure is logged; the run goes on). */
    attempts: int(1, 10).default(3),
    timeoutSeconds: int(1, 60).default(5),
  })
  .strict();
export type NotificationsConfig = z.infer<typeof NotificationsSchema>;

/** `*`, or an exact name, or a prefix ending in `*` (`staging-*`). */
export function matchesName(patterns: string[], name: string): boolean {
  return patterns.some((p) => p === '*' || p === name || (p.endsWith('*') && name.startsWith(p.slice(0, -1))));
}
