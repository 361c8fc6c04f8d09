/**
 * JSON views of the model, shaped like the v1 master's responses (src/master/readonly_handler.cpp
 * `jsonifyGet*`, src/common/http.cpp). Per-object JSON text is cached so a 100k-task GET_STATE is mostly
 * string concatenation.
 */
import { nanos, stringifyJson } from '../json';
import type { Cluster } from './cluster';
import { addResources, toEndpointFormat, type Resource } from './resources';
import { isTerminal, type Agent, type DrainInfo, type Framework, type Operation, type Task, type TaskStatusRecord } from './types';

const res = (list: Resource[]): Record<string, unknown>[] => list.map(toEndpointFormat);

/** Resources used by an agent's live tasks. */
export function allocatedResources(cluster: Cluster, agent: Agent): Resource[] {
  let sum: Resource[] = [];
  for (const t of cluster.tasksOf(agent)) if (!isTerminal(t.state)) sum = addResources(sum, t.resources);
  return sum;
}

/** AgentInfo JSON. */
export function agentInfoView(agent: Agent): Record<string, unknown> {
  const info: Record<string, unknown> = {
    hostname: agent.hostname,
    id: { value: agent.id },
    port: agent.port || 5051,
    resources: res(agent.infoResources),
  };
  if (agent.attributes.length > 0) {
    info.attributes = agent.attributes.map((a) =>
      a.text !== undefined ? { name: a.name, type: 'TEXT', text: { value: a.text } } : { name: a.name, type: 'SCALAR', scalar: { value: a.scalar } },
    );
  }
  const extraInfo = agent.extra?.agent_info;
  if (extraInfo && typeof extraInfo === 'object') return { ...(extraInfo as Record<string, unknown>), ...info };
  return info;
}

/** The agent's libprocess pid: its own loopback address when it has one (seeded agents), else 127.0.0.1. */
export function agentPid(agent: Agent): string {
  return `slave(1)@${agentHost(agent)}:${agent.port || 5051}`;
}

/** The loopback address an agent's endpoint listens on (never a non-loopback address: see agentIp). */
export function agentHost(agent: Agent): string {
  return agent.ip.startsWith('127.') ? agent.ip : '127.0.0.1';
}

/** `DrainConfig` JSON: `mark_gone` always (it has a default), the grace period as a DurationInfo when set. */
export function drainConfigView(drain: DrainInfo): Record<string, unknown> {
  const config: Record<string, unknown> = { mark_gone: drain.markGone };
  if (drain.maxGraceNs !== undefined) config.max_grace_period = nanos(drain.maxGraceNs);
  return config;
}

/** GetAgents.Agent JSON (also the AGENT_ADDED payload). */
export function agentView(cluster: Cluster, agent: Agent): Record<string, unknown> {
  const v: Record<string, unknown> = {
    agent_info: agentInfoView(agent),
    active: agent.status === 'registered' && !agent.deactivated,
    deactivated: agent.deactivated,
    version: agent.version,
    pid: agentPid(agent),
    registered_time: nanos(agent.registeredNs),
  };
  if (agent.reregisteredNs !== undefined) v.reregistered_time = nanos(agent.reregisteredNs);
  v.total_resources = res(agent.totalResources);
  v.allocated_resources = res(allocatedResources(cluster, agent));
  v.offered_resources = [];
  v.capabilities = agent.capabilities.map((type) => ({ type }));
  if (agent.drain) v.drain_info = { state: agent.drain.state, config: drainConfigView(agent.drain) };
  if (agent.estimatedDrainStartNs !== undefined) v.estimated_drain_start_time = nanos((agent.estimatedDrainStartNs / 1_000_000_000n) * 1_000_000_000n);
  if (agent.extra) for (const [k, val] of Object.entries(agent.extra)) if (k !== 'agent_info' && !(k in v)) v[k] = val;
  return v;
}

/** Cached JSON text of {@link agentView}. */
export function agentJson(cluster: Cluster, agent: Agent): string {
  if (agent.jsonCache === undefined) agent.jsonCache = stringifyJson(agentView(cluster, agent));
  return agent.jsonCache;
}

/** TaskStatus JSON. */
export function taskStatusJson(task: Task, s: TaskStatusRecord): Record<string, unknown> {
  const v: Record<string, unknown> = {
    task_id: { value: task.id },
    state: s.state,
    source: s.source,
    agent_id: { value: task.agentId },
    timestamp: s.timestamp,
    uuid: s.uuid,
  };
  if (task.executorId !== undefined) v.executor_id = { value: task.executorId };
  if (s.reason !== undefined) v.reason = s.reason;
  if (s.message !== undefined) v.message = s.message;
  const cs = containerStatusView(task, s);
  if (cs) v.container_status = cs;
  return v;
}

/**
 * The `container_status` the agent merges into every update it forwards for a task's executor
 * (`Slave::_statusUpdate`): the containerizer's status (container id, executor pid) and, as no network isolator
 * set one, a NetworkInfo with the agent's own IP. Updates the master makes itself (SOURCE_MASTER: lost, gone,
 * unreachable) carry none.
 */
export function containerStatusView(task: Task, s: TaskStatusRecord): Record<string, unknown> | undefined {
  if (!task.container || s.source === 'SOURCE_MASTER') return undefined;
  return {
    network_infos: [{ ip_addresses: [{ ip_address: task.container.ip }] }],
    executor_pid: task.container.executorPid,
    container_id: { value: task.container.id },
  };
}

/** Task JSON (GET_TASKS entries, TASK_ADDED payload). */
export function taskView(_cluster: Cluster, task: Task): Record<string, unknown> {
  const v: Record<string, unknown> = {
    name: task.name,
    task_id: { value: task.id },
    framework_id: { value: task.frameworkId },
    agent_id: { value: task.agentId },
  };
  if (task.executorId !== undefined) v.executor_id = { value: task.executorId };
  v.state = task.state;
  v.resources = res(task.resources);
  const last = task.statuses[task.statuses.length - 1];
  if (task.statuses.length > 0) v.statuses = task.statuses.map((s) => taskStatusJson(task, s));
  if (last) {
    v.status_update_state = last.state;
    v.status_update_uuid = last.uuid;
  }
  if (task.labels && task.labels.length > 0) v.labels = { labels: task.labels };
  if (task.killGraceMs !== undefined) v.kill_policy = { grace_period: nanos(BigInt(Math.round(task.killGraceMs)) * 1_000_000n) };
  if (task.extra) for (const [k, val] of Object.entries(task.extra)) if (!(k in v)) v[k] = val;
  return v;
}

const q = JSON.stringify;

/** TaskStatus JSON text, same keys and order as {@link taskStatusJson} (not cached: the task's text is). */
function statusJson(task: Task, s: TaskStatusRecord): string {
  let out = `{"task_id":{"value":${q(task.id)}},"state":"${s.state}","source":"${s.source}","agent_id":{"value":${q(task.agentId)}},"timestamp":${q(s.timestamp)},"uuid":${q(s.uuid)}`;
  if (task.executorId !== undefined) out += `,"executor_id":{"value":${q(task.executorId)}}`;
  if (s.reason !== undefined) out += `,"reason":${q(s.reason)}`;
  if (s.message !== undefined) out += `,"message":${q(s.message)}`;
  if (task.container && s.source !== 'SOURCE_MASTER') {
    const c = task.container;
    out += `,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":${q(c.ip)}}]}],"executor_pid":${c.executorPid},"container_id":{"value":${q(c.id)}}}`;
  }
  return `${out}}`;
}

/** Resource list JSON text in the endpoint format; a fast path for unreserved scalars and ranges. */
function resourcesText(list: Resource[]): string {
  const parts: string[] = [];
  for (const r of list) {
    if (r.reservations.length > 0 || r.disk || r.provider_id || r.set) return stringifyJson(res(list));
    if (r.scalar) parts.push(`{"name":${q(r.name)},"type":"SCALAR","scalar":{"value":${q(r.scalar.value)}},"role":"*"}`);
    else if (r.ranges) parts.push(`{"name":${q(r.name)},"type":"RANGES","ranges":{"range":[${r.ranges.range.map((x) => `{"begin":${x.begin},"end":${x.end}}`).join(',')}]},"role":"*"}`);
    else return stringifyJson(res(list));
  }
  return `[${parts.join(',')}]`;
}

/**
 * Cached JSON text of {@link taskView}, written directly (same keys, same order) for speed; tasks carrying
 * unmodelled fields from a rehearsal state go through the generic path.
 */
export function taskJson(cluster: Cluster, task: Task): string {
  if (task.jsonCache !== undefined) return task.jsonCache;
  if (task.extra) {
    task.jsonCache = stringifyJson(taskView(cluster, task));
    return task.jsonCache;
  }

  let out = `{"name":${q(task.name)},"task_id":{"value":${q(task.id)}},"framework_id":{"value":${q(task.frameworkId)}},"agent_id":{"value":${q(task.agentId)}}`;
  if (task.executorId !== undefined) out += `,"executor_id":{"value":${q(task.executorId)}}`;
  out += `,"state":"${task.state}","resources":${resourcesText(task.resources)}`;
  const last = task.statuses[task.statuses.length - 1];
  if (last) {
    out += `,"statuses":[${task.statuses.map((s) => statusJson(task, s)).join(',')}]`;
    out += `,"status_update_state":"${last.state}","status_update_uuid":${q(last.uuid)}`;
  }
  if (task.labels && task.labels.length > 0) out += `,"labels":${stringifyJson({ labels: task.labels })}`;
  if (task.killGraceMs !== undefined) out += `,"kill_policy":{"grace_period":{"nanoseconds":${(BigInt(Math.round(task.killGraceMs)) * 1_000_000n).toString()}}}`;
  task.jsonCache = `${out}}`;
  return task.jsonCache;
}

/**
 * `Operation` JSON (master and agent GET_OPERATIONS): the details nested in `info` as an `Offer.Operation`, the
 * latest status as the master created it (pending, no status uuid), the operation's uuid as base64 bytes.
 */
export function operationView(o: Operation): Record<string, unknown> {
  return {
    agent_id: { value: o.agentId },
    info: o.info,
    latest_status: { state: o.state, agent_id: { value: o.agentId } },
    uuid: { value: o.uuid },
  };
}

/** FrameworkInfo JSON. */
export function frameworkInfoView(fw: Framework): Record<string, unknown> {
  const info: Record<string, unknown> = {
    user: fw.user,
    name: fw.name,
    id: { value: fw.id },
    failover_timeout: fw.failoverTimeout,
    checkpoint: fw.checkpoint,
    role: fw.role,
    hostname: fw.hostname,
  };
  if (fw.principal !== undefined) info.principal = fw.principal;
  if (fw.capabilities.length > 0) info.capabilities = fw.capabilities.map((type) => ({ type }));
  return info;
}

const allocationCache = new WeakMap<Cluster, { version: number; byFramework: Map<string, Resource[]> }>();

/** Resources allocated to each framework's live tasks (one pass over the tasks, cached per model version). */
export function frameworkAllocations(cluster: Cluster): Map<string, Resource[]> {
  const hit = allocationCache.get(cluster);
  if (hit && hit.version === cluster.version) return hit.byFramework;
  const scalars = new Map<string, Map<string, number>>();
  const others = new Map<string, Resource[]>();
  for (const t of cluster.tasks.values()) {
    if (isTerminal(t.state)) continue;
    let sums = scalars.get(t.frameworkId);
    if (!sums) scalars.set(t.frameworkId, (sums = new Map()));
    for (const r of t.resources) {
      if (r.scalar && r.reservations.length === 0 && !r.disk && !r.provider_id) sums.set(r.name, (sums.get(r.name) ?? 0) + r.scalar.value);
      else {
        let list = others.get(t.frameworkId);
        if (!list) others.set(t.frameworkId, (list = []));
        list.push(r);
      }
    }
  }
  const byFramework = new Map<string, Resource[]>();
  for (const [fwId, sums] of scalars) {
    const list: Resource[] = [...sums].map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value: Math.round(value * 1000) / 1000 }, reservations: [] }));
    const rest = others.get(fwId);
    byFramework.set(fwId, rest ? addResources(list, rest) : list);
  }
  allocationCache.set(cluster, { version: cluster.version, byFramework });
  return byFramework;
}

/** GetFrameworks.Framework JSON; events omit offers and allocated/offered resources. */
export function frameworkView(cluster: Cluster, fw: Framework, opts: { forEvent?: boolean } = {}): Record<string, unknown> {
  const v: Record<string, unknown> = {
    framework_info: frameworkInfoView(fw),
    active: fw.active,
    connected: fw.active,
    recovered: false,
    registered_time: nanos(fw.registeredNs),
    reregistered_time: nanos(fw.registeredNs),
  };
  if (!opts.forEvent) {
    const alloc = frameworkAllocations(cluster).get(fw.id);
    if (alloc && alloc.length > 0) v.allocated_resources = res(alloc);
  }
  if (fw.extra) for (const [k, val] of Object.entries(fw.extra)) if (!(k in v)) v[k] = val;
  return v;
}

/** JSON assembled from pieces; {@link joinJson} makes one Buffer of it. */
export type JsonParts = string[];

const COMMA = ',';

function arr(out: JsonParts, items: Iterable<string>): void {
  out.push('[');
  let first = true;
  for (const it of items) {
    if (!first) out.push(COMMA);
    out.push(it);
    first = false;
  }
  out.push(']');
}

/** Concatenates JSON pieces into one Buffer (one allocation, each piece encoded in place). */
export function joinJson(parts: JsonParts): Buffer {
  return Buffer.from(parts.join(''), 'utf8');
}

function* mapIter<T, U>(it: Iterable<T>, fn: (x: T) => U): Iterable<U> {
  for (const x of it) yield fn(x);
}

/** GET_AGENTS payload. */
export function getAgentsJson(cluster: Cluster, out: JsonParts = []): JsonParts {
  out.push('{"agents":');
  arr(out, cluster.registeredAgents().map((a) => agentJson(cluster, a)));
  out.push(',"recovered_agents":');
  const recovered: string[] = [];
  for (const a of cluster.agents.values()) if (a.status === 'recovered') recovered.push(stringifyJson(agentInfoView(a)));
  arr(out, recovered);
  out.push('}');
  return out;
}

/** GET_TASKS payload. Tasks of agents not yet re-registered after a failover are not known to the master. */
export function getTasksJson(cluster: Cluster, out: JsonParts = []): JsonParts {
  const recovered = new Set<string>();
  for (const a of cluster.agents.values()) if (a.status === 'recovered') recovered.add(a.id);
  out.push('{"pending_tasks":[],"tasks":[');
  let first = true;
  for (const t of cluster.tasks.values()) {
    if (recovered.size > 0 && recovered.has(t.agentId)) continue;
    if (!first) out.push(COMMA);
    out.push(taskJson(cluster, t));
    first = false;
  }
  out.push('],"unreachable_tasks":');
  arr(out, mapIter(cluster.unreachableTasks.values(), (t) => taskJson(cluster, t)));
  out.push(',"completed_tasks":');
  arr(out, mapIter(cluster.completedTasks, (t) => taskJson(cluster, t)));
  out.push(',"orphan_tasks":[]}');
  return out;
}

/** GET_FRAMEWORKS payload. */
export function getFrameworksJson(cluster: Cluster, out: JsonParts = []): JsonParts {
  out.push('{"frameworks":');
  arr(out, [...cluster.frameworks.values()].map((f) => stringifyJson(frameworkView(cluster, f))));
  out.push(',"completed_frameworks":');
  arr(out, cluster.completedFrameworks.map((f) => stringifyJson(frameworkView(cluster, f))));
  out.push(',"recovered_frameworks":[]}');
  return out;
}

/** GET_EXECUTORS payload (command tasks have no executor the master knows). */
export function getExecutorsJson(cluster: Cluster, out: JsonParts = []): JsonParts {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const t of cluster.tasks.values()) {
    if (t.executorId === undefined) continue;
    const key = `${t.agentId}/${t.frameworkId}/${t.executorId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push(
      stringifyJson({
        agent_id: { value: t.agentId },
        executor_info: { executor_id: { value: t.executorId }, framework_id: { value: t.frameworkId }, command: { shell: true, value: t.command } },
      }),
    );
  }
  out.push('{"executors":');
  arr(out, list);
  out.push(',"orphan_executors":[]}');
  return out;
}

/** GET_STATE payload. */
export function getStateJson(cluster: Cluster, out: JsonParts = []): JsonParts {
  out.push('{"get_tasks":');
  getTasksJson(cluster, out);
  out.push(',"get_executors":');
  getExecutorsJson(cluster, out);
  out.push(',"get_frameworks":');
  getFrameworksJson(cluster, out);
  out.push(',"get_agents":');
  getAgentsJson(cluster, out);
  out.push('}');
  return out;
}

/** Wraps a payload in the response envelope `{"type":T,"t":payload}`. */
export function envelope(type: string, payloadJson: string): string {
  return `{"type":"${type}","${type.toLowerCase()}":${payloadJson}}`;
}

/** Wraps payload pieces in the response envelope, as one Buffer. */
export function envelopeParts(type: string, payload: JsonParts): Buffer {
  return joinJson([`{"type":"${type}","${type.toLowerCase()}":`, ...payload, '}']);
}
