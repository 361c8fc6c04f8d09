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
  formatResources,
  isPersistentVolume,
  ResourceError,
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
const withoutDisk = (r: Resource): Resource => {
  const c = { ...r };
  delete c.disk;
  return c;
};

function checkPrincipal(op: string, agent: Agent, list: Resource[], principal: string | undefined): void {
  if (principal === undefined) return;
  for (const r of list) {
    const last = r.reservations[r.reservations.length - 1];
    if (last && last.principal !== principal) {
      throw new ApiError(400, `Invalid ${op} operation on agent ${agent.id}: A reserve operation was attempted by authenticated principal '${principal}', which does not match a reserved resource in the request with principal '${last.principal ?? ''}'`);
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
  checkPrincipal('RESERVE', agent, targets, principal);
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
    if (!last || last.type !== 'DYNAMIC') throw new ApiError(400, `Invalid UNRESERVE operation: Resources '${formatResources([r])}' are not dynamically reserved`);
    if (isPersistentVolume(r)) throw new ApiError(400, 'Invalid UNRESERVE operation: A dynamically reserved persistent volume cannot be unreserved');
  }
  consume(cluster, agent, list, list.map(popReservation));
  recordOperation(cluster, agent, { type: 'UNRESERVE', unreserve: { resources: endpoint(list) } });
}

/**
 * CREATE_VOLUMES.
 * @throws ApiError 400 (invalid volume, duplicate persistence id, unreserved disk), 409 (not available).
 */
export function createVolumes(cluster: Cluster, agentId: string, raw: unknown[] | undefined, principal?: string): void {
  const agent = registeredAgent(cluster, agentId);
  const volumes = upgrade(raw);
  const bad = (msg: string): never => {
    throw new ApiError(400, `Invalid CREATE_VOLUMES operation: ${msg}`);
  };
  const existing = new Set(agent.totalResources.filter(isPersistentVolume).map((r) => r.disk?.persistence?.id));
  for (const v of volumes) {
    if (!v.disk?.persistence) bad('Resources must have DiskInfo.persistence to be created as persistent volumes');
    if (!v.disk?.volume) bad('Expecting persistent volume to have volume set');
    if (v.disk?.volume?.mode === 'RO') bad('Read-only persistent volume not supported');
    if (v.reservations.length === 0) bad('Persistent volumes cannot be created from unreserved resources');
    if (existing.has(v.disk?.persistence?.id)) bad(`Persistence ID '${v.disk?.persistence?.id ?? ''}' already exists`);
    if (principal !== undefined && v.disk?.persistence?.principal !== principal) {
      bad(`Create volume operation has been attempted by authenticated principal '${principal}', which does not match the principal '${v.disk?.persistence?.principal ?? ''}' in the persistent volume`);
    }
    existing.add(v.disk?.persistence?.id);
  }
  consume(cluster, agent, volumes.map(withoutDisk), volumes);
  recordOperation(cluster, agent, { type: 'CREATE', create: { volumes: endpoint(volumes) } });
}

function findVolume(agent: Agent, v: Resource): Resource | undefined {
  return agent.totalResources.find((r) => isPersistentVolume(r) && r.disk?.persistence?.id === v.disk?.persistence?.id && r.name === v.name);
}

/**
 * DESTROY_VOLUMES.
 * @throws ApiError 400 (volume not found).
 */
export function destroyVolumes(cluster: Cluster, agentId: string, raw: unknown[] | undefined): void {
  const agent = registeredAgent(cluster, agentId);
  const volumes = upgrade(raw);
  for (const v of volumes) {
    const found = findVolume(agent, v);
    if (!found || !containsResources(agent.totalResources, [v])) throw new ApiError(400, 'Invalid DESTROY_VOLUMES operation: Persistent volumes not found');
  }
  consume(cluster, agent, volumes, volumes.map(withoutDisk));
  recordOperation(cluster, agent, { type: 'DESTROY', destroy: { volumes: endpoint(volumes) } });
}

/**
 * GROW_VOLUME.
 * @throws ApiError 400 (invalid addition, volume not found), 409 (not available).
 */
export function growVolume(cluster: Cluster, agentId: string | undefined, rawVolume: unknown, rawAddition: unknown): void {
  const agent = registeredAgent(cluster, agentId);
  const [volume] = upgrade([rawVolume]);
  const [addition] = upgrade([rawAddition]);
  if (!volume || !addition) throw new ApiError(400, 'Invalid GROW_VOLUME operation');
  if ((addition.scalar?.value ?? 0) <= 0) throw new ApiError(400, 'Invalid GROW_VOLUME operation: The size of the addition must be greater than zero');
  if (!isPersistentVolume(volume)) throw new ApiError(400, 'Invalid GROW_VOLUME operation: Volume is not a persistent volume');
  if (!agent.capabilities.includes('RESIZE_VOLUME')) throw new ApiError(400, 'Invalid GROW_VOLUME operation: Agent does not have RESIZE_VOLUME capability');
  if (!findVolume(agent, volume) || !containsResources(agent.totalResources, [volume])) throw new ApiError(400, 'Invalid GROW_VOLUME operation: Persistent volumes not found');
  const grown: Resource = { ...volume, scalar: { value: (volume.scalar?.value ?? 0) + (addition.scalar?.value ?? 0) } };
  consume(cluster, agent, [volume, addition], [grown]);
  recordOperation(cluster, agent, { type: 'GROW_VOLUME', grow_volume: { volume: toEndpointFormat(volume), addition: toEndpointFormat(addition) } });
}

/**
 * SHRINK_VOLUME.
 * @throws ApiError 400 (subtract out of range, volume not found).
 */
export function shrinkVolume(cluster: Cluster, agentId: string | undefined, rawVolume: unknown, subtract: number): void {
  const agent = registeredAgent(cluster, agentId);
  const [volume] = upgrade([rawVolume]);
  if (!volume) throw new ApiError(400, 'Invalid SHRINK_VOLUME operation');
  const size = volume.scalar?.value ?? 0;
  if (!(subtract > 0) || subtract >= size) throw new ApiError(400, 'Invalid SHRINK_VOLUME operation: The value of subtract must be greater than zero and less than the size of the volume');
  if (!findVolume(agent, volume) || !containsResources(agent.totalResources, [volume])) throw new ApiError(400, 'Invalid SHRINK_VOLUME operation: Persistent volumes not found');
  const shrunk: Resource = { ...volume, scalar: { value: size - subtract } };
  const freed: Resource = { ...withoutDisk(volume), scalar: { value: subtract } };
  consume(cluster, agent, [volume], [shrunk, freed]);
  recordOperation(cluster, agent, { type: 'SHRINK_VOLUME', shrink_volume: { volume: toEndpointFormat(volume), subtract: { value: subtract } } });
}
