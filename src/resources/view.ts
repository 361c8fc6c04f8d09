/**
 * An agent's resources as one GET_AGENTS entry shows them (spec §6: `total_resources` is the master's speculative
 * view, updated at once by every 202), reduced to what runbooks decide on: scalar "chunks" of one identity each
 * (name, reservation stack, disk info, shared, provider), with how much of each tasks hold (`allocated_resources`).
 * Small and JSON-safe (it goes into workflow histories). Pure, types only from src/mesos: decisions, conditions,
 * preflight checks and activities share it.
 */
import { isTerminalTaskState } from '../agents/vocabulary';
import type { Agent, GetOperations, Resource, ResourceInput, Task } from '../mesos';

/** A resource as a call writes it. */
export type WireResource = ResourceInput;
import { round3 } from './amounts';

/** A reservation as Mesos's refined format writes it (`Resource.reservations[]`). */
export interface Reservation {
  type?: string;
  role?: string;
  principal?: string;
  labels?: { labels?: { key: string; value?: string }[] };
}

/** Where a disk resource lives: the agent's root disk, a PATH disk or a MOUNT disk (used whole), at its root. */
export interface DiskSource {
  type: 'ROOT' | 'PATH' | 'MOUNT' | 'OTHER';
  root?: string;
}

/** A persistent volume's own fields. */
export interface VolumeInfo {
  persistenceId: string;
  containerPath: string;
  mode: string;
  principal?: string;
}

/** A scalar resource of one identity on the agent, and how much of it tasks hold. */
export interface Chunk {
  name: string;
  amount: number;
  /** The reservation stack, oldest first (empty: unreserved). */
  reservations: Reservation[];
  /** The resource's `disk` message as Mesos wrote it (kept whole: a call must name the disk exactly). */
  disk?: Record<string, unknown>;
  source: DiskSource;
  volume?: VolumeInfo;
  shared: boolean;
  providerId?: string;
  /** How much of it tasks and executors hold (GET_AGENTS `allocated_resources`). */
  allocated: number;
}

/** An agent's scalar resources (ranges and sets, e.g. ports, are left out). */
export interface AgentResources {
  agentId: string;
  hostname: string;
  chunks: Chunk[];
  /** Operations the master still lists as pending on the agent (GET_OPERATIONS), when that was read. */
  pendingOperations?: number;
}

/** The reservation stack of a resource, from the refined `reservations` or the legacy `role` + `reservation`. */
export function reservationsOf(r: Resource): Reservation[] {
  const refined = r.reservations ?? [];
  if (refined.length > 0) return refined.map((x) => clean(x as Reservation));
  if (r.role !== undefined && r.role !== '*') {
    const legacy: Reservation = { type: r.reservation ? 'DYNAMIC' : 'STATIC', role: r.role };
    if (r.reservation?.principal !== undefined) legacy.principal = r.reservation.principal;
    if (r.reservation?.labels && r.reservation.labels.labels.length > 0) legacy.labels = { labels: r.reservation.labels.labels.map((l) => ({ ...l })) };
    return [legacy];
  }
  return [];
}

function clean(x: Reservation): Reservation {
  const out: Reservation = {};
  if (x.type !== undefined) out.type = x.type;
  if (x.role !== undefined) out.role = x.role;
  if (x.principal !== undefined) out.principal = x.principal;
  if (x.labels?.labels && x.labels.labels.length > 0) out.labels = { labels: x.labels.labels.map((l) => ({ ...l })) };
  return out;
}

/** The role a chunk is reserved to ('*' when unreserved): the last reservation's. */
export function roleOf(c: Pick<Chunk, 'reservations'>): string {
  return c.reservations.at(-1)?.role ?? '*';
}

function sourceOf(disk: Record<string, unknown> | undefined): DiskSource {
  const source = disk?.source as { type?: string; path?: { root?: string }; mount?: { root?: string } } | undefined;
  if (!source) return { type: 'ROOT' };
  if (source.type === 'MOUNT') return { type: 'MOUNT', ...(source.mount?.root !== undefined ? { root: source.mount.root } : {}) };
  if (source.type === 'PATH') return { type: 'PATH', ...(source.path?.root !== undefined ? { root: source.path.root } : {}) };
  return { type: 'OTHER' };
}

function volumeOf(disk: Record<string, unknown> | undefined): VolumeInfo | undefined {
  const persistence = disk?.persistence as { id?: string; principal?: string } | undefined;
  if (!persistence?.id) return undefined;
  const volume = disk?.volume as { container_path?: string; mode?: string } | undefined;
  return { persistenceId: persistence.id, containerPath: volume?.container_path ?? '', mode: volume?.mode ?? 'RW', ...(persistence.principal !== undefined ? { principal: persistence.principal } : {}) };
}

/** The identity two resources must share to be one (Mesos's `Resource ==` short of the value). */
export function identityOf(c: Pick<Chunk, 'name' | 'reservations' | 'disk' | 'shared' | 'providerId'>): string {
  return canonical([c.name, c.reservations, c.disk ?? null, c.shared, c.providerId ?? null]);
}

function chunkOf(r: Resource): Omit<Chunk, 'allocated'> | undefined {
  if (r.type !== 'SCALAR' || !r.scalar) return undefined;
  const disk = r.disk as Record<string, unknown> | undefined;
  const volume = volumeOf(disk);
  return {
    name: r.name,
    amount: r.scalar.value,
    reservations: reservationsOf(r),
    ...(disk !== undefined ? { disk: JSON.parse(JSON.stringify(disk)) as Record<string, unknown> } : {}),
    source: sourceOf(disk),
    ...(volume ? { volume } : {}),
    shared: r.shared !== undefined,
    ...(r.provider_id?.value ? { providerId: r.provider_id.value } : {}),
  };
}

/**
 * The agent's scalar resources as chunks (equal identities merged), each with what tasks hold of it. Revocable
 * resources are left out (they cannot be reserved).
 */
export function agentResources(agent: Pick<Agent, 'agent_info' | 'total_resources' | 'allocated_resources'>, operations?: GetOperations): AgentResources {
  const chunks = new Map<string, Chunk>();
  for (const r of agent.total_resources) {
    if (r.revocable !== undefined) continue;
    const c = chunkOf(r);
    if (!c) continue;
    const key = identityOf(c);
    const same = chunks.get(key);
    if (same) same.amount = round3(same.amount + c.amount);
    else chunks.set(key, { ...c, allocated: 0 });
  }
  for (const r of agent.allocated_resources) {
    const c = chunkOf(r);
    if (!c) continue;
    const same = chunks.get(identityOf(c));
    if (same) same.allocated = round3(same.allocated + c.amount);
  }
  const agentId = agent.agent_info.id?.value ?? '';
  const out: AgentResources = { agentId, hostname: agent.agent_info.hostname, chunks: [...chunks.values()] };
  if (operations) out.pendingOperations = pendingOperations(operations, agentId);
  return out;
}

/** Operations GET_OPERATIONS still lists as pending (not terminal) on the agent. */
export function pendingOperations(operations: GetOperations, agentId: string): number {
  return operations.operations.filter((o) => o.agent_id?.value === agentId && (o.latest_status?.state ?? 'OPERATION_PENDING') === 'OPERATION_PENDING').length;
}

/** The free part of a chunk (not held by a task): what an operation can consume. */
export function free(c: Chunk): number {
  return round3(Math.max(0, c.amount - c.allocated));
}

/** A chunk as a call names it (refined reservations only), with `amount` in place of its own. */
export function toWire(c: Pick<Chunk, 'name' | 'reservations' | 'disk' | 'shared' | 'providerId'>, amount: number): WireResource {
  const out: WireResource = { name: c.name, type: 'SCALAR', scalar: { value: round3(amount) } };
  if (c.reservations.length > 0) out.reservations = c.reservations.map((x) => ({ ...x }));
  if (c.disk !== undefined) out.disk = JSON.parse(JSON.stringify(c.disk)) as Record<string, unknown>;
  if (c.shared) out.shared = {};
  if (c.providerId !== undefined) out.provider_id = { value: c.providerId };
  return out;
}

/** A dynamic reservation to `role` by `principal` (none when the cluster has no credentials), labels none. */
export function dynamicReservation(role: string, principal: string | undefined): Reservation {
  return { type: 'DYNAMIC', role, ...(principal !== undefined ? { principal } : {}) };
}

/** True when the chunk's reservation stack is exactly one dynamic reservation to `role`, with no labels. */
export function reservedOnlyTo(c: Pick<Chunk, 'reservations'>, role: string): boolean {
  const [only, ...rest] = c.reservations;
  return rest.length === 0 && only?.type === 'DYNAMIC' && only.role === role && (only.labels?.labels ?? []).length === 0;
}

/** Plain (not a volume, no provider, not shared) chunks of `name` on the root disk (or not a disk). */
export function isPlainRoot(c: Chunk): boolean {
  return c.volume === undefined && c.providerId === undefined && !c.shared && c.source.type === 'ROOT' && (c.disk === undefined || Object.keys(c.disk).length === 0);
}

/** `cpus 4 cores (dev, ops)`-style one-line summary of a chunk, for plans and messages. */
export function describeChunk(c: Chunk): string {
  const res = c.reservations.length === 0 ? 'unreserved' : c.reservations.map((r) => `${r.role ?? '?'}${r.principal ? `/${r.principal}` : ''}`).join(' > ');
  const where = c.source.type === 'ROOT' ? '' : ` on ${c.source.type}${c.source.root ? ` ${c.source.root}` : ''}`;
  const vol = c.volume ? ` volume ${c.volume.persistenceId} at ${c.volume.containerPath}` : '';
  return `${c.name} ${round3(c.amount)} (${res})${vol}${where}`;
}

/** JSON with sorted keys, so equal messages compare equal whatever order their fields came in. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(typeof v === 'bigint' ? v.toString() : v);
}

/** A task that holds some of an agent's resources, for messages ("in use by web.1 (marathon)"). */
export interface HoldingTask {
  taskId: string;
  name: string;
  frameworkId: string;
  state: string;
}

/**
 * The live tasks on `agentId` that hold any of `resources` (the same identity: name, reservations, disk, shared), from
 * GET_TASKS `tasks`. Terminal tasks hold nothing.
 */
export function tasksHolding(tasks: readonly Task[], agentId: string, resources: readonly WireResource[]): HoldingTask[] {
  const wanted = new Set(resources.map((r) => chunkOf({ reservations: [], ...r } as Resource)).filter((c): c is Omit<Chunk, 'allocated'> => c !== undefined).map(identityOf));
  const out: HoldingTask[] = [];
  for (const t of tasks) {
    if (t.agent_id?.value !== agentId || isTerminalTaskState(t.state)) continue;
    const holds = t.resources.some((r) => {
      const c = chunkOf(r);
      return c !== undefined && wanted.has(identityOf(c));
    });
    if (holds) out.push({ taskId: t.task_id.value, name: t.name, frameworkId: t.framework_id.value, state: t.state });
  }
  return out;
}

/** `web.1a2b (framework F, TASK_RUNNING)`, a few, then `and N more`. */
export function describeTasks(tasks: HoldingTask[], max = 5): string {
  if (tasks.length === 0) return 'no live task holds them now (they were released meanwhile, or offers held them)';
  const shown = tasks.slice(0, max).map((t) => `${t.taskId} (framework ${t.frameworkId}, ${t.state})`);
  return `${shown.join(', ')}${tasks.length > max ? ` and ${tasks.length - max} more` : ''}`;
}
