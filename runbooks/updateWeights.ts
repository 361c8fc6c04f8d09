import { z } from 'zod';
import { ifBusyField, rolesTarget, theCluster } from '../workflows/kit/cluster';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { weightsStep, type QuotaFacts } from '../workflows/steps/quota';

export const updateWeightsInputSchema = z
  .object({
    ...commonFields('say why the weights change'),
    /** Each role's weight (> 0; Mesos cannot unset a weight: 1 is the default). Roles not listed are untouched. */
    weights: z
      .array(
        z
          .object({
            role: z.string({ error: 'must be a role name' }).min(1, 'must be a non-empty role name'),
            weight: z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number').refine((w) => w > 0, 'must be more than 0 (Mesos cannot unset a weight: set 1, the default)'),
          })
          .strict(),
        { error: 'must be a list of {role, weight}' },
      )
      .min(1, 'list at least one role'),
    /** When another run changes the cluster's weights: wait for it (default) or fail at once naming it. */
    ifBusy: ifBusyField,
  })
  .strict();

export type UpdateWeightsInput = z.input<typeof updateWeightsInputSchema>;

export interface UpdateWeightsResult {
  cluster: string;
  roles: string[];
  changes: string[];
}

/**
 * updateWeights: the weights of some roles as desired state (spec §7): checked as the master checks them, the plan
 * shows the difference from GET_WEIGHTS, one UPDATE_WEIGHTS with the roles that differ, then read back. An abort or
 * failure after the call puts the previous weights back (a role that had none gets 1: Mesos cannot unset a weight).
 */
export const updateWeights = defineRunbook({
  name: 'updateWeights',
  summary: "Set some roles' weights as desired state: checked as the master checks them, one UPDATE_WEIGHTS for the roles that differ, read back.",
  destructive: false,
  inputSchema: updateWeightsInputSchema,
  target: (input) => rolesTarget(input.weights),
  example: { weights: [{ role: 'dev', weight: 2 }], reason: 'dev gets a larger fair share' },
  subject: theCluster<z.output<typeof updateWeightsInputSchema>>({ leaseKey: 'weights', what: 'weights', checks: ['weightsValid'], request: (i) => ({ weights: i.weights }) }),
  approval: ({ input }) => `set the weights ${input.weights.map((w) => `${w.role}=${w.weight}`).join(', ')}`,
  facts: (): QuotaFacts => ({ changes: [] }),
  steps: () => [weightsStep()],
  result: ({ cluster, input, facts }): UpdateWeightsResult => ({ cluster, roles: input.weights.map((w) => w.role), changes: facts.changes }),
});
