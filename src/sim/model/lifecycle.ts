/**
 * Agent lifecycle (spec §10, issue item 6): process stop and restart (recovery under the old ID, drain state
 * kept), unreachable, removal by START_MAINTENANCE, MARK_AGENT_GONE, and the agent that comes back on a machine
 * as a new agent after it was shut down by the master.
 */
import type { Cluster } from './cluster';
import { checkAndTransitionDrainingAgent, killTasksForDrain } from './drain';
import { ApiError } from './errors';
import { agentMachine, agentsOnMachine, isDown, machineKey, type MachineId } from './maintenance';
import { isTerminal, type Agent, type TaskState } from './types';
import { taskView } from './views';

/** Capabilities of a modern (1.11) agent. */
export const AGENT_CAPABILITIES = [
  'MULTI_ROLE',
  'HIERARCHICAL_ROLE',
  'RESERVATION_REFINEMENT',
  'RESOURCE_PROVIDER',
  'RESIZE_VOLUME',
  'AGENT_OPERATION_FEEDBACK',
  'AGENT_DRAINING',
  'TASK_RESOURCE_LIMITS',
];

/** The state of a machine whose agent the master shut down: the agent comes back after the machine is up. */
const shutDownMachines = new WeakMap<Cluster, Map<string, Agent>>();

function shutDown(cluster: Cluster): Map<string, Agent> {
  let m = shutDownMachines.get(cluster);
  if (!m) {
    m = new Map();
    shutDownMachines.set(cluster, m);
  }
  return m;
}

function endTasks(cluster: Cluster, agent: Agent, stateFor: (partitionAware: boolean) => TaskState, reason: string): void {
  for (const task of cluster.tasksOf(agent)) {
    if (!isTerminal(task.state)) {
      const fw = cluster.frameworks.get(task.frameworkId);
      cluster.updateTask(task, stateFor(fw?.partitionAware === true), { reason, source: 'SOURCE_MASTER' });
    }
    task.acknowledged = true;
    cluster.removeTask(task);
  }
}

function stopProcess(cluster: Cluster, agent: Agent): void {
  cluster.hooks.agentProcessStopped?.(agent);
}

/**
 * The agent process stops (crash, restart in progress): the master keeps it registered but disconnected
 * (`active=false`), and marks it unreachable after the ping timeout (75 s simulated).
 * @throws Error for an unknown agent or one not registered.
 */
export function stopAgent(cluster: Cluster, agentId: string): void {
  const agent = cluster.agents.get(agentId);
  if (!agent) throw new Error(`Unknown agent ${agentId}`);
  if (agent.status === 'recovered' && !agent.processDown) {
    agent.processDown = true;
    stopProcess(cluster, agent);
    return;
  }
  if (agent.status !== 'registered') return;
  agent.status = 'disconnected';
  agent.processDown = true;
  for (const t of cluster.tasksOf(agent)) {
    t.killing?.cancel();
    t.killing = undefined;
  }
  cluster.touchAgent(agent);
  stopProcess(cluster, agent);
  cluster.clock.after(cluster.timings.unreachableAfterMs, () => {
    if (agent.status === 'disconnected') markUnreachable(cluster, agent.id);
  });
}

/**
 * The master marks the agent unreachable: it leaves GET_AGENTS (no AGENT_REMOVED); its tasks become
 * TASK_UNREACHABLE (partition-aware frameworks) or TASK_LOST.
 */
export function markUnreachable(cluster: Cluster, agentId: string): void {
  const agent = cluster.agents.get(agentId);
  if (!agent || (agent.status !== 'registered' && agent.status !== 'disconnected' && agent.status !== 'recovered')) return;
  if (!agent.processDown) stopProcess(cluster, agent);
  agent.processDown = true;
  agent.status = 'unreachable';
  for (const task of cluster.tasksOf(agent)) {
    task.killing?.cancel();
    task.killing = undefined;
    const fw = cluster.frameworks.get(task.frameworkId);
    if (!isTerminal(task.state) && fw?.partitionAware) {
      cluster.updateTask(task, 'TASK_UNREACHABLE', { reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER' });
      cluster.tasks.delete(task.id);
      agent.taskIds.delete(task.id);
      cluster.unreachableTasks.set(task.id, task);
    } else {
      if (!isTerminal(task.state)) cluster.updateTask(task, 'TASK_LOST', { reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER' });
      task.acknowledged = true;
      cluster.removeTask(task);
    }
  }
  cluster.touchAgent(agent);
}

/**
 * The agent process starts again. An agent that was only stopped (or unreachable) recovers and re-registers under
 * its old ID with its drain state; one the master shut down (maintenance, gone) registers as a new agent.
 * @returns the agent now registered for that machine, or undefined when the machine is DOWN (refused).
 */
export async function restartAgent(cluster: Cluster, agentId: string): Promise<Agent | undefined> {
  const agent = cluster.agents.get(agentId);
  if (!agent) throw new Error(`Unknown agent ${agentId}`);
  if (isDown(cluster, agentMachine(agent))) return undefined;
  if (agent.status === 'removed' || agent.status === 'gone') return registerNewAgentOnMachine(cluster, agent);
  if (agent.status === 'registered') return agent;
  const wasUnreachable = agent.status === 'unreachable';
  const wasRecovered = agent.status === 'recovered';
  const port = await cluster.hooks.agentProcessStarted?.(agent);
  if (port !== undefined) agent.port = port;
  agent.processDown = false;
  if (wasRecovered) {
    reregisterRecovered(cluster, agent);
    return agent;
  }
  agent.status = 'registered';
  agent.reregisteredNs = cluster.clock.nowNanos();
  if (wasUnreachable) {
    cluster.addAgent(agent);
    for (const task of [...cluster.unreachableTasks.values()]) {
      if (task.agentId !== agent.id) continue;
      cluster.unreachableTasks.delete(task.id);
      task.state = 'TASK_RUNNING';
      task.jsonCache = undefined;
      cluster.tasks.set(task.id, task);
      agent.taskIds.add(task.id);
      cluster.updateTaskAfterReregistration(task);
    }
  }
  cluster.touchAgent(agent);
  if (agent.drain?.state === 'DRAINING') killTasksForDrain(cluster, agent);
  checkAndTransitionDrainingAgent(cluster, agent);
  return agent;
}

/**
 * A master failover: the new leader recovers every registered agent from the registry as `recovered` (listed in
 * GET_AGENTS `recovered_agents`, its tasks unknown); each running agent re-registers after about `reregisterMs`
 * (seeded jitter), publishing AGENT_ADDED and TASK_ADDED; one that does not re-register within
 * `reregisterTimeoutMs` (agent_reregister_timeout, 10 min) is marked unreachable.
 */
export function recoverAfterFailover(cluster: Cluster, reregisterMs: number, reregisterTimeoutMs: number): void {
  for (const agent of cluster.registeredAgents()) {
    agent.status = 'recovered';
    agent.estimatedDrainStartNs = undefined;
    cluster.touchAgent(agent);
    if (!agent.processDown) {
      const delay = reregisterMs * cluster.rng.between(0.5, 1.5);
      if (delay <= 0) reregisterRecovered(cluster, agent);
      else cluster.clock.after(delay, () => reregisterRecovered(cluster, agent));
    }
    cluster.clock.after(reregisterTimeoutMs, () => {
      if (agent.status === 'recovered') markUnreachable(cluster, agent.id);
    });
  }
}

/** A recovered agent re-registers with the new leader (AGENT_ADDED, its tasks TASK_ADDED, drain resumed). */
export function reregisterRecovered(cluster: Cluster, agent: Agent): void {
  if (agent.status !== 'recovered' || agent.processDown) return;
  agent.status = 'registered';
  agent.reregisteredNs = cluster.clock.nowNanos();
  cluster.addAgent(agent);
  for (const task of cluster.tasksOf(agent)) {
    cluster.events.publish({ type: 'TASK_ADDED', build: () => ({ type: 'TASK_ADDED', task_added: { task: taskView(cluster, task) } }) });
  }
  // The drain is re-sent to the agent; estimated_drain_start_time stays absent in this master's lifetime.
  if (agent.drain?.state === 'DRAINING') killTasksForDrain(cluster, agent);
  checkAndTransitionDrainingAgent(cluster, agent);
}

/** A new agent (new ID, active, no drain info) for the machine of `old`. */
export async function registerNewAgentOnMachine(cluster: Cluster, old: Agent): Promise<Agent | undefined> {
  if (isDown(cluster, agentMachine(old))) return undefined;
  const existing = agentsOnMachine(cluster, agentMachine(old));
  if (existing.length > 0) return existing[0];
  const { id, seq } = cluster.newAgentId();
  const now = cluster.clock.nowNanos();
  const agent: Agent = {
    ...old,
    id,
    seq,
    status: 'registered',
    processDown: false,
    deactivated: false,
    drain: undefined,
    estimatedDrainStartNs: undefined,
    totalResources: old.infoResources.map((r) => ({ ...r })),
    registeredNs: now,
    reregisteredNs: undefined,
    taskIds: new Set(),
    extra: undefined,
    jsonCache: undefined,
  };
  delete agent.drain;
  delete agent.estimatedDrainStartNs;
  delete agent.reregisteredNs;
  delete agent.extra;
  const port = await cluster.hooks.agentProcessStarted?.(agent);
  if (port !== undefined) agent.port = port;
  shutDown(cluster).delete(machineKey(agentMachine(old)));
  cluster.addAgent(agent);
  return agent;
}

/**
 * START_MAINTENANCE's effect on an agent: shut down and removed; tasks TASK_LOST/REASON_AGENT_REMOVED;
 * AGENT_REMOVED published. Its machine's agent comes back after STOP_MAINTENANCE.
 */
export function removeAgentForMaintenance(cluster: Cluster, agent: Agent): void {
  endTasks(cluster, agent, () => 'TASK_LOST', 'REASON_AGENT_REMOVED');
  if (!agent.processDown) stopProcess(cluster, agent);
  agent.processDown = true;
  agent.status = 'removed';
  agent.drain = undefined;
  agent.deactivated = false;
  agent.estimatedDrainStartNs = undefined;
  cluster.touchAgent(agent);
  cluster.count('master/slave_removals');
  shutDown(cluster).set(machineKey(agentMachine(agent)), agent);
  cluster.publishAgentRemoved(agent.id);
}

/** After STOP_MAINTENANCE: each machine whose agent was shut down gets it back, as a new agent, after the delay. */
export function scheduleMachineReturn(cluster: Cluster, machines: MachineId[]): void {
  for (const m of machines) {
    const old = shutDown(cluster).get(machineKey(m));
    if (!old) continue;
    cluster.clock.after(cluster.timings.agentReturnDelayMs, () => {
      void registerNewAgentOnMachine(cluster, old);
    });
  }
}

/**
 * MARK_AGENT_GONE / drain with mark_gone: tasks TASK_GONE_BY_OPERATOR (partition-aware) or TASK_LOST with
 * REASON_AGENT_REMOVED_BY_OPERATOR; drain and deactivation erased; the agent vanishes with no AGENT_REMOVED.
 */
export function markGone(cluster: Cluster, agent: Agent): void {
  const wasRunning = !agent.processDown;
  const unreachable = [...cluster.unreachableTasks.values()].filter((t) => t.agentId === agent.id);
  for (const t of unreachable) {
    cluster.unreachableTasks.delete(t.id);
    t.state = 'TASK_UNKNOWN';
    agent.taskIds.add(t.id);
    cluster.tasks.set(t.id, t);
  }
  if (agent.status === 'recovered') {
    // The new leader does not know a recovered agent's tasks: they leave without status updates.
    for (const t of cluster.tasksOf(agent)) {
      t.killing?.cancel();
      cluster.tasks.delete(t.id);
    }
    agent.taskIds.clear();
  } else endTasks(cluster, agent, (pa) => (pa ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST'), 'REASON_AGENT_REMOVED_BY_OPERATOR');
  if (wasRunning) stopProcess(cluster, agent);
  agent.processDown = true;
  agent.status = 'gone';
  agent.drain = undefined;
  agent.deactivated = false;
  agent.estimatedDrainStartNs = undefined;
  cluster.touchAgent(agent);
  shutDown(cluster).set(machineKey(agentMachine(agent)), agent);
}

/**
 * MARK_AGENT_GONE.
 * @throws ApiError 404 `Agent '<id>' not found` when the agent is neither registered nor unreachable.
 */
export function markAgentGone(cluster: Cluster, agentId: string): void {
  const agent = cluster.agents.get(agentId);
  if (agent?.status === 'gone') return;
  if (!agent || agent.status === 'removed') throw new ApiError(404, `Agent '${agentId}' not found`);
  markGone(cluster, agent);
}
