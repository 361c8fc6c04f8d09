import { z } from 'zod';
import { amountsSchema } from '../src/resources/amounts';
import { ifBusyField, rolesTarget, theCluster } from '../workflows/kit/cluster';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { quotaStep, type QuotaFacts } from '../workflows/steps/quota';

const quotaEntrySchema = z
  .object(
    {
      role: z.string({ error: 'must be a role name' }).min(1, 'must be a non-empty role name'),
      /** Resources Mesos guarantees the role (cores, MB, MB, whole GPUs). */
      guarantees: amountsSchema().optional(),
      /** The most the role may consume (cores, MB, MB, whole GPUs). */
      limits: amountsSchema().optional(),
    },
    { error: 'must be {role, guarantees?, limits?}' },
  )
  .strict();

export const updateQuotaInputSchema = z
  .object({
    ...commonFields('say why the quota changes'),
    /** Each role's whole quota config (an entry with neither field clears it); roles not listed are untouched. */
    quotas: z.array(quotaEntrySchema, { error: 'must be a list of {role, guarantees?, limits?}' }).min(1, 'list at least one role'),
    /** Skip the master's consumption and capacity checks (Mesos's `force`). */
    force: z.boolean({ error: 'must be true or false' }).default(false),
    /** When another run changes the cluster's quota: wait for it (default) or fail at once naming it. */
    ifBusy: ifBusyField,
  })
  .strict();

export type UpdateQuotaInput = z.input<typeof updateQuotaInputSchema>;

export interface UpdateQuotaResult {
  cluster: string;
  roles: string[];
  /** What the run changed, in words (empty when GET_QUOTA already showed every role as wanted). */
  changes: string[];
}

/**
 * updateQuota: the quota of some roles as desired state (spec §7): checked as the master checks it before the call,
 * the plan shows the difference from GET_QUOTA, one UPDATE_QUOTA (all-or-nothing) with the roles that differ, then
 * read back. An abort or failure after the call puts the roles' previous configs back.
 */
export const updateQuota = defineRunbook({
  name: 'updateQuota',
  summary: "Set some roles' quota (guarantees and limits) as desired state: checked as the master checks it, one UPDATE_QUOTA for the roles that differ, read back.",
  destructive: false,
  inputSchema: updateQuotaInputSchema,
  target: (input) => rolesTarget(input.quotas),
  example: { quotas: [{ role: 'dev', guarantees: { cpus: 2, mem: 4096 }, limits: { cpus: 8, mem: 16384 } }], reason: 'team dev quota for Q3' },
  subject: theCluster<z.output<typeof updateQuotaInputSchema>>({ leaseKey: 'quota', what: 'quota', checks: ['quotaValid'], request: (i) => ({ quotas: { entries: i.quotas, force: i.force } }) }),
  approval: ({ input }) => `set the quota of ${input.quotas.map((q) => q.role).join(', ')}${input.force ? ' (force)' : ''}`,
  facts: (): QuotaFacts => ({ changes: [] }),
  steps: () => [quotaStep()],
  result: ({ cluster, input, facts }): UpdateQuotaResult => ({ cluster, roles: input.quotas.map((q) => q.role), changes: facts.changes }),
});
