/**
 * Agent draining (spec §4): DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT, the agent's kills with the
 * grace-period override, and the DRAINING → DRAINED transition after every terminal update is acknowledged.
 */
import type { Cluster } from './cluster';
import { ApiError } from './errors';
import { markGone } from './lifecycle';
import { agentMachine, isScheduled, machineText } from './maintenance';
import { isTerminal, type Agent, type Task } from './types';

/** DRAIN_AGENT's parameters. */
export interface DrainRequest {
  agentId: string;
  /** From the call's `max_grace_period` Duration; undefined when absent. */
  maxGraceNs?: bigint;
  markGone: boolean;
}

/** Agents the master knows for drain/deactivate: registered (connected or not) or unreachable. */
function knownAgent(cluster: Cluster, id: string): Agent | undefined {
  const a = cluster.agents.get(id);
  if (!a || a.status === 'removed' || a.status === 'gone') return undefined;
  return a;
}

const isRegistered = (a: Agent): boolean => a.status === 'registered' || a.status === 'disconnected';

/**
 * DRAIN_AGENT.
 * @throws ApiError 400 'Unknown agent', 400 when the agent's machine is in the maintenance schedule, 400 when the
 *   agent lacks AGENT_DRAINING.
 */
export function drainAgent(cluster: Cluster, req: DrainRequest): void {
  const agent = cluster.agents.get(req.agentId);
  if (agent && isRegistered(agent)) {
    const machine = agentMachine(agent);
    if (isScheduled(cluster, machine)) throw new ApiError(400, `Agent ${agent.id} is part of a maintenance schedule under Machine ${machineText(machine)}`);
    if (!agent.capabilities.includes('AGENT_DRAINING')) throw new ApiError(400, `Agent ${agent.id} is not capable of draining`);
  }
  const known = knownAgent(cluster, req.agentId);
  if (!known) throw new ApiError(400, 'Unknown agent');
  known.drain = { state: 'DRAINING', markGone: req.markGone };
  if (req.maxGraceNs !== undefined) known.drain.maxGraceNs = req.maxGraceNs;
  known.deactivated = true;
  if (isRegistered(known)) known.estimatedDrainStartNs = cluster.clock.nowNanos();
  cluster.touchAgent(known);
  if (known.status === 'registered') killTasksForDrain(cluster, known);
  checkAndTransitionDrainingAgent(cluster, known);
}

/** The agent side of a drain: kill every live task with the grace override (`Slave::drain`). */
export function killTasksForDrain(cluster: Cluster, agent: Agent): void {
  if (!agent.drain || agent.status !== 'registered') return;
  const maxGraceMs = agent.drain.maxGraceNs === undefined ? undefined : Number(agent.drain.maxGraceNs) / 1e6;
  for (const task of cluster.tasksOf(agent)) {
    if (isTerminal(task.state)) continue;
    let grace = task.killGraceMs;
    if (maxGraceMs !== undefined && (grace === undefined || grace > maxGraceMs)) grace = maxGraceMs;
    killTask(cluster, agent, task, grace ?? cluster.timings.defaultKillGraceMs, 'REASON_AGENT_DRAINING');
  }
}

/**
 * Kills one task: TASK_KILLING now (for frameworks with TASK_KILLING_STATE), the terminal update when the process
 * has stopped — after its own stop time, or SIGKILL at the end of the grace period, whichever comes first.
 */
export function killTask(cluster: Cluster, agent: Agent, task: Task, graceMs: number, reason?: string): void {
  const stopMs = Math.min(task.stopAfterTermMs, graceMs) + cluster.timings.killLatencyMs;
  if (task.killing && task.killing.deadlineMs <= Date.now() + cluster.clock.realMs(stopMs)) return;
  task.killing?.cancel();
  const fw = cluster.frameworks.get(task.frameworkId);
  if (task.state !== 'TASK_KILLING' && fw?.capabilities.includes('TASK_KILLING_STATE')) {
    cluster.updateTask(task, 'TASK_KILLING', { ...(reason ? { reason } : {}), source: 'SOURCE_EXECUTOR' });
  }
  const timer = cluster.clock.after(stopMs, () => {
    task.killing = undefined;
    if (isTerminal(task.state)) return;
    const goneByOperator = agent.drain?.markGone === true && fw?.partitionAware === true;
    cluster.updateTask(task, goneByOperator ? 'TASK_GONE_BY_OPERATOR' : 'TASK_KILLED', {
      ...(reason ? { reason } : {}),
      message: graceMs <= task.stopAfterTermMs ? 'Command terminated with signal Killed' : 'Command terminated with signal Terminated',
    });
  });
  task.killing = { deadlineMs: Date.now() + cluster.clock.realMs(stopMs), cancel: () => timer.cancel() };
}

/**
 * `Master::checkAndTransitionDrainingAgent`: a DRAINING agent with no tasks held (every terminal update
 * acknowledged) and no operations becomes DRAINED, or is marked gone when `mark_gone` was set.
 */
export function checkAndTransitionDrainingAgent(cluster: Cluster, agent: Agent): void {
  if (agent.drain?.state !== 'DRAINING' || !isRegistered(agent)) return;
  if (agent.taskIds.size > 0) return;
  if (cluster.operations.some((o) => o.agentId === agent.id && o.state === 'OPERATION_PENDING')) return;
  if (agent.drain.markGone) {
    markGone(cluster, agent);
    return;
  }
  agent.drain.state = 'DRAINED';
  cluster.touchAgent(agent);
}

/**
 * DEACTIVATE_AGENT: idempotent; does not touch drain state.
 * @throws ApiError 400 'Unknown agent'.
 */
export function deactivateAgent(cluster: Cluster, agentId: string): void {
  const agent = knownAgent(cluster, agentId);
  if (!agent) throw new ApiError(400, 'Unknown agent');
  agent.deactivated = true;
  cluster.touchAgent(agent);
}

/**
 * REACTIVATE_AGENT: clears drain info and deactivation.
 * @throws ApiError 400 'Agent is not deactivated'; 400 'Agent is still in the DRAINING state'; 409 'Agent removed
 *   while processing the call' (state cleared) for an agent that is not registered.
 */
export function reactivateAgent(cluster: Cluster, agentId: string): void {
  const agent = knownAgent(cluster, agentId);
  if (!agent || !agent.deactivated) throw new ApiError(400, 'Agent is not deactivated');
  if (agent.drain?.state === 'DRAINING') throw new ApiError(400, 'Agent is still in the DRAINING state');
  agent.drain = undefined;
  agent.deactivated = false;
  agent.estimatedDrainStartNs = undefined;
  cluster.touchAgent(agent);
  if (!isRegistered(agent)) throw new ApiError(409, 'Agent removed while processing the call');
}

/** Wires the post-acknowledgement check into the model. */
export function installDrainHooks(cluster: Cluster): void {
  cluster.afterTaskRemoved = (agent) => checkAndTransitionDrainingAgent(cluster, agent);
}
