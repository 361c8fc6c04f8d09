import { z } from 'zod';

/**
 * The input fields every runbook acting on one agent shares, with the same names, defaults and messages, so that an
 * operator learns them once. Runbooks spread them into their own schema and add {@link exactlyOneAgent}.
 */
export function agentRunbookFields(reasonHint: string) {
  const reasonRequired = `required: ${reasonHint} (recorded with the run)`;
  return {
    cluster: z.string().min(1, 'cluster: give a configured cluster name').default('default'),
    agentId: z.string().min(1).optional(),
    hostname: z.string().min(1).optional(),
    reason: z
      .string({ error: (issue) => (issue.input === undefined ? reasonRequired : 'must be a string') })
      .trim()
      .min(1, reasonRequired),
    maxGracePeriodSeconds: z
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 or more seconds (0 kills at once)')
      .max(604_800, 'must be at most 604800 seconds (7 days)')
      .optional(),
    /** How long to wait for DRAINED before the run shows a diagnosis and asks the operator (default: grace + 10 min). */
    drainTimeoutSeconds: z.number().int().positive().max(604_800).optional(),
    requireApproval: z.boolean({ error: 'must be true or false' }).default(false),
    /** Plan mode: read the cluster, report every check and step, change nothing. */
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    /** When another run holds the agent: wait for it (default) or fail at once naming the holder. */
    ifAgentBusy: z.enum(['wait', 'fail']).default('wait'),
    /** How long an abort mid-drain waits for DRAINED before it can reactivate (default 5 min). */
    abortDrainWaitSeconds: z.number().int().min(0).max(86_400).default(300),
    initiator: z.string().min(1).optional(),
    ticket: z.string().min(1).optional(),
  };
}

/** The refinement: exactly one of `agentId` and `hostname`, the error on the field to fix. */
export function exactlyOneAgent(input: { agentId?: string; hostname?: string }, ctx: z.RefinementCtx): void {
  if (Boolean(input.agentId) === Boolean(input.hostname)) {
    ctx.addIssue({
      code: 'custom',
      path: [input.agentId ? 'hostname' : 'agentId'],
      message: input.agentId ? 'give agentId or hostname, not both' : 'required: give agentId or hostname (exactly one)',
    });
  }
}
