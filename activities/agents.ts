import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRegistry } from '../src/clusters';
import type { Agent, GetTasks, Task } from '../src/mesos';
import { asActivity } from './errors';
import type { AgentRef, AgentSummary, DrainAgentActivityInput, DrainStatus, FindAgentInput, StepOutcome, TaskSummary } from './types';

export interface AgentActivityDeps {
  clusters: ClusterRegistry;
}

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
const SHOWN_TASKS = 10;

/**
 * Activities over one agent: find it, drain it, read its drain status, reactivate it. Each mutating activity reads
 * the state first and skips a change that already holds (design.md: read, decide, write, verify), so a retry after
 * a lost response, a worker crash or a failover never applies a change twice.
 */
export function createAgentActivities({ clusters }: AgentActivityDeps) {
  async function readAgent(cluster: string, agentId: string): Promise<Agent | undefined> {
    const { agents } = await clusters.master(cluster).getAgents();
    return agents.find((a) => a.agent_info.id?.value === agentId);
  }

  return {
    /**
     * Finds the one registered agent named by id or hostname. Fails non-retryably with `INVALID_INPUT` naming the
     * field when no agent matches, or when a hostname matches several (listing them).
     */
    async findAgent(input: FindAgentInput): Promise<AgentSummary> {
      return asActivity(async () => {
        const { agents, recovered_agents } = await clusters.master(input.cluster).getAgents();
        if (input.agentId) {
          const found = agents.find((a) => a.agent_info.id?.value === input.agentId);
          if (found) return summarizeAgent(found);
          const recovered = recovered_agents.some((a) => a.id?.value === input.agentId);
          throw invalid(
            recovered
              ? `agentId: agent '${input.agentId}' is recovered from the registry but not yet re-registered in cluster '${input.cluster}'; retry once it re-registers`
              : `agentId: no agent '${input.agentId}' is registered in cluster '${input.cluster}' (${agents.length} agents registered${sample(agents.map((a) => a.agent_info.id?.value ?? '?'))})`,
          );
        }
        const hostname = (input.hostname ?? '').toLowerCase();
        const matches = agents.filter((a) => a.agent_info.hostname.toLowerCase() === hostname);
        if (matches.length === 1) return summarizeAgent(matches[0]);
        if (matches.length === 0) {
          throw invalid(`hostname: no registered agent has hostname '${input.hostname}' in cluster '${input.cluster}'${sample(agents.map((a) => a.agent_info.hostname))}`);
        }
        throw invalid(
          `hostname: '${input.hostname}' matches ${matches.length} agents in cluster '${input.cluster}': ${matches
            .map((a) => `${a.agent_info.id?.value} (${a.pid ?? 'no pid'})`)
            .join(', ')}; give agentId instead`,
        );
      });
    },

    /**
     * DRAIN_AGENT, unless the agent already has the same drain config (then it skips: a second DRAIN_AGENT would
     * reset the state to DRAINING and re-send kills). Fails with the client's code when Mesos refuses.
     */
    async drainAgent(input: DrainAgentActivityInput): Promise<StepOutcome> {
      return asActivity(async () => {
        const agent = await readAgent(input.cluster, input.agentId);
        if (!agent) throw invalid(`agentId: agent '${input.agentId}' is no longer registered in cluster '${input.cluster}'`);
        const drain = agent.drain_info;
        if (drain && (drain.state === 'DRAINING' || drain.state === 'DRAINED') && sameConfig(drain.config, input)) {
          return { applied: false, note: `already ${drain.state}` };
        }
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
        const [agent, tasks] = await Promise.all([readAgent(input.cluster, input.agentId), master.getTasks()]);
        const remaining = remainingTasks(tasks, input.agentId);
        return {
          registered: agent !== undefined,
          agent: agent ? summarizeAgent(agent) : undefined,
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
        const agent = await readAgent(input.cluster, input.agentId);
        if (!agent) throw invalid(`agentId: agent '${input.agentId}' is no longer registered in cluster '${input.cluster}'`);
        if (!agent.deactivated) return { applied: false, note: 'agent is not deactivated' };
        await clusters.master(input.cluster).reactivateAgent({ agentId: input.agentId });
        return { applied: true, note: 'REACTIVATE_AGENT accepted' };
      });
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;

export function summarizeAgent(agent: Agent): AgentSummary {
  const state = agent.drain_info?.state;
  return {
    agentId: agent.agent_info.id?.value ?? '',
    hostname: agent.agent_info.hostname,
    ip: ipFromPid(agent.pid),
    active: agent.active,
    deactivated: agent.deactivated,
    drainState: state === 'DRAINING' || state === 'DRAINED' ? state : 'NONE',
    version: agent.version,
    capabilities: agent.capabilities.map((c) => c.type),
  };
}

/** `slave(1)@10.0.0.3:5051` → `10.0.0.3`: the ip Mesos uses in the agent's MachineID. */
export function ipFromPid(pid: string | undefined): string | undefined {
  const match = pid ? /@([^:]+):\d+$/.exec(pid) : null;
  return match ? match[1] : undefined;
}

function remainingTasks(tasks: GetTasks, agentId: string): TaskSummary[] {
  // The master keeps a task on the agent until its terminal update is acknowledged, so both kinds count.
  return [...tasks.tasks, ...tasks.unreachable_tasks]
    .filter((t) => t.agent_id?.value === agentId)
    .map((t: Task) => ({ taskId: t.task_id.value, name: t.name, frameworkId: t.framework_id?.value ?? '', state: t.state ?? 'UNKNOWN' }))
    .sort((a, b) => Number(TERMINAL.has(a.state)) - Number(TERMINAL.has(b.state)));
}

function sameConfig(config: { max_grace_period?: { nanoseconds: bigint }; mark_gone?: boolean }, input: DrainAgentActivityInput): boolean {
  const have = config.max_grace_period?.nanoseconds;
  const want = input.maxGracePeriodSeconds === undefined ? undefined : BigInt(input.maxGracePeriodSeconds) * 1_000_000_000n;
  return have === want && Boolean(config.mark_gone) === Boolean(input.markGone);
}

function sample(values: string[]): string {
  if (values.length === 0) return '';
  return `; e.g. ${values.slice(0, 5).join(', ')}${values.length > 5 ? ', ...' : ''}`;
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message });
}
