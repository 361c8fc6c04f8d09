/**
 * The cluster model: the master's registry and in-memory state (agents, frameworks, tasks, maintenance,
 * quota, weights), shared by every simulated master. Operations on it live in drain.ts, maintenance.ts,
 * reservations.ts, quota.ts and lifecycle.ts; JSON views in views.ts.
 */
import { createHash } from 'node:crypto';
import type { SimClock } from '../clock';
import { EventBus } from '../events';
import type { Rng } from '../random';
import { isTerminal, type Agent, type Framework, type Operation, type Task, type TaskContainer, type TaskState, type TaskStatusRecord } from './types';
import type { MaintenanceState } from './maintenance';
import { emptyMaintenance } from './maintenance';
import { taskStatusJson, taskView, frameworkView, agentView } from './views';
import { maybeRelaunch } from './scheduler';

/** Tunables of simulated behaviour, in simulated milliseconds. */
export interface ModelTimings {
  /** Mesos's default kill grace period (3 s). */
  defaultKillGraceMs: number;
  /** Delay between a terminal update and the framework's acknowledgement. */
  ackDelayMs: number;
  /** Extra time between the end of a task's stop and the terminal update reaching the master. */
  killLatencyMs: number;
  /** Until a relaunching framework gets an offer for a replacement task. */
  relaunchOfferDelayMs: number;
  /** A replacement task's STAGING → RUNNING time. */
  relaunchStartMs: number;
  /** Delay before a machine's agent comes back after STOP_MAINTENANCE (or MARK_AGENT_GONE + restart). */
  agentReturnDelayMs: number;
  /** Time a stopped agent stays registered-but-disconnected before being marked unreachable (15 s × 5). */
  unreachableAfterMs: number;
  /** How long an operator-API operation stays OPERATION_PENDING in GET_OPERATIONS. */
  operationPendingMs: number;
}

/** Default timings. */
export const DEFAULT_TIMINGS: ModelTimings = {
  defaultKillGraceMs: 3000,
  ackDelayMs: 20,
  killLatencyMs: 50,
  relaunchOfferDelayMs: 1000,
  relaunchStartMs: 2000,
  agentReturnDelayMs: 5000,
  unreachableAfterMs: 75_000,
  operationPendingMs: 500,
};

/** Hooks the HTTP layer gives the model (agent endpoints opening and closing with the agent process). */
export interface ModelHooks {
  /** The agent process (re)started: open its endpoint; resolves to the port. */
  agentProcessStarted?(agent: Agent): Promise<number> | number;
  /** The agent process stopped: close its endpoint. */
  agentProcessStopped?(agent: Agent): void;
}

/** The cluster model. */
export class Cluster {
  readonly agents = new Map<string, Agent>();
  readonly frameworks = new Map<string, Framework>();
  /** Tasks the master holds (live, or terminal and not yet acknowledged). */
  readonly tasks = new Map<string, Task>();
  /** Terminal, acknowledged tasks (newest last), capped like `max_completed_tasks_per_framework`. */
  readonly completedTasks: Task[] = [];
  /** Tasks of unreachable agents. */
  readonly unreachableTasks = new Map<string, Task>();
  readonly completedFrameworks: Framework[] = [];
  readonly operations: Operation[] = [];
  readonly events = new EventBus();
  maintenance: MaintenanceState = emptyMaintenance();
  /** Quota configs by role. */
  readonly quotas = new Map<string, { guarantees: Record<string, number>; limits: Record<string, number> }>();
  /** Weights set explicitly, by role. */
  readonly weights = new Map<string, number>();
  /** Roles whitelist (`--roles`); undefined means any role. */
  rolesWhitelist: string[] | undefined;
  /**
   * How long a task of a framework takes to stop after SIGTERM, simulated ms (Infinity: it ignores SIGTERM and is
   * killed at the end of its grace period), by framework name or id, else `default`; unset: the seeded draw.
   */
  taskExit: { default?: number; frameworks: Record<string, number> } | undefined;
  /** Sequence for new agent ids. */
  nextAgentSeq = 0;
  nextFrameworkSeq = 0;
  /** Counters for GET_METRICS. */
  readonly counters: Record<string, number> = {};
  /** Bumped on every change; views use it to cache whole responses. */
  version = 0;
  readonly timings: ModelTimings;
  hooks: ModelHooks = {};

  constructor(
    readonly clusterId: string,
    readonly clock: SimClock,
    readonly rng: Rng,
    timings: Partial<ModelTimings> = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
  }

  /**
   * The time a new task of `frameworkId` takes to stop after SIGTERM, simulated ms: the {@link taskExit} model when
   * set, else a seeded draw from 0.2 to 4 s. The draw is made either way, so a model shifts no other seeded value.
   */
  taskExitMs(frameworkId: string): number {
    const drawn = Math.round(this.rng.between(200, 4000));
    const model = this.taskExit;
    if (!model) return drawn;
    const name = this.frameworks.get(frameworkId)?.name;
    return model.frameworks[frameworkId] ?? (name !== undefined ? model.frameworks[name] : undefined) ?? model.default ?? drawn;
  }

  /** Increments a metric counter. */
  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  /** Told after every change of the model (a rehearsal times what the cluster did); must not change the model. */
  onChange?: () => void;

  /** Marks the model changed (invalidates cached whole-response views). */
  touch(): void {
    this.version++;
    this.onChange?.();
  }

  /** Marks an agent changed (invalidates its cached view). */
  touchAgent(agent: Agent): void {
    agent.jsonCache = undefined;
    this.version++;
    this.onChange?.();
  }

  /** A new agent id `<cluster>-S<n>`. */
  newAgentId(): { id: string; seq: number } {
    const seq = this.nextAgentSeq++;
    return { id: `${this.clusterId}-S${seq}`, seq };
  }

  /** Agents the master lists in GET_AGENTS (registered, connected or not). */
  registeredAgents(): Agent[] {
    const out: Agent[] = [];
    for (const a of this.agents.values()) if (a.status === 'registered' || a.status === 'disconnected') out.push(a);
    return out;
  }

  /** True when the agent is registered and connected. */
  isActive(agent: Agent): boolean {
    return agent.status === 'registered' && !agent.deactivated;
  }

  /** Adds (registers) an agent and publishes AGENT_ADDED. */
  addAgent(agent: Agent): void {
    this.agents.set(agent.id, agent);
    this.touch();
    this.publishAgentAdded(agent);
  }

  /** Publishes AGENT_ADDED for an agent. */
  publishAgentAdded(agent: Agent): void {
    this.events.publish({ type: 'AGENT_ADDED', build: () => ({ type: 'AGENT_ADDED', agent_added: { agent: agentView(this, agent) } }) });
  }

  /** Publishes AGENT_REMOVED for an agent id. */
  publishAgentRemoved(agentId: string): void {
    this.events.publish({ type: 'AGENT_REMOVED', build: () => ({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } }) });
  }

  /** Adds a framework and publishes FRAMEWORK_ADDED. */
  addFramework(fw: Framework): void {
    this.frameworks.set(fw.id, fw);
    this.touch();
    this.events.publish({
      type: 'FRAMEWORK_ADDED',
      build: () => ({ type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkView(this, fw, { forEvent: true }) } }),
    });
  }

  /** Launches a task (TASK_ADDED, then its status updates). */
  addTask(task: Task): void {
    this.tasks.set(task.id, task);
    this.agents.get(task.agentId)?.taskIds.add(task.id);
    this.touch();
    this.events.publish({ type: 'TASK_ADDED', build: () => ({ type: 'TASK_ADDED', task_added: { task: taskView(this, task) } }) });
  }

  /**
   * The executor container of a new task on `agent`: an id and pid derived from the task id (no draws from the
   * seeded generator, so adding containers shifts no other seeded value) and the agent's own IP.
   */
  newTaskContainer(taskId: string, agent: Agent): TaskContainer {
    const h = createHash('sha256').update(`${this.clusterId}/${taskId}`).digest();
    h[6] = ((h[6] ?? 0) & 0x0f) | 0x40;
    h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
    const hex = h.subarray(0, 16).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { id, executorPid: 1000 + (h.readUInt16BE(16) % 30000), ip: agent.ip };
  }

  /** Creates a TaskStatus record with a seeded uuid. */
  newStatus(state: TaskState, source: TaskStatusRecord['source'], reason?: string, message?: string): TaskStatusRecord {
    const st: TaskStatusRecord = { state, timestamp: this.clock.nowSeconds(), uuid: this.rng.uuidBytes(), source };
    if (reason !== undefined) st.reason = reason;
    if (message !== undefined) st.message = message;
    return st;
  }

  /**
   * Applies a status update from the agent: records it, publishes TASK_UPDATED when the state changes, and for a
   * terminal state lets the framework acknowledge it (unless the framework never acknowledges).
   */
  updateTask(task: Task, state: TaskState, opts: { reason?: string; message?: string; source?: TaskStatusRecord['source'] } = {}): void {
    if (isTerminal(task.state)) return;
    const status = this.newStatus(state, opts.source ?? 'SOURCE_EXECUTOR', opts.reason, opts.message);
    const changed = task.state !== state;
    task.statuses.push(status);
    task.state = state;
    task.jsonCache = undefined;
    this.touch();
    this.count(`master/tasks_${state.slice(5).toLowerCase()}`);
    if (changed) {
      this.events.publish({
        type: 'TASK_UPDATED',
        build: () => ({
          type: 'TASK_UPDATED',
          task_updated: { framework_id: { value: task.frameworkId }, status: taskStatusJson(task, status), state },
        }),
      });
    }
    if (isTerminal(state)) {
      task.killing?.cancel();
      task.killing = undefined;
      const fw = this.frameworks.get(task.frameworkId);
      maybeRelaunch(this, fw, task, { offerDelayMs: this.timings.relaunchOfferDelayMs, startMs: this.timings.relaunchStartMs });
      if (fw?.acknowledges) this.clock.after(this.timings.ackDelayMs, () => this.acknowledge(task));
    }
  }

  /**
   * The framework acknowledges the task's terminal update: the master removes the task from the agent and
   * checks whether a draining agent is now drained.
   */
  acknowledge(task: Task): void {
    if (!isTerminal(task.state) || task.acknowledged) return;
    task.acknowledged = true;
    this.removeTask(task);
    const agent = this.agents.get(task.agentId);
    if (agent) this.afterTaskRemoved?.(agent);
  }

  /** A task learned again when its agent re-registers (the agent reports it running). */
  updateTaskAfterReregistration(task: Task): void {
    task.statuses.push(this.newStatus('TASK_RUNNING', 'SOURCE_AGENT'));
    task.jsonCache = undefined;
    this.touch();
    this.events.publish({ type: 'TASK_ADDED', build: () => ({ type: 'TASK_ADDED', task_added: { task: taskView(this, task) } }) });
  }

  /** Set by drain.ts: runs `checkAndTransitionDrainingAgent` after an acknowledgement. */
  afterTaskRemoved?: (agent: Agent) => void;

  /** Moves a task from the live set to the completed list. */
  removeTask(task: Task): void {
    this.tasks.delete(task.id);
    this.agents.get(task.agentId)?.taskIds.delete(task.id);
    this.completedTasks.push(task);
    if (this.completedTasks.length > 100_000) this.completedTasks.splice(0, this.completedTasks.length - 100_000);
    const agent = this.agents.get(task.agentId);
    if (agent) agent.jsonCache = undefined;
    this.touch();
  }

  /** Live (held) tasks of an agent. */
  tasksOf(agent: Agent): Task[] {
    const out: Task[] = [];
    for (const id of agent.taskIds) {
      const t = this.tasks.get(id);
      if (t) out.push(t);
    }
    return out;
  }

  /** Sets whether a framework's scheduler acknowledges status updates; turning it on acknowledges the backlog. */
  setFrameworkAcknowledges(frameworkId: string, acknowledges: boolean): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) throw new Error(`Unknown framework ${frameworkId}`);
    fw.acknowledges = acknowledges;
    if (acknowledges) {
      for (const t of [...this.tasks.values()]) if (t.frameworkId === frameworkId && isTerminal(t.state)) this.acknowledge(t);
    }
  }
}
