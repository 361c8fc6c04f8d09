/**
 * The decisions of the volume runbooks (`resizeVolume`, `persistentVolume`), checked as the master checks them
 * (spec §6, src/master/validation.cpp): pure functions of one read, shared by preflight checks, the steps' `skip`
 * (plan mode included) and the write activities, so a plan names what a run does and a retry after a lost 202 never
 * resizes, creates or destroys twice.
 */
import { formatAmount, round3, sameAmount } from './amounts';
import { dynamicReservation, free, reservedOnlyTo, roleOf, toWire, type AgentResources, type Chunk, type WireResource } from './view';

export interface VolumeRef {
  role: string;
  persistenceId: string;
}

/** The volume `persistenceId` of `role` on the agent (a persistence id is unique per role on an agent). */
export function findVolume(res: AgentResources, ref: VolumeRef): Chunk | undefined {
  return res.chunks.find((c) => c.volume?.persistenceId === ref.persistenceId && roleOf(c) === ref.role);
}

const mb = (v: number) => formatAmount('disk', v);

/** The disk a volume was made from (persistence and volume cleared, the source kept): its addition's identity. */
function diskOfVolume(v: Chunk): Pick<Chunk, 'name' | 'reservations' | 'disk' | 'shared'> & { source: Chunk['source'] } {
  const source = v.disk?.source;
  return { name: v.name, reservations: v.reservations, ...(source !== undefined ? { disk: { source } } : {}), shared: false, source: v.source };
}

function sameDisk(a: Pick<Chunk, 'source'>, b: Pick<Chunk, 'source'>): boolean {
  return a.source.type === b.source.type && a.source.root === b.source.root;
}

/** What is wrong with using the volume at all: missing, shared, from a resource provider. */
function volumeProblems(v: Chunk | undefined, ref: VolumeRef, res: AgentResources): string[] {
  if (!v) return [`persistenceId: no persistent volume '${ref.persistenceId}' of role '${ref.role}' on agent ${res.agentId} (${res.hostname})`];
  const out: string[] = [];
  if (v.shared) out.push(`volume ${ref.persistenceId} is shared: Mesos resizes only volumes that are not shared`);
  if (v.providerId !== undefined) out.push(`volume ${ref.persistenceId} comes from resource provider ${v.providerId}: Mesos resizes only agent-default disks`);
  return out;
}

export type ResizeDecision =
  | { kind: 'done'; sizeMb: number; note: string }
  | { kind: 'grow'; sizeMb: number; by: number; volume: WireResource; addition: WireResource; note: string }
  | { kind: 'shrink'; sizeMb: number; by: number; volume: WireResource; note: string }
  | { kind: 'refuse'; sizeMb?: number; problems: string[]; inUse?: boolean; volume?: WireResource };

/**
 * GROW_VOLUME or SHRINK_VOLUME for the difference to `targetSizeMb`, or nothing when the volume is at it. Refused
 * (each problem named) as the master would: grow needs an addition of the same disk with the volume's exact
 * reservations, free, and the RESIZE_VOLUME capability, and a MOUNT disk never grows; shrink stays above 0 and is
 * not on a MOUNT disk; neither for a shared volume, one from a resource provider, or one a task uses.
 */
export function decideResize(res: AgentResources, capabilities: string[], want: VolumeRef & { targetSizeMb: number }): ResizeDecision {
  const v = findVolume(res, want);
  const problems = volumeProblems(v, want, res);
  if (!v) return { kind: 'refuse', problems };
  const size = v.amount;
  const target = round3(want.targetSizeMb);
  if (sameAmount(size, target)) return { kind: 'done', sizeMb: size, note: `volume ${want.persistenceId} is already ${mb(size)}` };
  if (problems.length > 0) return { kind: 'refuse', sizeMb: size, problems, volume: toWire(v, size) };
  if (!capabilities.includes('RESIZE_VOLUME')) problems.push(`agent ${res.agentId} lacks the RESIZE_VOLUME capability (Mesos ≥ 1.7 agents have it)`);
  const inUse = v.allocated > 0;
  if (inUse) problems.push(`volume ${want.persistenceId} is in use by a task on agent ${res.agentId}: Mesos resizes only a volume no task holds`);
  const volume = toWire(v, size);
  if (target > size) {
    const by = round3(target - size);
    if (v.source.type === 'MOUNT') problems.push(`volume ${want.persistenceId} is on a MOUNT disk, which is used whole: it cannot grow`);
    const disk = diskOfVolume(v);
    const pool = res.chunks.filter((c) => c.volume === undefined && c.name === 'disk' && c.providerId === undefined && !c.shared && sameDisk(c, disk) && JSON.stringify(c.reservations) === JSON.stringify(v.reservations));
    const available = round3(pool.reduce((s, c) => s + free(c), 0));
    if (v.source.type !== 'MOUNT' && available < by) {
      problems.push(`growing by ${mb(by)} needs that much disk reserved exactly as the volume (${v.reservations.map((r) => `${r.role}${r.principal ? `/${r.principal}` : ''}`).join(' > ')}) on the same disk and free: ${mb(available)} is (reserve more with updateReservations)`);
    }
    if (problems.length > 0) return { kind: 'refuse', sizeMb: size, problems, inUse, volume };
    return { kind: 'grow', sizeMb: size, by, volume, addition: toWire(disk, by), note: `GROW_VOLUME ${want.persistenceId} by ${mb(by)}: ${mb(size)} → ${mb(target)}` };
  }
  const by = round3(size - target);
  if (v.source.type === 'MOUNT') problems.push(`volume ${want.persistenceId} is on a MOUNT disk: Mesos does not shrink volumes on MOUNT disks`);
  if (!(target > 0)) problems.push('targetSizeMb: a volume stays above 0 MB (destroy it with persistentVolume state "absent")');
  if (problems.length > 0) return { kind: 'refuse', sizeMb: size, problems, inUse, volume };
  return { kind: 'shrink', sizeMb: size, by, volume, note: `SHRINK_VOLUME ${want.persistenceId} by ${mb(by)}: ${mb(size)} → ${mb(target)}` };
}

export interface VolumeWant extends VolumeRef {
  containerPath: string;
  sizeMb: number;
  principal?: string;
  /** Use this MOUNT disk (its root, e.g. /mnt/disk0) whole instead of the root disk. */
  mountRoot?: string;
}

export type CreateDecision = {
  /** The volume already exists as wanted. */
  present: boolean;
  /** Disk to RESERVE for the role first (absent: enough is reserved, or the volume exists). */
  reserve?: WireResource[];
  reserveNote?: string;
  /** The CREATE_VOLUMES volume. */
  volume: WireResource;
  problems: string[];
  note: string;
};

/**
 * What `persistentVolume` with state "present" needs: the disk reserved for the role (on the root disk: the part of
 * `sizeMb` the role's reservation by this principal lacks; a MOUNT disk: the whole disk), then CREATE_VOLUMES. A
 * volume with that id but another size or path is refused, naming resizeVolume.
 */
export function decideCreate(res: AgentResources, want: VolumeWant): CreateDecision {
  const reservation = dynamicReservation(want.role, want.principal);
  const persistence = { id: want.persistenceId, ...(want.principal !== undefined ? { principal: want.principal } : {}) };
  const existing = findVolume(res, want);
  const problems: string[] = [];
  let mount: Chunk | undefined;
  if (want.mountRoot !== undefined) {
    mount = res.chunks.find((c) => c.name === 'disk' && c.volume === undefined && c.source.type === 'MOUNT' && c.source.root === want.mountRoot);
    if (!mount && !existing) {
      const roots = res.chunks.filter((c) => c.source.type === 'MOUNT' && c.volume === undefined).map((c) => `${c.source.root} (${mb(c.amount)}, ${roleOf(c) === '*' ? 'unreserved' : `reserved to ${roleOf(c)}`})`);
      problems.push(`mountRoot: no free MOUNT disk at '${want.mountRoot}' on agent ${res.agentId}${roots.length ? ` (MOUNT disks: ${roots.join(', ')})` : ' (it has none)'}`);
    }
  }
  const source = mount?.disk?.source ?? existing?.disk?.source;
  const volume = toWire({ name: 'disk', reservations: [reservation], shared: false, disk: { ...(source !== undefined ? { source } : {}), persistence, volume: { container_path: want.containerPath, mode: 'RW' } } }, want.sizeMb);
  if (existing) {
    const samePath = existing.volume?.containerPath === want.containerPath;
    const sameSize = sameAmount(existing.amount, want.sizeMb);
    if (samePath && sameSize) return { present: true, volume, problems: [], note: `volume ${want.persistenceId} of ${want.role} is present: ${mb(existing.amount)} at ${want.containerPath}` };
    if (!sameSize) problems.push(`persistenceId: volume '${want.persistenceId}' of role '${want.role}' already exists with ${mb(existing.amount)} (not ${mb(want.sizeMb)}): change its size with resizeVolume`);
    if (!samePath) problems.push(`containerPath: volume '${want.persistenceId}' of role '${want.role}' is mounted at '${existing.volume?.containerPath}' (not '${want.containerPath}'): a volume's path cannot change`);
    return { present: false, volume, problems, note: problems.join('; ') };
  }
  if (mount) {
    if (!sameAmount(mount.amount, want.sizeMb)) problems.push(`sizeMb: the MOUNT disk at ${want.mountRoot} is used whole: give sizeMb ${round3(mount.amount)} (not ${want.sizeMb})`);
    if (mount.allocated > 0) problems.push(`the MOUNT disk at ${want.mountRoot} is in use by a task`);
    const mine = JSON.stringify(mount.reservations) === JSON.stringify([reservation]);
    if (mount.reservations.length > 0 && !mine) problems.push(`the MOUNT disk at ${want.mountRoot} is reserved to ${roleOf(mount)}${mount.reservations.at(-1)?.principal ? ` by ${mount.reservations.at(-1)?.principal}` : ''}, not to ${want.role}${want.principal ? ` by ${want.principal}` : ''}`);
    const reserve = mount.reservations.length === 0 ? [toWire({ ...mount, reservations: [reservation] }, mount.amount)] : undefined;
    return {
      present: false,
      volume,
      problems,
      ...(reserve ? { reserve, reserveNote: `RESERVE the MOUNT disk ${want.mountRoot} (${mb(mount.amount)}, whole) for ${want.role}` } : {}),
      note: `CREATE_VOLUMES ${want.persistenceId}: the MOUNT disk ${want.mountRoot} (${mb(mount.amount)}) at ${want.containerPath}`,
    };
  }
  // Root disk: the reservation with exactly this reservation (role, principal, no labels), free.
  const reserved = res.chunks.filter((c) => c.name === 'disk' && c.volume === undefined && c.disk === undefined && c.providerId === undefined && reservedOnlyTo(c, want.role) && c.reservations[0]?.principal === want.principal);
  const have = round3(reserved.reduce((s, c) => s + free(c), 0));
  const short = round3(want.sizeMb - have);
  const reserve = short > 0 ? [toWire({ name: 'disk', reservations: [reservation], shared: false }, short)] : undefined;
  if (short > 0) {
    const pool = round3(res.chunks.filter((c) => c.name === 'disk' && c.reservations.length === 0 && c.disk === undefined && c.providerId === undefined).reduce((s, c) => s + free(c), 0));
    if (pool < short) problems.push(`sizeMb: ${mb(short)} more disk must be reserved for ${want.role} but only ${mb(pool)} of the root disk is unreserved and free on agent ${res.agentId}`);
  }
  return {
    present: false,
    volume,
    problems,
    ...(reserve ? { reserve, reserveNote: `RESERVE ${mb(short)} of disk for ${want.role} (${mb(have)} reserved and free already)` } : {}),
    note: `CREATE_VOLUMES ${want.persistenceId}: ${mb(want.sizeMb)} of ${want.role}'s disk at ${want.containerPath}`,
  };
}

export type DestroyDecision =
  | { kind: 'absent'; note: string }
  | { kind: 'destroy'; volume: WireResource; sizeMb: number; inUse: boolean; note: string };

/** DESTROY_VOLUMES of the volume, or nothing when it is absent; `inUse` when a task holds it (Mesos refuses then). */
export function decideDestroy(res: AgentResources, ref: VolumeRef): DestroyDecision {
  const v = findVolume(res, ref);
  if (!v) return { kind: 'absent', note: `no volume ${ref.persistenceId} of ${ref.role} on agent ${res.agentId}: already absent` };
  return {
    kind: 'destroy',
    volume: toWire(v, v.amount),
    sizeMb: v.amount,
    inUse: v.allocated > 0,
    note: `DESTROY_VOLUMES ${ref.persistenceId} (${mb(v.amount)} at ${v.volume?.containerPath ?? '?'}; its data is lost; the disk stays reserved to ${ref.role})`,
  };
}

/** The reservations and volumes an agent holds (what marking it gone loses), in words. */
export function describeHoldings(res: AgentResources): { reservations: string[]; volumes: string[] } {
  const byRole = new Map<string, Map<string, number>>();
  const volumes: string[] = [];
  for (const c of res.chunks) {
    if (c.reservations.length === 0) continue;
    const role = roleOf(c);
    if (c.volume) {
      volumes.push(`${c.volume.persistenceId} (${role}, ${mb(c.amount)} at ${c.volume.containerPath})`);
      continue;
    }
    const m = byRole.get(role) ?? new Map<string, number>();
    m.set(c.name, round3((m.get(c.name) ?? 0) + c.amount));
    byRole.set(role, m);
  }
  const reservations = [...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([role, m]) => `${role}: ${[...m].map(([n, v]) => `${n} ${formatAmount(n, v)}`).join(', ')}`);
  return { reservations, volumes };
}
