/**
 * What a runbook asks of the maintenance schedule's owner: add machines to a window, remove machines, or both.
 * Pure (zod only): the owner workflow validates Updates with it inside the sandbox, the activity reuses the types.
 *
 * Nanoseconds are decimal strings (exact int64: about 1.7e18 exceeds 2^53, and bigints do not survive Temporal's
 * JSON payloads).
 */
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const UNSIGNED_DECIMAL = /^\d+$/;
const INT64_MAX = 9223372036854775807n;

/**
 * A machine as Mesos matches it to an agent: both the hostname (case-insensitive) and the ip (exact) — an entry with
 * only one of them never matches a real agent (spec §5), so a runbook always gives both.
 */
export const MachineRefSchema = z
  .object({
    hostname: z.string({ error: 'required: the machine hostname' }).min(1, 'required: the machine hostname (not empty)'),
    ip: z
      .string({ error: 'required: the machine IPv4 address' })
      .regex(IPV4, 'must be an IPv4 address such as 10.0.0.7 (Mesos refuses anything else)'),
  })
  .strict();
export type MachineRef = z.infer<typeof MachineRefSchema>;

const nanoseconds = (what: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `required: ${what} in nanoseconds, as a decimal string`
          : `must be ${what} in nanoseconds as a decimal string (a JSON number loses digits above 2^53)`,
    })
    .regex(UNSIGNED_DECIMAL, `must be ${what} in nanoseconds as a decimal string of digits (e.g. "1767225600000000000")`)
    .refine((v) => !UNSIGNED_DECIMAL.test(v) || BigInt(v) <= INT64_MAX, 'must fit in a signed 64-bit integer');

export const MaintenanceWindowRefSchema = z
  .object({
    /** Start of the unavailability, nanoseconds since the epoch. */
    startNs: nanoseconds('the window start since the epoch'),
    /** Length of the unavailability; absent means unbounded (Mesos's unset duration). */
    durationNs: nanoseconds('the window length').optional(),
  })
  .strict();
export type MaintenanceWindowRef = z.infer<typeof MaintenanceWindowRefSchema>;

const machines = z.array(MachineRefSchema, { error: 'required: a list of machines' }).min(1, 'give at least one machine');

export const ScheduleChangeSchema = z
  .object({
    /** Idempotency key: the calling run's workflow id and a step name. A repeated key is answered from memory. */
    requestId: z.string({ error: 'required: an idempotency key (workflow id + step)' }).min(1, 'required: an idempotency key (workflow id + step)'),
    add: z.object({ machines, window: MaintenanceWindowRefSchema }).strict().optional(),
    /** More additions in the same write, each with its own window (a fleet announcing its batches). */
    adds: z.array(z.object({ machines, window: MaintenanceWindowRefSchema }).strict()).max(1000).optional(),
    remove: z.object({ machines }).strict().optional(),
  })
  .strict()
  .superRefine((change, ctx) => {
    if (!change.add && !change.remove && !(change.adds && change.adds.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['add'], message: 'give add, adds or remove' });
    }
    for (const part of ['add', 'remove'] as const) {
      const list = change[part]?.machines ?? [];
      list.forEach((m, i) => {
        if (list.findIndex((o) => sameMachine(o, m)) !== i) {
          ctx.addIssue({ code: 'custom', path: [part, 'machines', i], message: `machine ${machineText(m)} is listed twice` });
        }
      });
    }
    change.remove?.machines.forEach((m, i) => {
      if (change.add?.machines.some((a) => sameMachine(a, m))) {
        ctx.addIssue({ code: 'custom', path: ['remove', 'machines', i], message: `machine ${machineText(m)} is both added and removed` });
      }
    });
  });
export type ScheduleChange = z.infer<typeof ScheduleChangeSchema>;

/** What the owner answers to a change (and answers again, from memory, to a repeated requestId). */
export interface ScheduleChangeResult {
  requestId: string;
  /** False when the schedule already held the change and no UPDATE_MAINTENANCE_SCHEDULE was sent. */
  applied: boolean;
  note: string;
  /** Machines asked to be removed that are DOWN: Mesos forbids dropping them (STOP_MAINTENANCE removes them). */
  downKept: MachineRef[];
}

/** The problems of a change as `field: message` lines, or an empty list when it is valid. */
export function scheduleChangeProblems(change: unknown): string[] {
  const result = ScheduleChangeSchema.safeParse(change);
  return result.success ? [] : formatIssues(result.error);
}

/** Mesos's MachineID equality for two full refs: hostnames case-insensitively, ips exactly. */
export function sameMachine(a: MachineRef, b: MachineRef): boolean {
  return a.hostname.toLowerCase() === b.hostname.toLowerCase() && a.ip === b.ip;
}

/** `hostname/ip`, the way progress notes and the `Machines` search attribute name a machine. */
export function machineText(m: { hostname?: string; ip?: string }): string {
  return [m.hostname ?? '', m.ip ?? ''].join('/');
}
