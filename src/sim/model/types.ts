/**
 * The in-memory cluster model's records. JSON views of them live in views.ts.
 */
import type { Resource } from './resources';

/** Task states of mesos.proto `TaskState`. */
export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

const TERMINAL: ReadonlySet<TaskState> = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** True for states after which a task never runs again. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

/** One TaskStatus the agent reported. */
export interface TaskStatusRecord {
  state: TaskState;
  /** Wall-clock seconds (Mesos writes a double). */
  timestamp: number;
  uuid: string;
  source: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  reason?: string;
  message?: string;
}

/**
 * The executor container a task runs in, as the agent merges it into each status update it forwards
 * (`Slave::_statusUpdate`): the container id, the executor's pid, and the agent's own IP as the container's.
 */
export interface TaskContainer {
  id: string;
  executorPid: number;
  ip: string;
}

/** A task as the master tracks it. */
export interface Task {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  executorId?: string;
  state: TaskState;
  statuses: TaskStatusRecord[];
  resources: Resource[];
  /** The task's kill grace period in simulated ms; undefined means Mesos's default (3 s). */
  killGraceMs?: number;
  /** How long the process takes to exit after SIGTERM, in simulated ms (seeded). */
  stopAfterTermMs: number;
  command: string;
  /** The executor container (undefined for tasks loaded without one). */
  container?: TaskContainer;
  labels?: { key: string; value?: string }[];
  /** True once the framework acknowledged the latest terminal update. */
  acknowledged: boolean;
  /** A kill in progress (its timer), so a re-drain does not double-kill. */
  killing?: { deadlineMs: number; cancel(): void };
  /** JSON fields of a loaded (rehearsal) task that the simulator does not model, written back verbatim. */
  extra?: Record<string, unknown>;
  /** Id of the task a relaunching framework started in its place ('' while it waits for an offer). */
  replacedBy?: string;
  /** Cached JSON text of the task view; cleared on every change. */
  jsonCache?: string;
}

/** Drain state of an agent in the registry. */
export interface DrainInfo {
  state: 'DRAINING' | 'DRAINED';
  maxGraceNs?: bigint;
  markGone: boolean;
}

/**
 * Where an agent is from the master's point of view.
 * - `registered`: registered and connected;
 * - `disconnected`: registered, but its process is down (`active=false`);
 * - `unreachable`: marked unreachable (not in GET_AGENTS);
 * - `removed`: shut down by the master (maintenance) — its process will come back as a new agent;
 * - `gone`: marked gone; refused forever;
 * - `recovered`: known from the registry after a master failover, not yet re-registered with the new leader.
 */
export type AgentStatus = 'registered' | 'disconnected' | 'unreachable' | 'removed' | 'gone' | 'recovered';

/** An agent. */
export interface Agent {
  id: string;
  /** Sequence number n of the `-S<n>` id suffix. */
  seq: number;
  hostname: string;
  /** The MachineID ip (data only; nothing connects to it). */
  ip: string;
  /** The port of the agent's own HTTP endpoint (0 until opened). */
  port: number;
  status: AgentStatus;
  /** True while the agent process is stopped (it cannot re-register). */
  processDown?: boolean;
  deactivated: boolean;
  drain?: DrainInfo;
  /** Wall-clock ns when DRAIN_AGENT was applied while registered, in this leader's lifetime. */
  estimatedDrainStartNs?: bigint;
  attributes: { name: string; text?: string; scalar?: number }[];
  /** Resources the agent started with (AgentInfo.resources). */
  infoResources: Resource[];
  /** The master's view of the agent's resources, including reservations and volumes. */
  totalResources: Resource[];
  capabilities: string[];
  version: string;
  registeredNs: bigint;
  reregisteredNs?: bigint;
  /** Ids of tasks the master holds for this agent (non-terminal, or terminal not yet acknowledged). */
  taskIds: Set<string>;
  extra?: Record<string, unknown>;
  /** Cached JSON text of the agent view; cleared on every change. */
  jsonCache?: string;
}

/** A framework. */
export interface Framework {
  id: string;
  name: string;
  role: string;
  principal?: string;
  user: string;
  hostname: string;
  capabilities: string[];
  registeredNs: bigint;
  active: boolean;
  /** Whether the simulated scheduler acknowledges status updates (false produces a stuck DRAINING). */
  acknowledges: boolean;
  /** Whether the scheduler relaunches killed or lost tasks elsewhere (a Marathon-like service scheduler). */
  relaunches?: boolean;
  partitionAware: boolean;
  failoverTimeout: number;
  checkpoint: boolean;
  extra?: Record<string, unknown>;
}

/** An operator-API operation (RESERVE etc.) as GET_OPERATIONS shows it while pending. */
export interface Operation {
  /** The operation's UUID: base64 of its 16 bytes (`bytes` in JSON). */
  uuid: string;
  agentId: string;
  /** `Offer.Operation`: `{type, <kind>: {...}}` (e.g. `{type: 'RESERVE', reserve: {resources}}`). */
  info: { type: string } & Record<string, unknown>;
  state: 'OPERATION_PENDING' | 'OPERATION_FINISHED';
}
