/**
 * The words every runbook, activity and condition uses about agents, defined once: terminal task states, an agent's
 * ip from its pid, what "the same machine" means, and how an agent is found by id or hostname — including right
 * after a master failover, when the new leader lists agents under `recovered_agents` until they re-register.
 * Pure (types only from src/mesos), so workflow code, activities and the watcher share it.
 */
import type { Agent, AgentInfo, GetAgents, MachineID } from '../mesos';

/** Mesos's terminal task states (include/mesos/v1/mesos.proto `TaskState`, `protobuf::isTerminalState`). */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

export function isTerminalTaskState(state: string | undefined): boolean {
  return state !== undefined && TERMINAL_TASK_STATES.has(state);
}

/** A machine as Mesos's maintenance matches it: hostname (case-insensitive) and ip (exact), both set. */
export interface MachineRef {
  hostname: string;
  ip: string;
}

/** An agent as runbooks see it: small, plain, JSON-safe (it goes into workflow histories). */
export interface AgentSummary {
  agentId: string;
  hostname: string;
  /** The machine's IP as Mesos matches it in the maintenance schedule (from the agent's pid), when known. */
  ip?: string;
  active: boolean;
  deactivated: boolean;
  /** Drain state as GET_AGENTS shows it; NONE when the agent has no drain info. */
  drainState: 'NONE' | 'DRAINING' | 'DRAINED';
  /** The drain's config when there is drain info: the max grace period (nanoseconds, a decimal string) and mark_gone. */
  drainConfig?: { maxGracePeriodNs?: string; markGone: boolean };
  version?: string;
  capabilities: string[];
}

/**
 * `slave(1)@10.0.0.3:5051` → `10.0.0.3`: the ip Mesos puts in the agent's MachineID. (The pid keeps the v0 name
 * `slave(1)` on the wire; only its address matters here.)
 */
export function ipFromPid(pid: string | undefined): string | undefined {
  const match = pid ? /@([^:@]+):\d+$/.exec(pid) : null;
  return match ? match[1] : undefined;
}

/** Mesos's MachineID equality: hostname case-insensitive, ip exact, both present. */
export function sameMachine(m: MachineID | MachineRef, machine: MachineRef): boolean {
  return m.hostname !== undefined && m.hostname.toLowerCase() === machine.hostname.toLowerCase() && m.ip === machine.ip;
}

/** The machine an agent runs on (hostname and the ip of its pid), when both are known. */
export function machineOf(agent: Agent): MachineRef | undefined {
  const ip = ipFromPid(agent.pid);
  return ip ? { hostname: agent.agent_info.hostname, ip } : undefined;
}

/** True when the registered agent runs on `machine`. */
export function runsOn(agent: Agent, machine: MachineRef): boolean {
  const own = machineOf(agent);
  return own !== undefined && sameMachine(own, machine);
}

export function summarizeAgent(agent: Agent): AgentSummary {
  const state = agent.drain_info?.state;
  return {
    agentId: agent.agent_info.id?.value ?? '',
    hostname: agent.agent_info.hostname,
    ip: ipFromPid(agent.pid),
    active: agent.active,
    deactivated: agent.deactivated,
    drainState: state === 'DRAINING' || state === 'DRAINED' ? state : 'NONE',
    ...(agent.drain_info
      ? {
          drainConfig: {
            ...(agent.drain_info.config.max_grace_period ? { maxGracePeriodNs: agent.drain_info.config.max_grace_period.nanoseconds.toString() } : {}),
            markGone: Boolean(agent.drain_info.config.mark_gone),
          },
        }
      : {}),
    version: agent.version,
    capabilities: agent.capabilities.map((c) => c.type),
  };
}

/** Which agent a runbook input names: exactly one of an agent id and a hostname. */
export interface AgentQuery {
  agentId?: string;
  hostname?: string;
}

/** The part of a GET_AGENTS answer a lookup reads. */
export type AgentsView = Pick<GetAgents, 'agents'> & Partial<Pick<GetAgents, 'recovered_agents'>>;

/**
 * What a lookup found:
 * - `found`: one registered agent;
 * - `recovering`: the master knows it from its registry after a failover but it has not re-registered yet (it is
 *   not missing: wait for it, bounded);
 * - `missing` / `ambiguous`: an input error, with the message naming the field.
 */
export type AgentLookup =
  | { kind: 'found'; agent: Agent }
  | { kind: 'recovering'; agentId: string; hostname: string; message: string }
  | { kind: 'missing'; field: 'agentId' | 'hostname'; message: string }
  | { kind: 'ambiguous'; field: 'hostname'; message: string };

/** Finds the one agent `query` names in a GET_AGENTS answer (hostnames compare case-insensitively). */
export function lookupAgent(view: AgentsView, query: AgentQuery, cluster: string): AgentLookup {
  const recovered = view.recovered_agents ?? [];
  if (query.agentId) {
    const found = view.agents.find((a) => a.agent_info.id?.value === query.agentId);
    if (found) return { kind: 'found', agent: found };
    const info = recovered.find((a) => a.id?.value === query.agentId);
    if (info) return recovering(info, cluster);
    return {
      kind: 'missing',
      field: 'agentId',
      message: `agentId: no agent '${query.agentId}' is registered in cluster '${cluster}' (${view.agents.length} agents registered${sample(view.agents.map((a) => a.agent_info.id?.value ?? '?'))})`,
    };
  }
  const hostname = (query.hostname ?? '').toLowerCase();
  const matches = view.agents.filter((a) => a.agent_info.hostname.toLowerCase() === hostname);
  if (matches.length === 1) return { kind: 'found', agent: matches[0]! };
  if (matches.length > 1) {
    return {
      kind: 'ambiguous',
      field: 'hostname',
      message: `hostname: '${query.hostname}' matches ${matches.length} agents in cluster '${cluster}': ${matches.map((a) => `${a.agent_info.id?.value} (${a.pid ?? 'no pid'})`).join(', ')}; give agentId instead`,
    };
  }
  const info = recovered.filter((a) => a.hostname.toLowerCase() === hostname);
  if (info.length === 1) return recovering(info[0]!, cluster);
  if (info.length > 1) {
    return {
      kind: 'ambiguous',
      field: 'hostname',
      message: `hostname: '${query.hostname}' matches ${info.length} agents recovered after a master failover in cluster '${cluster}': ${info.map((a) => a.id?.value).join(', ')}; give agentId instead`,
    };
  }
  return {
    kind: 'missing',
    field: 'hostname',
    message: `hostname: no registered agent has hostname '${query.hostname}' in cluster '${cluster}'${sample(view.agents.map((a) => a.agent_info.hostname))}`,
  };
}

function recovering(info: AgentInfo, cluster: string): AgentLookup {
  const agentId = info.id?.value ?? '';
  return {
    kind: 'recovering',
    agentId,
    hostname: info.hostname,
    message: `agent ${agentId} (${info.hostname}) is known to the master of cluster '${cluster}' from its registry after a failover but has not re-registered with the new leader yet`,
  };
}

function sample(values: string[]): string {
  if (values.length === 0) return '';
  return `; e.g. ${values.slice(0, 5).join(', ')}${values.length > 5 ? ', ...' : ''}`;
}
