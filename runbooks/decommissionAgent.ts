import { z } from 'zod';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook, skipWhen } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { drainFields, drainStep, waitDrainedStep } from '../workflows/steps/agent';
import { drainAndMarkGoneStep, markGoneStep, waitGoneStep, type DecommissionContext, type DecommissionFacts } from '../workflows/steps/decommission';

export const decommissionAgentInputSchema = z
  .object({
    ...commonFields('say why the agent is decommissioned'),
    ...agentFields,
    ...drainFields,
    /** One DRAIN_AGENT with mark_gone (irreversible from the first call) instead of a drain, then MARK_AGENT_GONE. */
    markGoneOnDrain: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine(...exactlyOneAgent);

export type DecommissionAgentInput = z.input<typeof decommissionAgentInputSchema>;

export interface DecommissionAgentResult {
  cluster: string;
  agentId: string;
  hostname: string;
  /** False for an agent the master did not list (marked gone by id, without a drain). */
  drained: boolean;
  markedGone: boolean;
  /** What the agent held when it was marked gone. */
  lost: { reservations: string[]; volumes: string[] };
  skippedWaits: string[];
}

const notListed = (ctx: DecommissionContext) => (ctx.subject.unlisted ? 'the master does not list the agent: it is marked gone by id, without a drain' : undefined);

/**
 * decommissionAgent: retire one agent for good. By default DRAIN_AGENT → DRAINED → an approval naming the agent id and
 * listing the reservations and volumes that will be lost → MARK_AGENT_GONE; with `markGoneOnDrain`, one DRAIN_AGENT
 * with `mark_gone` (the approval comes first). An agent the master no longer lists (unreachable) is marked gone by id.
 * A machine in the maintenance schedule is refused (Mesos refuses DRAIN_AGENT there). Before MARK_AGENT_GONE an abort
 * reactivates the agent once DRAINED; after it nothing can be undone.
 */
export const decommissionAgent = defineRunbook({
  name: 'decommissionAgent',
  summary: 'Retire one agent for good: drain → DRAINED → approval naming it and what is lost → MARK_AGENT_GONE (or one DRAIN_AGENT with mark_gone); an unlisted agent by id.',
  destructive: true,
  inputSchema: decommissionAgentInputSchema,
  target: agentTarget,
  example: { hostname: 'agent-4.sim.local', reason: 'hardware retired', maxGracePeriodSeconds: 60 },
  subject: oneAgent<z.output<typeof decommissionAgentInputSchema>>(['mesosVersion', 'agentCanDrain', 'machineNotInMaintenance'], { allowUnlisted: true }),
  approval: ({ subject, input }) => `decommission agent ${subject.agentId} (${subject.hostname})${input.markGoneOnDrain ? ' with one DRAIN_AGENT mark_gone' : ''}: it is marked gone for good`,
  facts: (): DecommissionFacts => ({ skippedWaits: [] }),
  steps: (input) =>
    input.markGoneOnDrain
      ? [drainAndMarkGoneStep(), skipWhen(markGoneStep(), (ctx) => (ctx.subject.unlisted ? undefined : 'the drain marks the agent gone once it is DRAINED')), waitGoneStep()]
      : [skipWhen(drainStep<DecommissionContext>(), notListed), skipWhen(waitDrainedStep<DecommissionContext>(), notListed), markGoneStep(), waitGoneStep()],
  result: ({ cluster, subject, facts }): DecommissionAgentResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    drained: !subject.unlisted,
    markedGone: facts.markedGone ?? false,
    lost: facts.lost ?? { reservations: [], volumes: [] },
    skippedWaits: facts.skippedWaits,
  }),
});
