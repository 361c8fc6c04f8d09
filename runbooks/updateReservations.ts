import { z } from 'zod';
import { amountsSchema, formatAmounts, namesOf, type Amounts } from '../src/resources/amounts';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { reservationStep, roleFields, type ResourceFacts } from '../workflows/steps/resources';

export const updateReservationsInputSchema = z
  .object({
    ...commonFields('say why the reservations change'),
    ...agentFields,
    ...roleFields,
    /** The role's whole dynamic reservation wanted of each resource (cores, MB, MB, whole GPUs); left out: unchanged; 0 releases it. */
    resources: amountsSchema().refine((r) => namesOf(r).length > 0, 'give at least one of cpus (cores), mem (MB), disk (MB), gpus (whole GPUs)'),
    /** Move the difference to and from this role's reservations (RESERVE with a source, Mesos ≥ 1.10) instead of the unreserved pool. */
    fromRole: z.string({ error: 'must be a role name' }).min(1, 'must be a non-empty role name').optional(),
  })
  .strict()
  .superRefine(...exactlyOneAgent)
  .superRefine((input, ctx) => {
    if (input.fromRole !== undefined && input.fromRole === input.role) ctx.addIssue({ code: 'custom', path: ['fromRole'], message: `must differ from role ('${input.role}')` });
  });

export type UpdateReservationsInput = z.input<typeof updateReservationsInputSchema>;

export interface UpdateReservationsResult {
  cluster: string;
  agentId: string;
  hostname: string;
  role: string;
  /** The role's reservation of each listed resource now. */
  reserved: Amounts;
  /** What the run changed, in words (empty when everything already held). */
  changes: string[];
}

/**
 * updateReservations: the dynamic reservations of one role on one agent as desired state (spec §6). For each listed
 * resource it reads the role's reservation and RESERVEs or UNRESERVEs only the difference (or moves it from or to
 * `fromRole`), then waits until GET_AGENTS shows it; other roles' and static reservations are left alone. An abort or
 * failure restores the amounts read before.
 */
export const updateReservations = defineRunbook({
  name: 'updateReservations',
  summary: "Set one role's dynamic reservations on one agent (cpus, mem, disk, gpus) as desired state: RESERVE or UNRESERVE only the difference, or move it from another role.",
  destructive: false,
  inputSchema: updateReservationsInputSchema,
  target: agentTarget,
  example: { hostname: 'agent-1.sim.local', role: 'dev', resources: { cpus: 2, mem: 4096 }, reason: 'team dev gets a slice of agent-1' },
  subject: oneAgent<z.output<typeof updateReservationsInputSchema>>((i) => ['reservationsFeasible', ...(i.fromRole !== undefined ? (['reservationMoveSupported'] as const) : [])], {
    request: (i) => ({ reservations: namesOf(i.resources).map((name) => ({ role: i.role, name, amount: i.resources[name]!, ...(i.principal ? { principal: i.principal } : {}), ...(i.fromRole ? { fromRole: i.fromRole } : {}) })) }),
    withPrincipal: { principal: (i) => i.principal },
  }),
  approval: ({ subject, input }) => `set ${input.role}'s reservations on ${subject.hostname} to ${formatAmounts(input.resources)}${input.fromRole ? ` (moving from and to ${input.fromRole})` : ''}`,
  facts: (): ResourceFacts => ({ before: {}, changes: [] }),
  steps: (input) => namesOf(input.resources).map((name) => reservationStep(name, (i: typeof input) => i.resources[name]!)),
  result: ({ cluster, subject, input, facts }): UpdateReservationsResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    role: input.role,
    reserved: input.resources,
    changes: facts.changes,
  }),
});
