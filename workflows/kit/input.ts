import { z } from 'zod';
import { formatIssues } from '../../src/common/zod-issues';
import { invalidInput } from '../../src/contracts';

/**
 * The input fields every runbook takes, with the same names, defaults and messages, so an operator learns them
 * once: `cluster`, a required `reason`, `dryRun`, `requireApproval`, `ticket`, `initiator`. Runbooks spread them
 * into their own schema.
 */
export function commonFields(reasonHint: string) {
  const reasonRequired = `required: ${reasonHint} (recorded with the run)`;
  return {
    cluster: z.string({ error: 'must be a configured cluster name' }).min(1, 'cluster: give a configured cluster name').default('default'),
    reason: z
      .string({ error: (issue) => (issue.input === undefined ? reasonRequired : 'must be a string') })
      .trim()
      .min(1, reasonRequired),
    requireApproval: z.boolean({ error: 'must be true or false' }).default(false),
    /** Plan mode: read the cluster, report every check and step, change nothing. */
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    /** Who started it (recorded as the `Initiator` search attribute; our start paths set it to their user). */
    initiator: z.string({ error: 'must be a string' }).min(1).optional(),
    /** A change ticket, recorded as the `Ticket` search attribute. */
    ticket: z.string({ error: 'must be a string' }).min(1).optional(),
    /** Set by a parent run (the fleet runbook) that started this one: the run signals it `childEnded` at its end. */
    parent: z
      .object({ workflowId: z.string({ error: 'must be the parent workflow id' }).min(1), key: z.string({ error: 'must be the key the parent gave' }).min(1) }, { error: 'must be {workflowId, key}' })
      .strict()
      .optional(),
  };
}

/**
 * The fields of a runbook that runs in a maintenance window (a schedule's firing passes them, see docs/schedules.md):
 * no step starts before `notBefore`, and none once fewer than `minRemainingMinutes` are left before `notAfter`: the
 * run then pauses at its window's end (phase `paused at window end`) until the next firing resumes it with the next
 * window. The kit reads them at every checkpoint; a runbook spreads them into its schema to take part.
 */
export const windowFields = {
  notBefore: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-12-08T22:00:00Z' }).optional(),
  notAfter: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-12-09T04:00:00Z' }).optional(),
  minRemainingMinutes: z.number({ error: 'must be a whole number of minutes from 0 to 1440' }).int('must be a whole number of minutes from 0 to 1440').min(0).max(1440).default(0),
};

/** The window fields a runbook's schema must have for a schedule to pass its window (all three). */
export const WINDOW_FIELDS = ['notBefore', 'notAfter', 'minRemainingMinutes'] as const;

/**
 * Validates a runbook's input as the workflow's very first step, so that a run started from the Web UI or the
 * `temporal` CLI with a bad input fails at once, non-retryably (`INVALID_INPUT`), naming each bad field, before any
 * Mesos call.
 */
export function parseRunbookInput<S extends z.ZodType>(runbook: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = formatIssues(result.error);
  throw invalidInput(`${runbook}: invalid input: ${problems.join('; ')}`, [problems]);
}
