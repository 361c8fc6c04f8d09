/**
 * The v0 read-only JSON pages real masters and agents serve beside /api/v1 (spec §8.y), from the same model:
 * master `/state`, `/state-summary`, `/slaves`, `/frameworks`, `/tasks`, `/roles`; the agent's `/state`. They
 * follow Mesos's hand-written writers (src/master/readonly_handler.cpp, src/common/http.cpp `json(...)`,
 * src/slave/http.cpp `Http::state`): v0 names (`slaves`, `slave_id`, `recovered_slaves`), resources summarised
 * as `{cpus, gpus, mem, disk, ports: "[31000-32000]"}`, times in seconds, arrays written even when empty, task
 * statuses with state, timestamp and container status only.
 */
import type { Cluster } from './cluster';
import { allocatedResources, drainConfigView, frameworkAllocations } from './views';
import { reservedRole, toEndpointFormat, type Resource } from './resources';
import { isTerminal, type Agent, type Framework, type Task, type TaskStatusRecord } from './types';

type Json = Record<string, unknown>;

const secs = (ns: bigint): number => Number(ns) / 1e9;

/** `Value::Ranges` as Mesos prints it: `[31000-32000, 33000-33000]` (coalesced). */
function rangesText(list: { begin: number; end: number }[]): string {
  const sorted = [...list].sort((a, b) => a.begin - b.begin);
  const merged: { begin: number; end: number }[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return `[${merged.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

/** `json(writer, Resources)`: scalars summed (cpus, gpus, mem, disk always present), ranges and sets as text. */
export function resourcesSummary(list: Resource[]): Json {
  const scalars: Record<string, number> = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  const ranges: Record<string, { begin: number; end: number }[]> = {};
  const sets: Record<string, string[]> = {};
  for (const r of list) {
    if (r.scalar) scalars[r.name] = Math.round(((scalars[r.name] ?? 0) + r.scalar.value) * 1000) / 1000;
    else if (r.ranges) (ranges[r.name] ??= []).push(...r.ranges.range);
    else if (r.set) (sets[r.name] ??= []).push(...r.set.item);
  }
  const out: Json = { ...scalars };
  for (const [name, rs] of Object.entries(ranges)) out[name] = rangesText(rs);
  for (const [name, items] of Object.entries(sets)) out[name] = `{${[...new Set(items)].sort().join(', ')}}`;
  return out;
}

/** Resources by reservation role (`Resources::reservations()`), each summarised. */
function reservedByRole(list: Resource[], full: boolean): Json {
  const byRole = new Map<string, Resource[]>();
  for (const r of list) {
    if (r.reservations.length === 0) continue;
    const role = reservedRole(r);
    byRole.set(role, [...(byRole.get(role) ?? []), r]);
  }
  return Object.fromEntries([...byRole].map(([role, rs]) => [role, full ? rs.map(toEndpointFormat) : resourcesSummary(rs)]));
}

const unreserved = (list: Resource[]): Resource[] => list.filter((r) => r.reservations.length === 0);

/** `Attributes` as an object: text as a string, scalar as a number. */
function attributes(agent: Agent): Json {
  return Object.fromEntries(agent.attributes.map((a) => [a.name, a.text ?? a.scalar]));
}

/** `json(writer, SlaveInfo)`. */
export function slaveInfoV0(agent: Agent): Json {
  return { id: agent.id, hostname: agent.hostname, port: agent.port || 5051, attributes: attributes(agent) };
}

/** `json(writer, TaskStatus)`: state, timestamp and container status only (no reason or uuid on these pages). */
function statusV0(task: Task, s: TaskStatusRecord): Json {
  const v: Json = { state: s.state, timestamp: s.timestamp };
  if (task.container && s.source !== 'SOURCE_MASTER') {
    v.container_status = {
      container_id: { value: task.container.id },
      network_infos: [{ ip_addresses: [{ ip_address: task.container.ip }] }],
    };
  }
  return v;
}

/** `json(writer, Task)`. */
export function taskV0(cluster: Cluster, task: Task): Json {
  const v: Json = {
    id: task.id,
    name: task.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId ?? '',
    slave_id: task.agentId,
    state: task.state,
    resources: resourcesSummary(task.resources),
    role: cluster.frameworks.get(task.frameworkId)?.role ?? cluster.completedFrameworks.find((f) => f.id === task.frameworkId)?.role ?? '*',
    statuses: task.statuses.map((s) => statusV0(task, s)),
  };
  if (task.labels && task.labels.length > 0) v.labels = task.labels;
  return v;
}

/** `SlaveWriter`: a registered agent on `/state`, `/slaves` and `/state-summary`. */
export function slaveV0(cluster: Cluster, agent: Agent): Json {
  const used = allocatedResources(cluster, agent);
  const v: Json = {
    ...slaveInfoV0(agent),
    pid: `slave(1)@${agent.ip.startsWith('127.') ? agent.ip : '127.0.0.1'}:${agent.port || 5051}`,
    registered_time: secs(agent.registeredNs),
  };
  if (agent.reregisteredNs !== undefined) v.reregistered_time = secs(agent.reregisteredNs);
  Object.assign(v, {
    resources: resourcesSummary(agent.totalResources),
    used_resources: resourcesSummary(used),
    offered_resources: resourcesSummary([]),
    reserved_resources: reservedByRole(agent.totalResources, false),
    unreserved_resources: resourcesSummary(unreserved(agent.totalResources)),
    active: cluster.isActive(agent),
    deactivated: agent.deactivated,
    version: agent.version,
    capabilities: agent.capabilities,
  });
  if (agent.drain) v.drain_info = { state: agent.drain.state, config: drainConfigView(agent.drain) };
  if (agent.estimatedDrainStartNs !== undefined) v.estimated_drain_start_time_seconds = Number(agent.estimatedDrainStartNs / 1_000_000_000n);
  return v;
}

/** `SlavesWriter::writeSlave`: `/slaves` adds the full (endpoint-format) resources. */
function slaveFullV0(cluster: Cluster, agent: Agent): Json {
  return {
    ...slaveV0(cluster, agent),
    reserved_resources_full: reservedByRole(agent.totalResources, true),
    unreserved_resources_full: unreserved(agent.totalResources).map(toEndpointFormat),
    used_resources_full: allocatedResources(cluster, agent).map(toEndpointFormat),
    offered_resources_full: [],
  };
}

/** Tasks the master holds for a framework: live (and terminal unacknowledged), unreachable, completed. */
function tasksOfFramework(cluster: Cluster, fw: Framework): { live: Task[]; unreachable: Task[]; completed: Task[] } {
  const recovered = new Set([...cluster.agents.values()].filter((a) => a.status === 'recovered').map((a) => a.id));
  const mine = (t: Task): boolean => t.frameworkId === fw.id && !recovered.has(t.agentId);
  return {
    live: [...cluster.tasks.values()].filter(mine),
    unreachable: [...cluster.unreachableTasks.values()].filter(mine),
    completed: cluster.completedTasks.filter(mine),
  };
}

/** `json(writer, Summary<Framework>)`. */
function frameworkSummaryV0(cluster: Cluster, fw: Framework): Json {
  const used = frameworkAllocations(cluster).get(fw.id) ?? [];
  return {
    id: fw.id,
    name: fw.name,
    used_resources: resourcesSummary(used),
    offered_resources: resourcesSummary([]),
    capabilities: fw.capabilities,
    hostname: fw.hostname,
    webui_url: '',
    active: fw.active,
    connected: fw.active,
    recovered: false,
  };
}

/** `FullFrameworkWriter`. */
function frameworkV0(cluster: Cluster, fw: Framework, completed: boolean): Json {
  const used = completed ? [] : (frameworkAllocations(cluster).get(fw.id) ?? []);
  const tasks = tasksOfFramework(cluster, fw);
  const v: Json = {
    ...frameworkSummaryV0(cluster, fw),
    user: fw.user,
    failover_timeout: fw.failoverTimeout,
    checkpoint: fw.checkpoint,
    registered_time: secs(fw.registeredNs),
    unregistered_time: 0,
  };
  if (fw.principal !== undefined) v.principal = fw.principal;
  v.resources = resourcesSummary(used);
  if (fw.capabilities.includes('MULTI_ROLE')) v.roles = [fw.role];
  else v.role = fw.role;
  v.tasks = tasks.live.map((t) => taskV0(cluster, t));
  v.unreachable_tasks = tasks.unreachable.map((t) => taskV0(cluster, t));
  v.completed_tasks = tasks.completed.slice(-1000).map((t) => taskV0(cluster, t));
  v.offers = [];
  v.executors = [];
  return v;
}

/** Master `/frameworks` (`?framework_id=` selects one). */
export function frameworksPage(cluster: Cluster, query: URLSearchParams): Json {
  const want = query.get('framework_id');
  const pick = (f: Framework): boolean => want === null || f.id === want;
  return {
    frameworks: [...cluster.frameworks.values()].filter(pick).map((f) => frameworkV0(cluster, f, false)),
    completed_frameworks: cluster.completedFrameworks.filter(pick).map((f) => frameworkV0(cluster, f, true)),
    unregistered_frameworks: [],
  };
}

/** Master `/slaves` (`?slave_id=` selects one). */
export function slavesPage(cluster: Cluster, query: URLSearchParams): Json {
  const want = query.get('slave_id');
  const pick = (a: Agent): boolean => want === null || a.id === want;
  return {
    slaves: cluster.registeredAgents().filter(pick).map((a) => slaveFullV0(cluster, a)),
    recovered_slaves: [...cluster.agents.values()].filter((a) => a.status === 'recovered' && pick(a)).map(slaveInfoV0),
  };
}

/**
 * Master `/tasks?limit=&offset=&order=&framework_id=&task_id=`: tasks of registered and completed frameworks,
 * sorted by their first status's timestamp (descending unless `order=asc`); `limit` defaults to 100 and a
 * negative one means all (Mesos reads it into a size_t).
 */
export function tasksPage(cluster: Cluster, query: URLSearchParams): Json {
  const num = (k: string): number | undefined => {
    const raw = query.get(k);
    return raw !== null && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const limitRaw = num('limit') ?? 100;
  const limit = limitRaw < 0 ? Number.POSITIVE_INFINITY : limitRaw;
  const offset = Math.max(0, num('offset') ?? 0);
  const asc = query.get('order') === 'asc';
  const fid = query.get('framework_id');
  const tid = query.get('task_id');
  const tasks: Task[] = [];
  for (const fw of [...cluster.frameworks.values(), ...cluster.completedFrameworks]) {
    if (fid !== null && fw.id !== fid) continue;
    const t = tasksOfFramework(cluster, fw);
    for (const task of [...t.live, ...t.unreachable, ...t.completed]) if (tid === null || task.id === tid) tasks.push(task);
  }
  const first = (t: Task): number | undefined => t.statuses[0]?.timestamp;
  tasks.sort((a, b) => {
    const x = first(a);
    const y = first(b);
    if (x === undefined && y === undefined) return 0;
    if (x === undefined) return asc ? -1 : 1;
    if (y === undefined) return asc ? 1 : -1;
    return asc ? x - y : y - x;
  });
  return { tasks: tasks.slice(offset, offset + limit).map((t) => taskV0(cluster, t)) };
}

/** What a master says of itself on `/state`. */
export interface MasterSelf {
  id: string;
  pid: string;
  hostname: string;
  port: number;
  startTime: number;
  electedTime?: number;
  leader?: { id: string; pid: string; port: number; hostname: string };
  flags: Record<string, string>;
  logDir: string;
}

/** The build of the simulated Mesos, as `/state` and `/version` report it. */
export const BUILD = { version: '1.11.0', build_date: '2020-11-19 18:35:48', build_time: 1605810948, build_user: 'mesos-sim', git_sha: 'sim' };

/** Master `/state`. */
export function masterStatePage(cluster: Cluster, self: MasterSelf): Json {
  const reg = cluster.registeredAgents();
  const v: Json = { ...BUILD, start_time: self.startTime };
  if (self.electedTime !== undefined) v.elected_time = self.electedTime;
  Object.assign(v, {
    id: self.id,
    pid: self.pid,
    hostname: self.hostname,
    // The C++ (v0) names: QUOTA_V2 is a v0 value.
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: reg.filter((a) => cluster.isActive(a)).length,
    deactivated_slaves: reg.filter((a) => !cluster.isActive(a)).length,
    unreachable_slaves: [...cluster.agents.values()].filter((a) => a.status === 'unreachable').length,
  });
  if (self.leader) {
    v.leader = self.leader.pid;
    v.leader_info = self.leader;
  }
  v.log_dir = self.logDir;
  v.flags = self.flags;
  v.slaves = reg.map((a) => slaveV0(cluster, a));
  v.recovered_slaves = [...cluster.agents.values()].filter((a) => a.status === 'recovered').map(slaveInfoV0);
  v.frameworks = [...cluster.frameworks.values()].map((f) => frameworkV0(cluster, f, false));
  v.completed_frameworks = cluster.completedFrameworks.map((f) => frameworkV0(cluster, f, true));
  v.orphan_tasks = [];
  v.unregistered_frameworks = [];
  return v;
}

const STATE_COUNTS = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE'];

/** Master `/state-summary`: agents and frameworks with task counts by state and each other's ids. */
export function stateSummaryPage(cluster: Cluster, hostname: string): Json {
  const counts = (tasks: Task[]): Json => Object.fromEntries(STATE_COUNTS.map((s) => [s, tasks.filter((t) => t.state === s).length]));
  const all: Task[] = [];
  for (const fw of cluster.frameworks.values()) {
    const t = tasksOfFramework(cluster, fw);
    all.push(...t.live, ...t.unreachable, ...t.completed);
  }
  return {
    hostname,
    slaves: cluster.registeredAgents().map((a) => {
      const mine = all.filter((t) => t.agentId === a.id);
      return { ...slaveV0(cluster, a), ...counts(mine), framework_ids: [...new Set(mine.map((t) => t.frameworkId))] };
    }),
    frameworks: [...cluster.frameworks.values()].map((f) => {
      const mine = all.filter((t) => t.frameworkId === f.id);
      return { ...frameworkSummaryV0(cluster, f), ...counts(mine), slave_ids: [...new Set(mine.map((t) => t.agentId))] };
    }),
  };
}

/** Master `/roles`, from the GET_ROLES view (resources summarised, quota with singular `guarantee`/`limit`). */
export function rolesPage(cluster: Cluster, roles: { name: string; weight: number; frameworks?: { value: string }[] }[]): Json {
  return {
    roles: roles.map((r) => {
      const v: Json = { name: r.name, weight: r.weight };
      const q = cluster.quotas.get(r.name);
      if (q) v.quota = { role: r.name, guarantee: q.guarantees, limit: q.limits };
      const used: Resource[] = [];
      for (const t of cluster.tasks.values()) if (!isTerminal(t.state) && cluster.frameworks.get(t.frameworkId)?.role === r.name) used.push(...t.resources);
      v.resources = resourcesSummary(used);
      v.frameworks = (r.frameworks ?? []).map((f) => f.value);
      return v;
    }),
  };
}

/** What an agent says of itself on its `/state`. */
export interface AgentSelf {
  startTime: number;
  pid: string;
  masterHostname: string;
  flags: Record<string, string>;
  logDir: string;
  /** The executor sandbox of a task (created on demand). */
  sandbox(task: Task): string;
}

const EXECUTOR_RESOURCES: Resource[] = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, reservations: [] },
  { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, reservations: [] },
];

/** Agent `/state` (also `/slave(1)/state`): its frameworks with their command executors and tasks. */
export function agentStatePage(cluster: Cluster, agent: Agent, self: AgentSelf): Json {
  const tasks = cluster.tasksOf(agent);
  const v: Json = { ...BUILD, start_time: self.startTime, id: agent.id, pid: self.pid, hostname: agent.hostname, capabilities: agent.capabilities };
  if (agent.drain?.state === 'DRAINING' && agent.status === 'registered') {
    v.drain_config = drainConfigView(agent.drain);
    if (agent.estimatedDrainStartNs !== undefined) v.estimated_drain_start_time_seconds = Number(agent.estimatedDrainStartNs / 1_000_000_000n);
  }
  const allocated = allocatedResources(cluster, agent);
  Object.assign(v, {
    resources: resourcesSummary(agent.totalResources),
    reserved_resources: reservedByRole(agent.totalResources, false),
    unreserved_resources: resourcesSummary(unreserved(agent.totalResources)),
    reserved_resources_full: reservedByRole(agent.totalResources, true),
    unreserved_resources_full: unreserved(agent.totalResources).map(toEndpointFormat),
    reserved_resources_allocated: reservedByRole(allocated, false),
    unreserved_resources_allocated: resourcesSummary(unreserved(allocated)),
    resource_providers: [],
    attributes: attributes(agent),
    master_hostname: self.masterHostname,
    log_dir: self.logDir,
    flags: self.flags,
  });
  const byFramework = new Map<string, Task[]>();
  for (const t of tasks) byFramework.set(t.frameworkId, [...(byFramework.get(t.frameworkId) ?? []), t]);
  v.frameworks = [...byFramework].map(([fid, ts]) => {
    const fw = cluster.frameworks.get(fid);
    const f: Json = { id: fid, name: fw?.name ?? '', user: fw?.user ?? 'root', failover_timeout: fw?.failoverTimeout ?? 0, checkpoint: fw?.checkpoint ?? false, hostname: fw?.hostname ?? '' };
    if (fw?.principal !== undefined) f.principal = fw.principal;
    if (fw?.capabilities.includes('MULTI_ROLE')) f.roles = [fw.role];
    else f.role = fw?.role ?? '*';
    f.executors = ts.map((t) => ({
      id: t.executorId ?? t.id,
      name: `Command Executor (Task: ${t.id}) (Command: sh -c '${t.command}')`,
      source: t.id,
      container: t.container?.id ?? '',
      directory: self.sandbox(t),
      resources: resourcesSummary([...EXECUTOR_RESOURCES, ...(isTerminal(t.state) ? [] : t.resources)]),
      role: fw?.role ?? '*',
      tasks: isTerminal(t.state) ? [] : [taskV0(cluster, t)],
      queued_tasks: [],
      completed_tasks: isTerminal(t.state) ? [taskV0(cluster, t)] : [],
    }));
    f.completed_executors = [];
    return f;
  });
  v.completed_frameworks = [];
  return v;
}
