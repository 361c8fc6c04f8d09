/**
 * What activities return to workflows: small, plain, JSON-safe summaries — never raw cluster state, which can be
 * 100 MB (performance.md). Workflow code imports these by type only.
 */
import type { AgentQuery, AgentSummary, MachineRef } from '../src/agents/vocabulary';
import type { PreflightCheck } from '../src/contracts';

export type { AgentQuery, AgentSummary, MachineRef, PreflightCheck };

export interface AgentRef {
  cluster: string;
  agentId: string;
}

export interface TaskSummary {
  taskId: string;
  name: string;
  frameworkId: string;
  state: string;
}

/** An agent as one read of GET_AGENTS shows it. */
export interface AgentState {
  /** True when the agent is among the registered agents. */
  registered: boolean;
  /** True when the master lists it under `recovered_agents` (after a failover, before it re-registers). */
  recovering: boolean;
  agent?: AgentSummary;
}

export interface DrainStatus {
  /** False once the agent is no longer registered (e.g. marked gone). */
  registered: boolean;
  agent?: AgentSummary;
  /** Tasks the master still tracks on the agent (not terminal, or terminal but not yet acknowledged). */
  remainingTaskCount: number;
  /** The first few of them, for progress and diagnosis. */
  remainingTasks: TaskSummary[];
}

export interface FindAgentInput extends AgentQuery {
  cluster: string;
}

/**
 * What a start path learns of the agent an input names: registered, or recovering after a master failover (it
 * exists: the run waits for it to re-register). A missing or ambiguous agent is an `INVALID_INPUT` failure.
 */
export type FoundAgent = { kind: 'found'; agent: AgentSummary } | { kind: 'recovering'; agentId: string; hostname: string; message: string };

export interface DrainAgentActivityInput extends AgentRef {
  maxGracePeriodSeconds?: number;
  markGone?: boolean;
}

/** What a read-decide-write step did: `applied` false when the state already held and no call was made. */
export interface StepOutcome {
  applied: boolean;
  note: string;
}

export interface PreflightReport {
  agent?: AgentSummary;
  /** The agent id the input names is not listed by the master (only with `allowUnlisted`). */
  unlisted?: boolean;
  /** The principal of the run's reservations and volumes (only with `withPrincipal`): the input's or the cluster's. */
  principal?: string;
  /** Set when the agent is known only from the registry after a master failover (it has not re-registered yet). */
  recovering?: { agentId: string; hostname: string; message: string };
  mesosVersion?: string;
  checks: PreflightCheck[];
}

/** A machine's maintenance mode as the master reports it; NONE when the machine is in no schedule. */
export interface MachineMaintenance {
  mode: 'NONE' | 'DRAINING' | 'DOWN';
  inSchedule: boolean;
}
