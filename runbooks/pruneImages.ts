import { z } from 'zod';
import { AgentSelectionSchema, describeSelection, selectionTarget } from '../src/agents/selection';
import { actEach } from '../workflows/kit/calls';
import { someAgents, type AgentsSubject } from '../workflows/kit/agent';
import { defineRunbook, step } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import type { RunContext } from '../workflows/kit/types';
import { eachAgent, summarizeOutcomes, type AgentOutcome } from '../workflows/steps/fleet';

export const pruneImagesInputSchema = z
  .object({
    ...commonFields('say why images are pruned'),
    /** The agents: {all: true}, {agentIds}, {hostnames}, {attributes}, keys combined with AND; includeDraining (default false). */
    agents: AgentSelectionSchema,
    /** Docker image references to keep besides each agent's --image_gc_config exclusions, e.g. "nginx:1.25". */
    excludedImages: z
      .array(z.string({ error: 'must be a Docker image reference string' }).min(1, 'must be a non-empty image reference').refine((r) => !/\s/.test(r), 'must not contain whitespace'), {
        error: 'must be a list of Docker image references',
      })
      .default([]),
    /** At most this many agents pruned at once. */
    concurrency: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(10),
    /** When another run holds one of the agents: wait for it (default) or fail at once naming it. */
    ifAgentBusy: z.enum(['wait', 'fail']).default('wait'),
  })
  .strict();

export type PruneImagesInput = z.input<typeof pruneImagesInputSchema>;
type Input = z.output<typeof pruneImagesInputSchema>;

interface PruneFacts extends Record<string, unknown> {
  outcomes: AgentOutcome[];
}

export interface PruneImagesResult {
  cluster: string;
  /** Every selected agent (and each one the selection left out, as skipped), with how it came out. */
  agents: AgentOutcome[];
  summary: string;
  /** What Mesos does not tell. */
  note: string;
}

const NOTE = "Mesos does not report what PRUNE_IMAGES removed (the call answers 200 with no body), and the Docker containerizer ignores it: only the Mesos containerizer's image store is pruned";

/**
 * pruneImages: PRUNE_IMAGES on each selected agent's own API, at most `concurrency` at once. A 500 or an unreachable
 * agent is retried (four attempts), then reported as failed; never fatal to the others. Pruned images cannot be put
 * back (they are pulled again when a task needs them).
 */
export const pruneImages = defineRunbook({
  name: 'pruneImages',
  summary: "PRUNE_IMAGES on a selection of agents (at most `concurrency` at once); each agent's outcome reported, one failure never stops the others.",
  destructive: false,
  inputSchema: pruneImagesInputSchema,
  target: (input) => selectionTarget(input.agents),
  example: { agents: { attributes: { rack: 'rack-1' } }, excludedImages: ['nginx:1.25'], reason: 'disk pressure on rack 1' },
  subject: someAgents<Input>('agents', (i) => i.agents),
  approval: ({ subject, input }) => `PRUNE_IMAGES on ${subject.agents.length} agent(s) (${describeSelection(input.agents)})`,
  facts: (): PruneFacts => ({ outcomes: [] }),
  steps: () => [
    step<RunContext<Input, AgentsSubject, PruneFacts>>({
      name: 'prune images',
      action: (ctx) => `PRUNE_IMAGES on ${ctx.subject.agents.length} agent(s), at most ${ctx.input.concurrency} at once: ${ctx.subject.agents.map((a) => a.hostname).join(', ') || describeSelection(ctx.input.agents)}${ctx.input.excludedImages.length ? `; keeping ${ctx.input.excludedImages.join(', ')}` : ''}`,
      write: async (ctx) => {
        ctx.facts.outcomes = await eachAgent(ctx.subject.agents, ctx.input.concurrency, ctx.control, async (agent) => {
          const r = await actEach.pruneImages(`PRUNE_IMAGES on ${agent.hostname}`, { cluster: ctx.cluster, agentId: agent.agentId, excludedImages: ctx.input.excludedImages });
          return r.note;
        });
        return { applied: true, note: summarizeOutcomes(ctx.facts.outcomes) };
      },
      done: (ctx) => summarizeOutcomes(ctx.facts.outcomes),
      cannotUndo: () => 'pruned images are gone from the agents that pruned them: they are pulled again when a task needs them',
    }),
  ],
  result: ({ cluster, subject, facts }): PruneImagesResult => {
    const agents = [...facts.outcomes, ...subject.excluded.map((e): AgentOutcome => ({ agentId: e.agentId, hostname: e.hostname, outcome: 'skipped', reason: e.reason }))];
    return { cluster, agents, summary: summarizeOutcomes(agents), note: NOTE };
  },
});
