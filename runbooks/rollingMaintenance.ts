import { z } from 'zod';
import { AgentSelectionSchema, selectionTarget } from '../src/agents/selection';
import { formatIssues } from '../src/common/zod-issues';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { fleetSubject, planDetails, planStep, rollControls, rollResult, rollStep, type FleetFacts } from '../workflows/steps/roll';
import { agentMaintenanceInputSchema } from './agentMaintenance';
import { drainAgentInputSchema } from './drainAgent';

const instant = (what: string) =>
  z
    .string({ error: `must be ${what} as an RFC 3339 instant, e.g. 2026-12-08T22:00:00+01:00` })
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/, `must be ${what} as an RFC 3339 instant with Z or an offset, e.g. 2026-12-08T22:00:00+01:00`)
    .refine((v) => !Number.isNaN(Date.parse(v)), `must be ${what} as a valid instant`);

const timeZone = z.string({ error: 'must be an IANA time zone, e.g. Europe/Berlin' }).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone, e.g. Europe/Berlin');

/** The per-machine runbooks a roll can run, and their own input schemas (a machine's fields come from the roll). */
const PER_AGENT = { agentMaintenance: agentMaintenanceInputSchema, drainAgent: drainAgentInputSchema } as const;
const PER_AGENT_OWNED = ['cluster', 'agentId', 'hostname', 'dryRun', 'parent'];

export const rollingMaintenanceInputSchema = z
  .object({
    ...commonFields('say why the fleet is rolled'),
    /** Which agents' machines to roll. */
    agents: AgentSelectionSchema,
    /** Roll by the value of this agent attribute (a zone, a rack): a group stays in one batch when it fits. */
    groupBy: z.string({ error: 'must be an attribute name' }).min(1, 'must be an attribute name').optional(),
    /** Machines per batch: a count, or a share of the selected machines ("10%"). */
    batchSize: z.union([z.number().int('must be a whole number of machines').min(1, 'must be at least 1'), z.string().regex(/^\d+(\.\d+)?%$/, 'must be a count, or a share such as "10%"')], {
      error: 'must be a count of machines, or a share such as "10%"',
    }),
    /** At most this many machines out at once (default: the batch size). */
    maxConcurrent: z.number({ error: 'must be a number of machines' }).int('must be a whole number of machines').min(1, 'must be at least 1').optional(),
    /** Wait this long after a batch ends before the next starts. */
    soakSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(0, 'must be 0 or more seconds').max(604_800).default(0),
    /** A first batch of this many machines; then, unless `requireApproval` is false, an approval before the rest. */
    canary: z.object({ agents: z.number().int().min(1, 'must be at least 1 machine'), requireApproval: z.boolean().default(true) }, { error: 'must be {agents, requireApproval?}' }).strict().optional(),
    /** Write the expected windows of the batches to come into the maintenance schedule (frameworks see them ahead). */
    announce: z.boolean({ error: 'must be true or false' }).default(false),
    gates: z
      .object(
        {
          minActiveShare: z.number({ error: 'must be a share from 0 to 1' }).min(0, 'must be a share from 0 to 1').max(1, 'must be a share from 0 to 1').optional(),
          maxOtherDraining: z.number({ error: 'must be a number of agents' }).int().min(0, 'must be 0 or more').optional(),
          capacity: z.boolean({ error: 'must be true or false' }).optional(),
          healthCheckUrl: z.url({ error: 'must be an http(s) URL', protocol: /^https?$/ }).optional(),
          /** How long a closed gate is waited for before the operator is asked (default 30 min). */
          timeoutMinutes: z.number().int().min(1).max(10_080).default(30),
        },
        { error: 'must be {minActiveShare?, maxOtherDraining?, capacity?, healthCheckUrl?}' },
      )
      .strict()
      .default({ timeoutMinutes: 30 }),
    /** Failed machines tolerated: past it no new batch starts and the operator decides (default 0). */
    failureBudget: z.number({ error: 'must be a number of machines' }).int().min(0, 'must be 0 or more').default(0),
    window: z
      .object({ notBefore: instant('notBefore').optional(), notAfter: instant('notAfter').optional(), timeZone: timeZone.optional(), minRemainingMinutes: z.number().int().min(0).optional() }, { error: 'must be {notBefore?, notAfter?, timeZone?, minRemainingMinutes?}' })
      .strict()
      .optional(),
    /** The runbook run on each machine, and its fields (the machine's own fields come from the roll). */
    perAgent: z.object({ runbook: z.enum(['agentMaintenance', 'drainAgent'], { error: 'must be "agentMaintenance" or "drainAgent"' }) }).catchall(z.unknown()),
  })
  .strict()
  .superRefine((input, ctx) => {
    const { runbook, ...fields } = input.perAgent;
    for (const owned of PER_AGENT_OWNED) {
      if (owned in fields) ctx.addIssue({ code: 'custom', path: ['perAgent', owned], message: 'set by the roll for each machine: leave it out' });
    }
    if (runbook === 'drainAgent' && 'work' in fields) ctx.addIssue({ code: 'custom', path: ['perAgent', 'work'], message: 'only for agentMaintenance (drainAgent does no work on the machine)' });
    const schema = PER_AGENT[runbook];
    if (schema) {
      const probe = schema.safeParse({ reason: input.reason, ...fields, agentId: 'probe', cluster: input.cluster });
      if (!probe.success) for (const problem of formatIssues(probe.error)) ctx.addIssue({ code: 'custom', path: ['perAgent'], message: problem });
    }
    if (input.announce && runbook !== 'agentMaintenance') ctx.addIssue({ code: 'custom', path: ['announce'], message: 'announcing maintenance windows needs perAgent.runbook "agentMaintenance"' });
    if (input.window?.notBefore && input.window.notAfter && Date.parse(input.window.notBefore) >= Date.parse(input.window.notAfter)) {
      ctx.addIssue({ code: 'custom', path: ['window', 'notAfter'], message: 'must come after notBefore' });
    }
  });

export type RollingMaintenanceInput = z.input<typeof rollingMaintenanceInputSchema>;

/**
 * rollingMaintenance: maintenance of a fleet's machines in batches (docs/runbooks.md): a pure planner turns the
 * selection into batches (the canary first, groups kept together), and the roll runs one child run per machine
 * (agentMaintenance or drainAgent), at most `maxConcurrent` at once, each batch behind its gates, within the window,
 * until the failure budget is spent; the maintenance schedule is announced ahead when asked.
 */
export const rollingMaintenance = defineRunbook({
  name: 'rollingMaintenance',
  summary: 'Roll maintenance over a fleet: batches (canary first, groups together) of per-machine runs, behind gates, within windows, with a failure budget.',
  destructive: true,
  inputSchema: rollingMaintenanceInputSchema,
  target: (input) => selectionTarget(input.agents),
  example: { agents: { attributes: { zone: 'zone-a' } }, groupBy: 'rack', batchSize: 2, reason: 'kernel upgrade', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 60, reactivate: true } },
  subject: fleetSubject(),
  approval: ({ subject }) => `roll maintenance over ${subject.machines.length} machine(s)`,
  facts: (): FleetFacts => ({ batches: [], machines: {}, failures: 0, finishedMs: [], announced: [] }),
  steps: () => [planStep(), rollStep()],
  result: rollResult,
  planDetails,
  controls: rollControls,
});
