import { ApplicationFailure } from '@temporalio/common';
import { drainSkip } from '../src/agents/decisions';
import { isTerminalTaskState, lookupAgent, summarizeAgent, type AgentsView } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import { invalidInput, runbookFailure } from '../src/contracts';
import type { Agent, GetTasks, Task } from '../src/mesos';
import { asActivity } from './errors';
import type { AgentRef, AgentState, DrainAgentActivityInput, DrainStatus, FindAgentInput, FoundAgent, StepOutcome, TaskSummary } from './types';

export interface AgentActivityDeps {
  clusters: ClusterRegistry;
}

const SHOWN_TASKS = 10;

/**
 * Activities over one agent: find it, read it, drain it, read its drain status, reactivate it. Each mutating
 * activity reads the state first and skips a change that already holds (design.md: read, decide, write, verify),
 * so a retry after a lost response, a worker crash or a failover never applies a change twice.
 *
 * Right after a master failover an agent is listed under `recovered_agents` until it re-registers: a mutating
 * activity then fails non-retryably with `AGENT_RECOVERING` (details: the agent id), and the runbook kit waits for
 * the agent to re-register before it runs the step again; it is never reported as missing.
 */
export function createAgentActivities({ clusters }: AgentActivityDeps) {
  const registeredAgent = async (cluster: string, agentId: string): Promise<Agent> => registeredIn(await clusters.agents(cluster), cluster, agentId);

  return {
    /**
     * Finds the one agent named by id or hostname, for start paths. An agent the master lists as recovered after a
     * failover is found (`recovering`), not missing. Fails non-retryably with `INVALID_INPUT` naming the field when
     * no agent matches, or when a hostname matches several (listing them).
     */
    async findAgent(input: FindAgentInput): Promise<FoundAgent> {
      return asActivity(async () => {
        const found = lookupAgent(await clusters.agents(input.cluster), input, input.cluster);
        switch (found.kind) {
          case 'found':
            return { kind: 'found', agent: summarizeAgent(found.agent) };
          case 'recovering':
            return { kind: 'recovering', agentId: found.agentId, hostname: found.hostname, message: found.message };
          default:
            throw invalidInput(found.message);
        }
      });
    },

    /**
     * One read of the agent (GET_AGENTS) for a step's decision: registered, or no longer. Fails non-retryably with
     * `AGENT_RECOVERING` while the master lists it as recovered after a failover (the kit waits, then reads again).
     */
    async readAgent(input: AgentRef): Promise<AgentState> {
      return asActivity(async () => {
        const state = agentState(await clusters.agents(input.cluster), input.agentId);
        if (state.recovering) throw recovering(input.agentId, `agent ${input.agentId} is known to the master of cluster '${input.cluster}' from its registry after a failover but has not re-registered with the new leader yet`);
        return state;
      });
    },

    /**
     * DRAIN_AGENT, unless the agent already has the same drain config (then it skips: a second DRAIN_AGENT would
     * reset the state to DRAINING and re-send kills). Fails with the client's code when Mesos refuses.
     */
    async drainAgent(input: DrainAgentActivityInput): Promise<StepOutcome> {
      return asActivity(async () => {
        const skip = drainSkip(summarizeAgent(await registeredAgent(input.cluster, input.agentId)), input);
        if (skip) return { applied: false, note: skip };
        await clusters.master(input.cluster).drainAgent({
          agentId: input.agentId,
          maxGracePeriodSeconds: input.maxGracePeriodSeconds,
          markGone: input.markGone,
        });
        return { applied: true, note: 'DRAIN_AGENT accepted' };
      });
    },

    /** The agent's drain state and the tasks the master still tracks on it (a bounded sample). */
    async agentDrainStatus(input: AgentRef): Promise<DrainStatus> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const [view, tasks] = await Promise.all([clusters.agents(input.cluster), master.getTasks()]);
        const { agent } = agentState(view, input.agentId);
        const remaining = remainingTasks(tasks, input.agentId);
        return {
          registered: agent !== undefined,
          agent,
          remainingTaskCount: remaining.length,
          remainingTasks: remaining.slice(0, SHOWN_TASKS),
        };
      });
    },

    /**
     * REACTIVATE_AGENT when the agent is deactivated; skips when it is not. Fails with `MESOS_BAD_REQUEST` while the
     * agent is DRAINING (Mesos refuses).
     */
    async reactivateAgent(input: AgentRef): Promise<StepOutcome> {
      return asActivity(async () => {
        const agent = summarizeAgent(await registeredAgent(input.cluster, input.agentId));
        // While DRAINING Mesos refuses with a 400 (MESOS_BAD_REQUEST): the caller waits for DRAINED first.
        if (!agent.deactivated) return { applied: false, note: 'agent is not deactivated' };
        await clusters.master(input.cluster).reactivateAgent({ agentId: input.agentId });
        return { applied: true, note: 'REACTIVATE_AGENT accepted' };
      });
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;

/** What one GET_AGENTS shows of an agent. */
export function agentState(view: AgentsView, agentId: string): AgentState {
  const agent = view.agents.find((a) => a.agent_info.id?.value === agentId);
  if (agent) return { registered: true, recovering: false, agent: summarizeAgent(agent) };
  return { registered: false, recovering: (view.recovered_agents ?? []).some((a) => a.id?.value === agentId) };
}

/**
 * The registered agent of a GET_AGENTS answer, or a failure: `AGENT_RECOVERING` while it re-registers after a
 * failover (the kit waits, then runs the step again), `AGENT_GONE` once it is gone.
 */
export function registeredIn(view: AgentsView, cluster: string, agentId: string): Agent {
  const found = lookupAgent(view, { agentId }, cluster);
  if (found.kind === 'found') return found.agent;
  if (found.kind === 'recovering') throw recovering(found.agentId, found.message);
  throw runbookFailure('AGENT_GONE', `agent '${agentId}' is no longer registered in cluster '${cluster}'`);
}

/** The failure of a step on an agent that re-registers after a failover: the kit waits for it, then retries. */
export function recovering(agentId: string, message: string): ApplicationFailure {
  return runbookFailure('AGENT_RECOVERING', message, [{ agentId }]);
}

function remainingTasks(tasks: GetTasks, agentId: string): TaskSummary[] {
  // The master keeps a task on the agent until its terminal update is acknowledged, so both kinds count.
  return [...tasks.tasks, ...tasks.unreachable_tasks]
    .filter((t) => t.agent_id?.value === agentId)
    .map((t: Task) => ({ taskId: t.task_id.value, name: t.name, frameworkId: t.framework_id?.value ?? '', state: t.state ?? 'UNKNOWN' }))
    .sort((a, b) => Number(isTerminalTaskState(a.state)) - Number(isTerminalTaskState(b.state)));
}
