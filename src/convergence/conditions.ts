/**
 * What a run can wait for, as plain data, and how one GET_AGENTS answers it. Pure: the watcher activity evaluates
 * conditions against its shared read, the watcher workflow validates them in its Update validator, and runs build
 * them, so this module imports nothing that does I/O (only types from src/mesos).
 */
import { z } from 'zod';
import type { Agent, GetAgents } from '../mesos';

const agentId = z.string({ error: 'must be an agent id string' }).min(1, 'must be a non-empty agent id');

/** A registered agent with `drain_info.state` DRAINED (spec §4: every task terminal and acknowledged). */
export const AgentDrainedConditionSchema = z.object({ kind: z.literal('agentDrained'), agentId }).strict();
/** The agent is no longer among GET_AGENTS' registered agents (removed, unreachable, marked gone). */
export const AgentRemovedConditionSchema = z.object({ kind: z.literal('agentRemoved'), agentId }).strict();
/**
 * A registered agent runs on the machine: hostname equal case-insensitively, and the ip from its pid
 * (`slave(1)@IP:PORT`) equal exactly — the MachineID Mesos matches in the maintenance schedule. `excludeAgentId`
 * skips one agent (the old id of an agent that comes back under a new one, spec §10).
 */
export const AgentOnMachineConditionSchema = z
  .object({
    kind: z.literal('agentOnMachine'),
    hostname: z.string({ error: 'must be a hostname string' }).min(1, 'must be a non-empty hostname'),
    ip: z.string({ error: 'must be an ip string' }).min(1, 'must be a non-empty ip'),
    excludeAgentId: agentId.optional(),
  })
  .strict();
/** A registered agent that is active, not deactivated, and has no drain info (e.g. after REACTIVATE_AGENT). */
export const AgentActiveConditionSchema = z.object({ kind: z.literal('agentActive'), agentId }).strict();

/** Every condition a run can wait for, discriminated on `kind`. */
export const ConditionSchema = z.discriminatedUnion(
  'kind',
  [AgentDrainedConditionSchema, AgentRemovedConditionSchema, AgentOnMachineConditionSchema, AgentActiveConditionSchema],
  { error: (issue) => (issue.code === 'invalid_union' ? 'must be one of agentDrained, agentRemoved, agentOnMachine, agentActive' : undefined) },
);
export type Condition = z.infer<typeof ConditionSchema>;
export type ConditionKind = Condition['kind'];

/** What the read showed about the agent a condition is about: small and JSON-safe (it goes into histories). */
export interface Observation {
  agentId?: string;
  hostname?: string;
  ip?: string;
  active?: boolean;
  deactivated?: boolean;
  drainState?: 'NONE' | 'DRAINING' | 'DRAINED';
  /** True when the agent (or, for agentOnMachine, an agent on the machine) is among the registered agents. */
  registered: boolean;
}

export interface Evaluation {
  met: boolean;
  observation: Observation;
}

/** The part of a GET_AGENTS response conditions read. */
export type AgentsView = Pick<GetAgents, 'agents'>;

/** The agents and machine a condition is about: the watcher routes SUBSCRIBE events to waits with it. */
export interface Concern {
  agentIds: string[];
  machine?: { hostname: string; ip: string };
}

/** `slave(1)@10.0.0.3:5051` → `10.0.0.3`: the ip Mesos uses in the agent's MachineID. */
export function ipFromPid(pid: string | undefined): string | undefined {
  const match = pid ? /@([^:@]+):\d+$/.exec(pid) : null;
  return match ? match[1] : undefined;
}

/** A short description for logs and progress ("agent S1 DRAINED"). */
export function describeCondition(c: Condition): string {
  switch (c.kind) {
    case 'agentDrained':
      return `agent ${c.agentId} DRAINED`;
    case 'agentRemoved':
      return `agent ${c.agentId} removed`;
    case 'agentOnMachine':
      return `an agent registered on ${c.hostname}/${c.ip}${c.excludeAgentId ? ` other than ${c.excludeAgentId}` : ''}`;
    case 'agentActive':
      return `agent ${c.agentId} active`;
  }
}

/** Evaluates `condition` against one GET_AGENTS answer. */
export function evaluate(condition: Condition, view: AgentsView): Evaluation {
  switch (condition.kind) {
    case 'agentDrained': {
      const agent = byId(view, condition.agentId);
      return { met: agent?.drain_info?.state === 'DRAINED', observation: observe(agent, condition.agentId) };
    }
    case 'agentRemoved': {
      const agent = byId(view, condition.agentId);
      return { met: agent === undefined, observation: observe(agent, condition.agentId) };
    }
    case 'agentActive': {
      const agent = byId(view, condition.agentId);
      const met = agent !== undefined && agent.active && !agent.deactivated && agent.drain_info === undefined;
      return { met, observation: observe(agent, condition.agentId) };
    }
    case 'agentOnMachine': {
      const agent = view.agents.find((a) => a.agent_info.id?.value !== condition.excludeAgentId && onMachine(a, condition));
      if (agent) return { met: true, observation: observe(agent) };
      return { met: false, observation: { hostname: condition.hostname, ip: condition.ip, registered: false } };
    }
  }
}

/** The agents and machine `condition` is about. */
export function concernOf(condition: Condition): Concern {
  if (condition.kind === 'agentOnMachine') return { agentIds: [], machine: { hostname: condition.hostname, ip: condition.ip } };
  return { agentIds: [condition.agentId] };
}

/**
 * True when news about the agent (a task of it turned terminal, it was added or removed) may change `condition`.
 * `hostname`/`ip` are known for AGENT_ADDED (its payload is a whole agent entry), not for the other events.
 */
export function concernsAgent(condition: Condition, agent: { agentId?: string; hostname?: string; ip?: string }): boolean {
  const concern = concernOf(condition);
  if (agent.agentId !== undefined && concern.agentIds.includes(agent.agentId)) return true;
  if (!concern.machine || agent.hostname === undefined) return false;
  return agent.hostname.toLowerCase() === concern.machine.hostname.toLowerCase() && agent.ip === concern.machine.ip;
}

function byId(view: AgentsView, id: string): Agent | undefined {
  return view.agents.find((a) => a.agent_info.id?.value === id);
}

function onMachine(agent: Agent, machine: { hostname: string; ip: string }): boolean {
  return agent.agent_info.hostname.toLowerCase() === machine.hostname.toLowerCase() && ipFromPid(agent.pid) === machine.ip;
}

function observe(agent: Agent | undefined, id?: string): Observation {
  if (!agent) return { ...(id !== undefined ? { agentId: id } : {}), registered: false };
  const state = agent.drain_info?.state;
  const ip = ipFromPid(agent.pid);
  return {
    agentId: agent.agent_info.id?.value ?? id,
    hostname: agent.agent_info.hostname,
    ...(ip !== undefined ? { ip } : {}),
    active: agent.active,
    deactivated: agent.deactivated,
    drainState: state === 'DRAINING' || state === 'DRAINED' ? state : 'NONE',
    registered: true,
  };
}
