import { ApplicationFailure } from '@temporalio/common';
import { selectAgents, type AgentSelection } from '../src/agents/selection';
import { summarizeAgent, type AgentSummary } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import { invalidInput, runbookFailure } from '../src/contracts';
import { asActivity } from './errors';
import type { StepOutcome } from './types';

export interface ImageActivityDeps {
  clusters: ClusterRegistry;
}

/** The agents a selection names now, and those it left out (draining). */
export interface SelectedAgents {
  agents: AgentSummary[];
  excluded: { agentId: string; hostname: string; reason: string }[];
}

/**
 * Activities of runbooks over several agents: resolve an agent selection (src/agents/selection.ts) against GET_AGENTS,
 * and PRUNE_IMAGES on one agent's own API.
 */
export function createImageActivities({ clusters }: ImageActivityDeps) {
  return {
    /**
     * The registered agents `selection` names. Fails non-retryably with `INVALID_INPUT` naming the field when a named
     * agent is not registered or the selection is empty.
     */
    async selectAgents(input: { cluster: string; selection: AgentSelection; field?: string }): Promise<SelectedAgents> {
      return asActivity(async () => {
        const result = selectAgents(await clusters.agents(input.cluster), input.selection, input.cluster, input.field);
        if (!result.ok) throw invalidInput(result.message);
        return { agents: result.agents.map(summarizeAgent), excluded: result.excluded };
      });
    },

    /**
     * PRUNE_IMAGES on the agent's own endpoint (from its GET_AGENTS entry), keeping `excludedImages` (Docker image
     * references) besides the agent's `--image_gc_config` exclusions. PRUNE_IMAGES is safe to repeat: a retry after
     * a lost answer prunes nothing more. A 500 (the provisioner failed) or an unreachable agent is retryable; an agent
     * no longer registered is `AGENT_GONE`. Mesos does not say what it removed.
     */
    async pruneImages(input: { cluster: string; agentId: string; excludedImages: string[] }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const entry = (await clusters.agents(input.cluster)).agents.find((a) => a.agent_info.id?.value === input.agentId);
        if (!entry) throw runbookFailure('AGENT_GONE', `agent ${input.agentId} is no longer registered in cluster '${input.cluster}'`);
        let agent;
        try {
          agent = master.agent(entry);
        } catch (err) {
          throw ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message: `agent ${input.agentId}: no usable address (${(err as Error).message})` });
        }
        try {
          await agent.pruneImages({ excludedImages: input.excludedImages.map((name) => ({ type: 'DOCKER', docker: { name } })) });
        } finally {
          await agent.close();
        }
        return { applied: true, note: `PRUNE_IMAGES accepted by ${entry.agent_info.hostname}${input.excludedImages.length ? ` (kept ${input.excludedImages.join(', ')})` : ''}` };
      });
    },
  };
}

export type ImageActivities = ReturnType<typeof createImageActivities>;
