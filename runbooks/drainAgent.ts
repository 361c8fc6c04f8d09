import { z } from 'zod';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { drainStep, drainFields, reactivateStep, waitDrainedStep, type AgentFacts } from '../workflows/steps/agent';

export const drainAgentInputSchema = z
  .object({
    ...commonFields('say why the agent is drained'),
    ...agentFields,
    ...drainFields,
    /** Reactivate the agent once it is DRAINED. */
    reactivate: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine(...exactlyOneAgent);

export type DrainAgentInput = z.input<typeof drainAgentInputSchema>;

export interface DrainAgentResult {
  cluster: string;
  agentId: string;
  hostname: string;
  /** DRAINED; REACTIVATED when `reactivate` was asked; DRAINING when an operator skipped the wait. */
  finalState: 'DRAINED' | 'REACTIVATED' | 'DRAINING';
  drainApplied: boolean;
  waitedSeconds: number;
}

/**
 * drainAgent: DRAIN_AGENT → wait until Mesos reports DRAINED (every task terminal and acknowledged) → optionally
 * REACTIVATE_AGENT. Destructive in that the drain kills the agent's tasks, which their frameworks reschedule
 * elsewhere; an abort reactivates the agent once it is DRAINED.
 */
export const drainAgent = defineRunbook({
  name: 'drainAgent',
  summary: 'Drain one agent: kill its tasks (within a grace period), wait until Mesos reports DRAINED, optionally reactivate.',
  destructive: true,
  inputSchema: drainAgentInputSchema,
  target: agentTarget,
  example: { hostname: 'agent-2.sim.local', reason: 'kernel upgrade', maxGracePeriodSeconds: 60, reactivate: true },
  subject: oneAgent(['mesosVersion', 'agentCanDrain']),
  approval: ({ subject }) => `drain agent ${subject.agentId} (${subject.hostname})`,
  facts: (): AgentFacts => ({ skippedWaits: [] }),
  steps: (input) => [
    drainStep(),
    waitDrainedStep(),
    ...(input.reactivate ? [reactivateStep({ decidedAtRunTime: 'acts once the agent is DRAINED (it is deactivated then)' })] : []),
  ],
  result: ({ cluster, subject, facts, input }): DrainAgentResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    finalState: facts.drainWait?.outcome === 'skipped' ? 'DRAINING' : input.reactivate ? 'REACTIVATED' : 'DRAINED',
    drainApplied: facts.drainApplied ?? false,
    waitedSeconds: facts.drainWait?.seconds ?? 0,
  }),
  // Loaded only by the runs that take it (KIT_PATCH); a static import would load it in every run (runbooks/index.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  legacy: () => (require('../workflows/legacy/drainAgent') as typeof import('../workflows/legacy/drainAgent')).drainAgentBeforeKit,
});
