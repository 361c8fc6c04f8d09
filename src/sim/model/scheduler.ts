/**
 * The simulated schedulers' behaviour beyond acknowledgements: a Marathon-like framework relaunches a task that
 * was killed or lost (drain, maintenance, agent gone) on another active agent with room for it, the way a
 * long-running-service scheduler does when it gets an offer. Tasks move; nothing is launched on deactivated
 * or draining agents (they get no offers).
 */
import type { Cluster } from './cluster';
import { ApiError } from './errors';
import { containsResources, formatResources, ranges, ResourceError, upgradeResource, type Resource } from './resources';
import { availableResources } from './reservations';
import { isTerminal, type Agent, type Framework, type Task } from './types';

/** Terminal states after which a service scheduler starts a replacement. */
const REPLACE_AFTER: ReadonlySet<string> = new Set(['TASK_KILLED', 'TASK_LOST', 'TASK_GONE_BY_OPERATOR', 'TASK_GONE', 'TASK_FAILED', 'TASK_DROPPED']);

/** Timings of a relaunch, simulated ms. */
export interface RelaunchTimings {
  /** Until the scheduler gets a suitable offer and launches. */
  offerDelayMs: number;
  /** STAGING → STARTING → RUNNING. */
  startMs: number;
}

/** Picks an agent with room for the resources (ports re-chosen), or undefined. */
function placement(cluster: Cluster, task: Task): { agent: Agent; resources: Resource[] } | undefined {
  const candidates = cluster.registeredAgents().filter((a) => cluster.isActive(a) && !a.drain && a.id !== task.agentId);
  const start = Math.floor(cluster.rng.next() * Math.max(1, candidates.length));
  for (let i = 0; i < candidates.length; i++) {
    const agent = candidates[(start + i) % candidates.length] as Agent;
    const avail = availableResources(cluster, agent);
    const portRange = avail.find((r) => r.name === 'ports' && r.ranges && r.reservations.length === 0)?.ranges?.range[0];
    const want = task.resources.filter((r) => r.name !== 'ports');
    const needsPort = task.resources.some((r) => r.name === 'ports');
    if (needsPort && !portRange) continue;
    const resources = needsPort && portRange ? [...want, ranges('ports', [[portRange.begin, portRange.begin]])] : want;
    if (containsResources(avail, resources)) return { agent, resources };
  }
  return undefined;
}

/** Called on every terminal update: schedules the replacement when the framework relaunches. */
export function maybeRelaunch(cluster: Cluster, fw: Framework | undefined, task: Task, timings: RelaunchTimings): void {
  if (!fw?.relaunches || !REPLACE_AFTER.has(task.state) || task.replacedBy !== undefined) return;
  task.replacedBy = '';
  const attempt = (tries: number): void => {
    if (!cluster.frameworks.has(fw.id)) return;
    const where = placement(cluster, task);
    if (!where) {
      // No offer fits yet (everything draining or full): try again later, like a scheduler waiting for offers.
      if (tries < 1000) cluster.clock.after(timings.offerDelayMs * 5, () => attempt(tries + 1));
      return;
    }
    const id = `${task.name}.${cluster.rng.uuid()}`;
    task.replacedBy = id;
    const t: Task = {
      id,
      name: task.name,
      frameworkId: fw.id,
      agentId: where.agent.id,
      state: 'TASK_STAGING',
      statuses: [],
      resources: where.resources,
      stopAfterTermMs: cluster.taskExitMs(fw.id),
      command: task.command,
      container: cluster.newTaskContainer(id, where.agent),
      acknowledged: false,
    };
    if (task.killGraceMs !== undefined) t.killGraceMs = task.killGraceMs;
    if (task.labels) t.labels = task.labels;
    cluster.addTask(t);
    cluster.touchAgent(where.agent);
    const step = (state: 'TASK_STARTING' | 'TASK_RUNNING', next?: () => void): void => {
      cluster.clock.after(timings.startMs / 2, () => {
        if (isTerminal(t.state) || t.state === 'TASK_KILLING' || cluster.agents.get(t.agentId)?.status !== 'registered') return;
        cluster.updateTask(t, state);
        cluster.touchAgent(where.agent);
        next?.();
      });
    };
    step('TASK_STARTING', () => step('TASK_RUNNING'));
  };
  cluster.clock.after(timings.offerDelayMs, () => attempt(0));
}

/** What {@link launchTask} launches. */
export interface LaunchTaskInput {
  agentId: string;
  /** The resources the task holds, as a framework writes them (either resource format). */
  resources: unknown[];
  name?: string;
  /** Default: the first framework. */
  frameworkId?: string;
}

/**
 * Launches a TASK_RUNNING task on a registered agent holding `resources`, as a framework does with resources it was
 * offered (reserved resources and persistent volumes included): they count as allocated (GET_AGENTS
 * `allocated_resources`), so RESERVE, UNRESERVE, DESTROY and resizes of them are refused while it runs.
 * @throws ApiError 400 (unknown agent or framework, malformed resources), 409 (the agent's available resources do
 * not contain them).
 */
export function launchTask(cluster: Cluster, input: LaunchTaskInput): string {
  const agent = cluster.agents.get(input.agentId);
  if (!agent || agent.status !== 'registered') throw new ApiError(400, `No agent found with specified ID`);
  const fw = input.frameworkId ? cluster.frameworks.get(input.frameworkId) : [...cluster.frameworks.values()][0];
  if (!fw) throw new ApiError(400, 'No framework found with specified ID');
  let resources: Resource[];
  try {
    resources = input.resources.map((r) => upgradeResource(r as Record<string, unknown>));
  } catch (err) {
    if (err instanceof ResourceError) throw new ApiError(400, err.message);
    throw err;
  }
  const available = availableResources(cluster, agent);
  if (!containsResources(available, resources)) throw new ApiError(409, `${formatResources(available)} does not contain ${formatResources(resources)}`);
  const name = input.name ?? 'stateful';
  const id = `${name}.${cluster.rng.uuid()}`;
  const task: Task = {
    id,
    name,
    frameworkId: fw.id,
    agentId: agent.id,
    state: 'TASK_RUNNING',
    statuses: [cluster.newStatus('TASK_STARTING', 'SOURCE_EXECUTOR'), cluster.newStatus('TASK_RUNNING', 'SOURCE_EXECUTOR')],
    resources,
    stopAfterTermMs: cluster.taskExitMs(fw.id),
    command: `./bin/${name}`,
    container: cluster.newTaskContainer(id, agent),
    acknowledged: false,
  };
  cluster.addTask(task);
  cluster.touchAgent(agent);
  return id;
}

/** Ends a task with TASK_FINISHED (its framework acknowledges it; a service scheduler does not replace it). */
export function finishTask(cluster: Cluster, taskId: string): void {
  const task = cluster.tasks.get(taskId);
  if (!task) throw new ApiError(404, `Task '${taskId}' not found`);
  cluster.updateTask(task, 'TASK_FINISHED');
  const agent = cluster.agents.get(task.agentId);
  if (agent) cluster.touchAgent(agent);
}
