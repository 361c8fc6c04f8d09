/**
 * Rehearsal: load a real cluster's GET_STATE response (and optionally GET_MAINTENANCE_SCHEDULE) saved as JSON,
 * so runbooks can be rehearsed against a copy of production. Fields the simulator does not model are kept
 * (written back in views) and listed as warnings; malformed fields are errors naming their path.
 */
import { z } from 'zod';
import { I64 } from './json';
import type { Cluster } from './model/cluster';
import { AGENT_CAPABILITIES } from './model/lifecycle';
import { machineKey, updateSchedule } from './model/maintenance';
import { upgradeResource, type Resource } from './model/resources';
import type { Agent, Framework, Task, TaskState, TaskStatusRecord } from './model/types';
import { MASTER_SUBMESSAGES } from './proto/messages';
import { convertMessage } from './proto/convert';

/** Errors found in a state file, each with its path. */
export class RehearsalError extends Error {
  readonly code = 'REHEARSAL_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid state file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What loading reported. */
export interface RehearsalReport {
  agents: number;
  frameworks: number;
  tasks: number;
  /** Fields kept but not modelled, one line per field path (array indexes as []). */
  warnings: string[];
}

const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/), z.instanceof(I64)]);
const TimeInfo = z.looseObject({ nanoseconds: int64 });
const Id = z.looseObject({ value: z.string() });
const ResourceJson = z.looseObject({ name: z.string(), type: z.enum(['SCALAR', 'RANGES', 'SET', 'TEXT']) });
const AgentJson = z.looseObject({
  agent_info: z.looseObject({
    hostname: z.string(),
    id: Id,
    port: z.number().int().optional(),
    resources: z.array(ResourceJson).optional(),
    attributes: z.array(z.looseObject({ name: z.string() })).optional(),
  }),
  active: z.boolean().optional(),
  deactivated: z.boolean().optional(),
  version: z.string().optional(),
  pid: z.string().optional(),
  registered_time: TimeInfo.optional(),
  reregistered_time: TimeInfo.optional(),
  total_resources: z.array(ResourceJson).optional(),
  allocated_resources: z.array(ResourceJson).optional(),
  offered_resources: z.array(ResourceJson).optional(),
  capabilities: z.array(z.looseObject({ type: z.string() })).optional(),
  drain_info: z
    .looseObject({
      state: z.enum(['DRAINING', 'DRAINED']),
      config: z.looseObject({ max_grace_period: TimeInfo.optional(), mark_gone: z.boolean().optional() }),
    })
    .optional(),
  estimated_drain_start_time: TimeInfo.optional(),
});
const FrameworkJson = z.looseObject({
  framework_info: z.looseObject({
    id: Id,
    name: z.string(),
    user: z.string().optional(),
    role: z.string().optional(),
    roles: z.array(z.string()).optional(),
    principal: z.string().optional(),
    hostname: z.string().optional(),
    checkpoint: z.boolean().optional(),
    failover_timeout: z.number().optional(),
    capabilities: z.array(z.looseObject({ type: z.string() })).optional(),
  }),
  active: z.boolean().optional(),
  connected: z.boolean().optional(),
  recovered: z.boolean().optional(),
  registered_time: TimeInfo.optional(),
  reregistered_time: TimeInfo.optional(),
  allocated_resources: z.array(ResourceJson).optional(),
  offered_resources: z.array(ResourceJson).optional(),
});
const TaskJson = z.looseObject({
  name: z.string(),
  task_id: Id,
  framework_id: Id,
  agent_id: Id,
  executor_id: Id.optional(),
  state: z.string().regex(/^TASK_[A-Z_]+$/),
  resources: z.array(ResourceJson).optional(),
  statuses: z
    .array(
      z.looseObject({
        state: z.string(),
        timestamp: z.number().optional(),
        uuid: z.string().optional(),
        source: z.string().optional(),
        reason: z.string().optional(),
        message: z.string().optional(),
        container_status: z
          .looseObject({
            container_id: z.looseObject({ value: z.string() }).optional(),
            executor_pid: z.number().optional(),
            network_infos: z.array(z.looseObject({ ip_addresses: z.array(z.looseObject({ ip_address: z.string().optional() })).optional() })).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  status_update_state: z.string().optional(),
  status_update_uuid: z.string().optional(),
  kill_policy: z.looseObject({ grace_period: TimeInfo.optional() }).optional(),
  labels: z.looseObject({ labels: z.array(z.looseObject({ key: z.string(), value: z.string().optional() })).optional() }).optional(),
});
const StateJson = z.looseObject({
  get_tasks: z.looseObject({ tasks: z.array(TaskJson).optional(), unreachable_tasks: z.array(TaskJson).optional(), completed_tasks: z.array(TaskJson).optional() }).optional(),
  get_executors: z.looseObject({}).optional(),
  get_frameworks: z.looseObject({ frameworks: z.array(FrameworkJson).optional(), completed_frameworks: z.array(FrameworkJson).optional() }).optional(),
  get_agents: z.looseObject({ agents: z.array(AgentJson).optional(), recovered_agents: z.array(z.unknown()).optional() }).optional(),
});

/** Keys of each object kind the model represents; anything else is kept and warned about. */
const MODELLED: Record<string, ReadonlySet<string>> = {
  agent: new Set(['agent_info', 'active', 'deactivated', 'version', 'pid', 'registered_time', 'reregistered_time', 'total_resources', 'allocated_resources', 'offered_resources', 'capabilities', 'drain_info', 'estimated_drain_start_time']),
  agent_info: new Set(['hostname', 'id', 'port', 'resources', 'attributes']),
  framework: new Set(['framework_info', 'active', 'connected', 'recovered', 'registered_time', 'reregistered_time', 'allocated_resources', 'offered_resources', 'inverse_offers', 'offers']),
  task: new Set(['name', 'task_id', 'framework_id', 'agent_id', 'executor_id', 'state', 'resources', 'statuses', 'status_update_state', 'status_update_uuid', 'kill_policy', 'labels']),
};

function extras(obj: Record<string, unknown>, kind: string, path: string, warnings: Set<string>): Record<string, unknown> | undefined {
  const known = MODELLED[kind] as ReadonlySet<string>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (known.has(k)) continue;
    out[k] = v;
    warnings.add(`${path}.${k}: kept as is, not modelled by the simulator`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const toBig = (v: number | string | I64): bigint => (v instanceof I64 ? v.toBigInt() : BigInt(v));

function resources(list: unknown[] | undefined, path: string, problems: string[]): Resource[] {
  const out: Resource[] = [];
  (list ?? []).forEach((r, i) => {
    try {
      out.push(upgradeResource(r as Record<string, unknown>));
    } catch (err) {
      problems.push(`${path}[${i}]: ${(err as Error).message}`);
    }
  });
  return out;
}

function zodProblems(err: z.ZodError, prefix: string): string[] {
  return err.issues.map((i) => `${[prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[')}: ${i.message}`);
}

/** The other saved responses of a snapshot (each the whole `{type, <call>}` envelope or just its payload). */
export interface RehearsalExtras {
  /** GET_MAINTENANCE_STATUS: its DOWN machines are DOWN in the model (they must be in the schedule). */
  maintenanceStatus?: unknown;
  /** GET_QUOTA: `status.configs` (or, from a master before 1.10, `status.infos`' guarantees). */
  quota?: unknown;
  /** GET_WEIGHTS: `weight_infos`. */
  weights?: unknown;
  /** GET_FLAGS: its `roles` flag, when set, is the roles whitelist. */
  flags?: unknown;
}

const ScalarMapJson = z.record(z.string(), z.looseObject({ value: z.number() }));
const QuotaJson = z.looseObject({
  status: z
    .looseObject({
      configs: z.array(z.looseObject({ role: z.string(), guarantees: ScalarMapJson.optional(), limits: ScalarMapJson.optional() })).optional(),
      infos: z.array(z.looseObject({ role: z.string().optional(), guarantee: z.array(z.looseObject({ name: z.string(), scalar: z.looseObject({ value: z.number() }).optional() })).optional() })).optional(),
    })
    .optional(),
});
const WeightsJson = z.looseObject({ weight_infos: z.array(z.looseObject({ role: z.string().optional(), weight: z.number() })).optional() });
const MachineIdJson = z.looseObject({ hostname: z.string().optional(), ip: z.string().optional() });
const StatusJson = z.looseObject({ status: z.looseObject({ down_machines: z.array(MachineIdJson).optional() }).optional() });
const FlagsJson = z.looseObject({ flags: z.array(z.looseObject({ name: z.string(), value: z.string().optional() })).optional() });

/** The payload of a saved response: `{type, <field>: payload}` or the payload itself; undefined when unset. */
export function savedPayload(saved: unknown, field: string): unknown {
  if (saved === undefined || saved === null || typeof saved !== 'object') return undefined;
  return field in saved ? (saved as Record<string, unknown>)[field] : saved;
}

function payloadOf(saved: unknown, field: string): { payload: unknown; prefix: string } {
  return { payload: savedPayload(saved, field), prefix: field };
}

function loadExtras(cluster: Cluster, extras: RehearsalExtras, problems: string[]): void {
  if (extras.quota !== undefined) {
    const { payload, prefix } = payloadOf(extras.quota, 'get_quota');
    const parsed = QuotaJson.safeParse(payload);
    if (!parsed.success) problems.push(...zodProblems(parsed.error, prefix));
    else {
      const values = (m: z.infer<typeof ScalarMapJson> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v.value]));
      const configs = parsed.data.status?.configs;
      if (configs) for (const c of configs) cluster.quotas.set(c.role, { guarantees: values(c.guarantees), limits: values(c.limits) });
      else {
        for (const info of parsed.data.status?.infos ?? []) {
          if (!info.role) continue;
          cluster.quotas.set(info.role, { guarantees: Object.fromEntries((info.guarantee ?? []).filter((g) => g.scalar).map((g) => [g.name, g.scalar!.value])), limits: {} });
        }
      }
    }
  }
  if (extras.weights !== undefined) {
    const { payload, prefix } = payloadOf(extras.weights, 'get_weights');
    const parsed = WeightsJson.safeParse(payload);
    if (!parsed.success) problems.push(...zodProblems(parsed.error, prefix));
    else for (const w of parsed.data.weight_infos ?? []) if (w.role) cluster.weights.set(w.role, w.weight);
  }
  if (extras.flags !== undefined) {
    const { payload, prefix } = payloadOf(extras.flags, 'get_flags');
    const parsed = FlagsJson.safeParse(payload);
    if (!parsed.success) problems.push(...zodProblems(parsed.error, prefix));
    else {
      const roles = parsed.data.flags?.find((f) => f.name === 'roles')?.value;
      if (roles) cluster.rolesWhitelist = roles.split(',').map((r) => r.trim()).filter(Boolean);
    }
  }
  if (extras.maintenanceStatus !== undefined) {
    const { payload, prefix } = payloadOf(extras.maintenanceStatus, 'get_maintenance_status');
    const parsed = StatusJson.safeParse(payload);
    if (!parsed.success) problems.push(...zodProblems(parsed.error, prefix));
    else {
      (parsed.data.status?.down_machines ?? []).forEach((m, i) => {
        const record = cluster.maintenance.machines.get(machineKey(m));
        if (!record) problems.push(`${prefix}.status.down_machines[${i}]: machine ${m.hostname ?? ''}/${m.ip ?? ''} is DOWN but not in the maintenance schedule`);
        else record.mode = 'DOWN';
      });
    }
  }
}

/**
 * Loads a GET_STATE response (the whole `{type, get_state}` or just `get_state`) into an empty model, with the saved
 * maintenance schedule and, from a snapshot, the other saved responses ({@link RehearsalExtras}).
 * @throws RehearsalError listing every malformed field with its path.
 */
export function loadRehearsal(cluster: Cluster, input: unknown, schedule?: unknown, more: RehearsalExtras = {}): RehearsalReport {
  const root = input as Record<string, unknown> | null;
  const stateRaw = root && typeof root === 'object' && 'get_state' in root ? root.get_state : root;
  const prefix = root && typeof root === 'object' && 'get_state' in root ? 'get_state' : '';
  const parsed = StateJson.safeParse(stateRaw);
  if (!parsed.success) throw new RehearsalError(zodProblems(parsed.error, prefix || '$'));
  const state = parsed.data;
  const p = (s: string): string => (prefix ? `${prefix}.${s}` : s);
  const problems: string[] = [];
  const warnings = new Set<string>();
  const now = cluster.clock.nowNanos();
  let maxSeq = -1;

  for (const [i, fj] of (state.get_frameworks?.frameworks ?? []).entries()) {
    const info = fj.framework_info;
    const caps = (info.capabilities ?? []).map((c) => c.type);
    const extra = extras(fj as Record<string, unknown>, 'framework', p('get_frameworks.frameworks[]'), warnings);
    const fw: Framework = {
      id: info.id.value,
      name: info.name,
      role: info.role ?? info.roles?.[0] ?? '*',
      user: info.user ?? 'root',
      hostname: info.hostname ?? '',
      capabilities: caps,
      registeredNs: fj.registered_time ? toBig(fj.registered_time.nanoseconds) : now,
      active: fj.active ?? true,
      acknowledges: true,
      partitionAware: caps.includes('PARTITION_AWARE'),
      failoverTimeout: info.failover_timeout ?? 0,
      checkpoint: info.checkpoint ?? false,
    };
    if (info.principal !== undefined) fw.principal = info.principal;
    if (extra) fw.extra = extra;
    if (cluster.frameworks.has(fw.id)) problems.push(`${p(`get_frameworks.frameworks[${i}].framework_info.id.value`)}: duplicate framework id '${fw.id}'`);
    cluster.frameworks.set(fw.id, fw);
  }

  for (const [i, aj] of (state.get_agents?.agents ?? []).entries()) {
    const path = p(`get_agents.agents[${i}]`);
    const info = aj.agent_info;
    const infoExtra = extras(info as Record<string, unknown>, 'agent_info', p('get_agents.agents[].agent_info'), warnings);
    const extra = extras(aj as Record<string, unknown>, 'agent', p('get_agents.agents[]'), warnings) ?? {};
    if (infoExtra) extra.agent_info = infoExtra;
    const ip = /@([\d.]+):\d+$/.exec(aj.pid ?? '')?.[1] ?? '127.0.0.1';
    const seqMatch = /-S(\d+)$/.exec(info.id.value);
    const seq = seqMatch ? Number(seqMatch[1]) : i;
    maxSeq = Math.max(maxSeq, seq);
    const infoRes = resources(info.resources, `${path}.agent_info.resources`, problems);
    const total = aj.total_resources ? resources(aj.total_resources, `${path}.total_resources`, problems) : infoRes;
    const agent: Agent = {
      id: info.id.value,
      seq,
      hostname: info.hostname,
      ip,
      port: 0,
      status: 'registered',
      deactivated: aj.deactivated ?? false,
      attributes: (info.attributes ?? []).map((a) => {
        const at = a as { name: string; text?: { value: string }; scalar?: { value: number } };
        return at.scalar ? { name: at.name, scalar: at.scalar.value } : { name: at.name, text: at.text?.value ?? '' };
      }),
      infoResources: infoRes,
      totalResources: total,
      capabilities: aj.capabilities ? aj.capabilities.map((c) => c.type) : [...AGENT_CAPABILITIES],
      version: aj.version ?? '1.11.0',
      registeredNs: aj.registered_time ? toBig(aj.registered_time.nanoseconds) : now,
      taskIds: new Set(),
    };
    if (aj.reregistered_time) agent.reregisteredNs = toBig(aj.reregistered_time.nanoseconds);
    if (aj.drain_info) {
      agent.drain = { state: aj.drain_info.state, markGone: aj.drain_info.config.mark_gone ?? false };
      const g = aj.drain_info.config.max_grace_period;
      if (g) agent.drain.maxGraceNs = toBig(g.nanoseconds);
    }
    if (Object.keys(extra).length > 0) agent.extra = extra;
    if (cluster.agents.has(agent.id)) problems.push(`${path}.agent_info.id.value: duplicate agent id '${agent.id}'`);
    cluster.agents.set(agent.id, agent);
  }
  cluster.nextAgentSeq = maxSeq + 1;
  cluster.nextFrameworkSeq = cluster.frameworks.size;

  const loadTask = (tj: z.infer<typeof TaskJson>, path: string, kind: 'live' | 'unreachable' | 'completed'): void => {
    const extra = extras(tj as Record<string, unknown>, 'task', path.replace(/\[\d+\]$/, '[]'), warnings);
    const task: Task = {
      id: tj.task_id.value,
      name: tj.name,
      frameworkId: tj.framework_id.value,
      agentId: tj.agent_id.value,
      state: tj.state as TaskState,
      statuses: (tj.statuses ?? []).map(
        (s): TaskStatusRecord => ({
          state: s.state as TaskState,
          timestamp: s.timestamp ?? Date.now() / 1000,
          uuid: s.uuid ?? '',
          source: (s.source as TaskStatusRecord['source'] | undefined) ?? 'SOURCE_EXECUTOR',
          ...(s.reason !== undefined ? { reason: s.reason } : {}),
          ...(s.message !== undefined ? { message: s.message } : {}),
        }),
      ),
      resources: resources(tj.resources, `${path}.resources`, problems),
      stopAfterTermMs: cluster.taskExitMs(tj.framework_id.value),
      command: '',
      acknowledged: kind === 'completed',
    };
    if (tj.executor_id) task.executorId = tj.executor_id.value;
    // The executor container, as the agent stamped it on the task's statuses (kept as loaded).
    const cs = (tj.statuses ?? []).find((st) => st.container_status?.container_id)?.container_status;
    if (cs?.container_id) {
      const own = cluster.agents.get(task.agentId);
      const derived = own ? cluster.newTaskContainer(task.id, own) : undefined;
      task.container = {
        id: cs.container_id.value,
        executorPid: cs.executor_pid ?? derived?.executorPid ?? 0,
        ip: cs.network_infos?.[0]?.ip_addresses?.[0]?.ip_address ?? own?.ip ?? '127.0.0.1',
      };
    }
    const grace = tj.kill_policy?.grace_period?.nanoseconds;
    if (grace !== undefined) task.killGraceMs = Number(toBig(grace)) / 1e6;
    if (tj.labels?.labels) task.labels = tj.labels.labels as { key: string; value?: string }[];
    if (extra) task.extra = extra;
    if (!cluster.frameworks.has(task.frameworkId) && kind === 'live') warnings.add(`${path.replace(/\[\d+\]$/, '[]')}.framework_id: task of a framework not in get_frameworks`);
    if (kind === 'completed') {
      cluster.completedTasks.push(task);
      return;
    }
    if (kind === 'unreachable') {
      cluster.unreachableTasks.set(task.id, task);
      return;
    }
    const agent = cluster.agents.get(task.agentId);
    if (!agent) {
      problems.push(`${path}.agent_id.value: unknown agent '${task.agentId}'`);
      return;
    }
    cluster.tasks.set(task.id, task);
    agent.taskIds.add(task.id);
  };
  (state.get_tasks?.tasks ?? []).forEach((t, i) => loadTask(t, p(`get_tasks.tasks[${i}]`), 'live'));
  (state.get_tasks?.unreachable_tasks ?? []).forEach((t, i) => loadTask(t, p(`get_tasks.unreachable_tasks[${i}]`), 'unreachable'));
  (state.get_tasks?.completed_tasks ?? []).forEach((t, i) => loadTask(t, p(`get_tasks.completed_tasks[${i}]`), 'completed'));
  if ((state.get_agents?.recovered_agents ?? []).length > 0) warnings.add(p('get_agents.recovered_agents: recovered agents are not modelled; they are ignored'));

  if (schedule !== undefined) {
    const s = schedule as Record<string, unknown>;
    const payload = (s.get_maintenance_schedule as Record<string, unknown> | undefined) ?? s;
    try {
      const conv = convertMessage(payload, MASTER_SUBMESSAGES.UPDATE_MAINTENANCE_SCHEDULE as NonNullable<typeof MASTER_SUBMESSAGES.UPDATE_MAINTENANCE_SCHEDULE>);
      updateSchedule(cluster, (conv.schedule ?? {}) as { windows?: Record<string, unknown>[] });
    } catch (err) {
      problems.push(`get_maintenance_schedule.schedule: ${(err as Error).message}`);
    }
  }
  loadExtras(cluster, more, problems);
  if (problems.length > 0) throw new RehearsalError(problems);
  cluster.touch();
  return { agents: cluster.agents.size, frameworks: cluster.frameworks.size, tasks: cluster.tasks.size, warnings: [...warnings].sort() };
}
