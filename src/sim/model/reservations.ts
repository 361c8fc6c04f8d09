/**
 * Reservations and persistent volumes (spec §6): RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES,
 * DESTROY_VOLUMES, GROW_VOLUME, SHRINK_VOLUME. Applied to the master's view at once (202), so GET_AGENTS
 * `total_resources` shows them immediately; a pending operation is visible briefly in GET_OPERATIONS.
 */
import type { Cluster } from './cluster';
import { ApiError } from './errors';
import {
  addResources,
  containsResources,
  diskSourceType,
  formatResources,
  isPersistentVolume,
  ResourceError,
  reservedRole,
  subtractResources,
  toEndpointFormat,
  upgradeResource,
  type Resource,
} from './resources';
import type { Operation } from './types';
import type { Agent } from './types';
import { allocatedResources } from './views';

function registeredAgent(cluster: Cluster, id: string | undefined): Agent {
  const a = id === undefined ? undefined : cluster.agents.get(id);
  if (!a || (a.status !== 'registered' && a.status !== 'disconnected')) throw new ApiError(400, 'No agent found with specified ID');
  return a;
}

function upgrade(list: unknown[] | undefined): Resource[] {
  try {
    return (list ?? []).map((r) => upgradeResource(r as Record<string, unknown>));
  } catch (err) {
    if (err instanceof ResourceError) throw new ApiError(400, err.message);
    throw err;
  }
}

/** Resources of the agent neither used by tasks nor offered. */
export function availableResources(cluster: Cluster, agent: Agent): Resource[] {
  try {
    return subtractResources(agent.totalResources, allocatedResources(cluster, agent));
  } catch {
    return agent.totalResources;
  }
}

function consume(cluster: Cluster, agent: Agent, consumed: Resource[], produced: Resource[]): void {
  const available = availableResources(cluster, agent);
  if (!containsResources(available, consumed)) throw new ApiError(409, `${formatResources(available)} does not contain ${formatResources(consumed)}`);
  agent.totalResources = addResources(subtractResources(agent.totalResources, consumed), produced);
  cluster.touchAgent(agent);
}

const endpoint = (list: Resource[]): Record<string, unknown>[] => list.map(toEndpointFormat);

/**
 * The operation the master creates for a 202 (`Master::_apply`, `protobuf::createOperation`): `info` is the
 * `Offer.Operation` the handler built (`{type, reserve: {resources}}`, ...; resources upgraded, shown in the
 * endpoint format), a random 16-byte UUID, no framework and no operation id; pending until the agent's update.
 */
function recordOperation(cluster: Cluster, agent: Agent, info: Operation['info']): void {
  const op: Operation = { uuid: cluster.rng.uuidBytes(), agentId: agent.id, info, state: 'OPERATION_PENDING' };
  cluster.operations.push(op);
  cluster.clock.after(cluster.timings.operationPendingMs, () => {
    const i = cluster.operations.indexOf(op);
    if (i >= 0) cluster.operations.splice(i, 1);
  });
}

const popReservation = (r: Resource): Resource => ({ ...r, reservations: r.reservations.slice(0, -1) });
/** The disk a volume was made from: persistence and volume cleared, the source (PATH/MOUNT) kept, not shared. */
const withoutVolume = (r: Resource): Resource => {
  const c: Resource = { ...r };
  delete c.shared;
  if (c.disk?.source === undefined) delete c.disk;
  else c.disk = { source: c.disk.source };
  return c;
};

/** `validate(Reserve)`'s principal rule: with an authenticated request, each reservation names that principal. */
function checkPrincipal(agent: Agent, list: Resource[], principal: string | undefined): void {
  if (principal === undefined) return;
  for (const r of list) {
    const last = r.reservations[r.reservations.length - 1];
    if (!last) continue;
    if (last.principal === undefined) {
      throw new ApiError(400, `Invalid RESERVE operation on agent ${agent.id}: A reserve operation was attempted by principal '${principal}', but there is a reserved resource in the request with no principal set`);
    }
    if (last.principal !== principal) {
      throw new ApiError(400, `Invalid RESERVE operation on agent ${agent.id}: A reserve operation was attempted by authenticated principal '${principal}', which does not match a reserved resource in the request with principal '${last.principal}'`);
    }
  }
}

/**
 * RESERVE_RESOURCES.
 * @throws ApiError 400 (unknown agent, invalid reservation), 409 (not available).
 */
export function reserve(cluster: Cluster, agentId: string, rawSource: unknown[] | undefined, rawTargets: unknown[] | undefined, principal?: string): void {
  const agent = registeredAgent(cluster, agentId);
  const targets = upgrade(rawTargets);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid RESERVE operation on agent ${agent.id}: ${msg}`);
  };
  if (targets.length === 0) bad('Invalid resources: no resources specified');
  for (const r of targets) {
    const last = r.reservations[r.reservations.length - 1];
    if (!last || last.type !== 'DYNAMIC') bad(`Invalid reservation: '${formatResources([r])}' is not dynamically reserved`);
    if (last?.role === '*' || last?.role === undefined) bad('Invalid reservation: role "*" cannot be dynamically reserved');
    if (r.reservations.length > 1 && !agent.capabilities.includes('RESERVATION_REFINEMENT')) bad('agent does not support reservation refinement');
  }
  checkPrincipal(agent, targets, principal);
  let source: Resource[];
  if (rawSource && rawSource.length > 0) {
    source = upgrade(rawSource);
    const strip = (l: Resource[]): Resource[] => l.map((r) => ({ ...r, reservations: [] }));
    if (!containsResources(strip(source), strip(targets)) || !containsResources(strip(targets), strip(source))) {
      bad('Source and target resources must have the same quantities');
    }
  } else {
    source = targets.map(popReservation);
  }
  consume(cluster, agent, source, targets);
  const reserveInfo: Record<string, unknown> = { resources: endpoint(targets) };
  if (rawSource && rawSource.length > 0) reserveInfo.source = endpoint(source);
  recordOperation(cluster, agent, { type: 'RESERVE', reserve: reserveInfo });
}

/**
 * UNRESERVE_RESOURCES.
 * @throws ApiError 400 (unknown agent, not dynamically reserved, persistent volume), 409 (not available).
 */
export function unreserve(cluster: Cluster, agentId: string, raw: unknown[] | undefined): void {
  const agent = registeredAgent(cluster, agentId);
  const list = upgrade(raw);
  for (const r of list) {
    const last = r.reservations[r.reservations.length - 1];
    if (!last || last.type !== 'DYNAMIC') throw new ApiError(400, `Invalid UNRESERVE operation: Resource ${formatResources([r])} is not dynamically reserved`);
    if (isPersistentVolume(r)) {
      throw new ApiError(400, `Invalid UNRESERVE operation: A dynamically reserved persistent volume ${formatResources([r])} cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource`);
    }
  }
  consume(cluster, agent, list, list.map(popReservation));
  recordOperation(cluster, agent, { type: 'UNRESERVE', unreserve: { resources: endpoint(list) } });
}

/**
 * CREATE_VOLUMES (`validate(Create)`): persistent, RW volumes on reserved disk, persistence ids unique per role on
 * the agent, the authenticated principal in `disk.persistence`.
 * @throws ApiError 400 (invalid volume, duplicate persistence id, unreserved disk), 409 (not available).
 */
export function createVolumes(cluster: Cluster, agentId: string, raw: unknown[] | undefined, principal?: string): void {
  const agent = registeredAgent(cluster, agentId);
  const volumes = upgrade(raw);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid CREATE operation on agent ${agent.id}: ${msg}`);
  };
  const key = (r: Resource) => `${reservedRole(r)}\u0000${r.disk?.persistence?.id ?? ''}`;
  const existing = new Set(agent.totalResources.filter(isPersistentVolume).map(key));
  for (const v of volumes) {
    if (v.reservations.length === 0) bad('Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources');
    if (!v.disk?.persistence) bad("Not a persistent volume: 'persistence' is not set in DiskInfo");
    if (!v.disk?.volume) bad("Not a persistent volume: Expecting 'volume' to be set for persistent volume");
    if (v.disk?.volume?.mode === 'RO') bad('Not a persistent volume: Read-only persistent volume not supported');
    if (existing.has(key(v))) bad(`Persistence ID '${v.disk?.persistence?.id ?? ''}' is not unique`);
    if (principal !== undefined) {
      const own = v.disk?.persistence?.principal;
      if (own === undefined) bad(`Create volume operation attempted by principal '${principal}', but there is a volume in the operation with no principal set in 'disk.persistence'`);
      if (own !== principal) bad(`Create volume operation attempted by authenticated principal '${principal}', which does not match a volume in the operation with principal '${own ?? ''}' set in 'disk.persistence'`);
    }
    existing.add(key(v));
  }
  consume(cluster, agent, volumes.map(withoutVolume), volumes);
  recordOperation(cluster, agent, { type: 'CREATE', create: { volumes: endpoint(volumes) } });
}

/**
 * DESTROY_VOLUMES (`validate(Destroy)`): every volume in the agent's checkpointed resources, none used by a task.
 * @throws ApiError 400 (volume not found, in use), 409 (not available).
 */
export function destroyVolumes(cluster: Cluster, agentId: string, raw: unknown[] | undefined): void {
  const agent = registeredAgent(cluster, agentId);
  const volumes = upgrade(raw);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid DESTROY operation: ${msg}`);
  };
  for (const v of volumes) {
    if (!isPersistentVolume(v)) bad("Not a persistent volume: 'persistence' is not set in DiskInfo");
    if (!v.disk?.volume) bad("Not a persistent volume: Expecting 'volume' to be set for persistent volume");
    if (!containsResources(agent.totalResources, [v])) bad('Persistent volumes not found');
  }
  const used = allocatedResources(cluster, agent);
  if (volumes.some((v) => containsResources(used, [v]))) bad('Persistent volumes in use');
  consume(cluster, agent, volumes, volumes.map(withoutVolume));
  recordOperation(cluster, agent, { type: 'DESTROY', destroy: { volumes: endpoint(volumes) } });
}

/** `validatePersistentVolume` of one resource, as GROW/SHRINK word it. */
function volumeError(v: Resource): string | undefined {
  if (!v.disk) return `Resource ${formatResources([v])} does not have DiskInfo`;
  if (!v.disk.persistence) return "'persistence' is not set in DiskInfo";
  if (!v.disk.volume) return "Expecting 'volume' to be set for persistent volume";
  if (v.disk.volume.mode === 'RO') return 'Read-only persistent volume not supported';
  return undefined;
}

/**
 * GROW_VOLUME (`validate(GrowVolume)`, then the allocator): the addition is > 0 and compatible with the volume (the
 * same disk with the same reservations: the stripped volume and the addition add up to one resource, which a
 * MOUNT disk never does), the volume neither shared nor from a resource provider, the agent RESIZE_VOLUME-capable;
 * then the volume and the addition must both be available (a missing or used volume, or a used addition, is 409).
 * @throws ApiError 400 (validation), 409 (not available).
 */
export function growVolume(cluster: Cluster, agentId: string | undefined, rawVolume: unknown, rawAddition: unknown): void {
  const agent = registeredAgent(cluster, agentId);
  const [volume] = upgrade([rawVolume]);
  const [addition] = upgrade([rawAddition]);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid GROW_VOLUME operation on agent ${agent.id}: ${msg}`);
  };
  if (!volume || !addition) return bad("Expecting 'volume' and 'addition' to be present");
  if (!((addition.scalar?.value ?? 0) > 0)) bad("The size of 'GrowVolume.addition' field must be greater than zero");
  if (volume.provider_id) bad('Growing a volume from a resource provider is not supported');
  const invalid = volumeError(volume);
  if (invalid) bad(`Invalid persistent volume in the 'GrowVolume.volume' field: ${invalid}`);
  if (volume.shared) bad('Growing a shared persistent volume is not supported');
  if (addRank([withoutVolume(volume), addition]) !== 1) bad("Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields");
  if (!agent.capabilities.includes('RESIZE_VOLUME')) bad(`Volume ${formatResources([volume])} cannot be grown on an agent without RESIZE_VOLUME capability`);
  const grown: Resource = { ...volume, scalar: { value: (volume.scalar?.value ?? 0) + (addition.scalar?.value ?? 0) } };
  consume(cluster, agent, [volume, addition], [grown]);
  recordOperation(cluster, agent, { type: 'GROW_VOLUME', grow_volume: { volume: toEndpointFormat(volume), addition: toEndpointFormat(addition) } });
}

/** How many resources a list adds up to (1: they merge into one). */
function addRank(list: Resource[]): number {
  return addResources([], list).length;
}

/**
 * SHRINK_VOLUME (`validate(ShrinkVolume)`, then the allocator): 0 < subtract < the volume's size, not on a MOUNT
 * disk, neither shared nor from a resource provider, the agent RESIZE_VOLUME-capable; the volume must be available
 * (missing or used: 409).
 * @throws ApiError 400 (validation), 409 (not available).
 */
export function shrinkVolume(cluster: Cluster, agentId: string | undefined, rawVolume: unknown, subtract: number): void {
  const agent = registeredAgent(cluster, agentId);
  const [volume] = upgrade([rawVolume]);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid SHRINK_VOLUME operation on agent ${agent.id}: ${msg}`);
  };
  if (!volume) return bad("Expecting 'volume' to be present");
  const size = volume.scalar?.value ?? 0;
  if (!(subtract > 0)) bad("Value of 'ShrinkVolume.subtract' must be greater than zero");
  if (size <= subtract) bad("Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'");
  if (volume.provider_id) bad('Shrinking a volume from a resource provider is not supported');
  if (diskSourceType(volume) === 'MOUNT') bad('Shrinking a volume on a MOUNT disk is not supported');
  const invalid = volumeError(volume);
  if (invalid) bad(`Invalid persistent volume in the 'ShrinkVolume.volume' field: ${invalid}`);
  if (volume.shared) bad('Shrinking a shared persistent volume is not supported');
  if (!agent.capabilities.includes('RESIZE_VOLUME')) bad(`Volume ${formatResources([volume])} cannot be shrunk on an agent without RESIZE_VOLUME capability`);
  const shrunk: Resource = { ...volume, scalar: { value: Math.round((size - subtract) * 1000) / 1000 } };
  const freed: Resource = { ...withoutVolume(volume), scalar: { value: subtract } };
  consume(cluster, agent, [volume], [shrunk, freed]);
  recordOperation(cluster, agent, { type: 'SHRINK_VOLUME', shrink_volume: { volume: toEndpointFormat(volume), subtract: { value: subtract } } });
}
