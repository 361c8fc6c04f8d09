/**
 * What activities return to workflows: small, plain, JSON-safe summaries — never raw cluster state, which can be
 * 100 MB (performance.md). Workflow code imports these by type only.
 */

export interface AgentRef {
  cluster: string;
  agentId: string;
}

export interface AgentSummary {
  agentId: string;
  hostname: string;
  /** The machine's IP as Mesos matches it in the maintenance schedule (from the agent's pid), when known. */
  ip?: string;
  active: boolean;
  deactivated: boolean;
  /** Drain state as GET_AGENTS shows it; NONE when the agent has no drain info. */
  drainState: 'NONE' | 'DRAINING' | 'DRAINED';
  version?: string;
  capabilities: string[];
}

export interface TaskSummary {
  taskId: string;
  name: string;
  frameworkId: string;
  state: string;
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

export interface FindAgentInput {
  cluster: string;
  agentId?: string;
  hostname?: string;
}

export interface DrainAgentActivityInput extends AgentRef {
  maxGracePeriodSeconds?: number;
  markGone?: boolean;
}

/** What a read-decide-write step did: `applied` false when the state already held and no call was made. */
export interface StepOutcome {
  applied: boolean;
  note: string;
}

/** A machine as Mesos's maintenance matches it: hostname (case-insensitive) and ip (exact), both set. */
export interface MachineRef {
  hostname: string;
  ip: string;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PreflightReport {
  agent?: AgentSummary;
  mesosVersion?: string;
  checks: PreflightCheck[];
}

/** A machine's maintenance mode as the master reports it; NONE when the machine is in no schedule. */
export interface MachineMaintenance {
  mode: 'NONE' | 'DRAINING' | 'DOWN';
  inSchedule: boolean;
}
