/**
 * Mesos resources: the normalised ("refined reservations") form the model keeps, arithmetic (add, subtract,
 * contains) over it, conversion from the legacy input format, and the endpoint format written in responses
 * (src/common/resources_utils.cpp `convertResourceFormat(..., ENDPOINT)`).
 */
import { canonical } from '../../resources/view';

/** A reservation (ReservationInfo). */
export interface Reservation {
  type?: 'STATIC' | 'DYNAMIC';
  role?: string;
  principal?: string;
  labels?: { labels?: { key: string; value?: string }[] };
}

/** A persistent volume / disk description (DiskInfo). */
export interface Disk {
  persistence?: { id: string; principal?: string };
  volume?: { container_path: string; host_path?: string; mode?: 'RW' | 'RO' };
  source?: unknown;
}

/** One resource in normalised form: `reservations` (possibly empty) instead of the legacy `role`/`reservation`. */
export interface Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  set?: { item: string[] };
  reservations: Reservation[];
  disk?: Disk;
  provider_id?: { value: string };
  /** Set on a shared persistent volume (Resource.SharedInfo, an empty message). */
  shared?: Record<string, never>;
}

/** A resource error; the message follows Mesos's `Resources::validate` wording. */
export class ResourceError extends Error {
  readonly code = 'RESOURCE_INVALID';
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Builds an unreserved scalar resource. */
export function scalar(name: string, value: number, reservations: Reservation[] = []): Resource {
  return { name, type: 'SCALAR', scalar: { value }, reservations };
}

/** Builds an unreserved ranges resource. */
export function ranges(name: string, list: [number, number][], reservations: Reservation[] = []): Resource {
  return { name, type: 'RANGES', ranges: { range: list.map(([begin, end]) => ({ begin, end })) }, reservations };
}

/**
 * Converts a resource as received (either format; values from the proto converter) to the normalised form
 * (`validateAndUpgradeResources`).
 * @throws ResourceError when the resource is malformed (e.g. SCALAR without `scalar`, negative value).
 */
export function upgradeResource(input: Record<string, unknown>): Resource {
  const name = String(input.name);
  const type = input.type as Resource['type'];
  const r: Resource = { name, type, reservations: [] };
  if (type === 'SCALAR') {
    const s = input.scalar as { value?: number } | undefined;
    if (!s || typeof s.value !== 'number') throw new ResourceError(`Invalid scalar resource ${name}: missing 'scalar'`);
    if (!Number.isFinite(s.value) || s.value < 0) throw new ResourceError(`Invalid scalar resource ${name}: value ${s.value} is negative or not finite`);
    r.scalar = { value: round3(s.value) };
  } else if (type === 'RANGES') {
    const rg = input.ranges as { range?: { begin: bigint | number; end: bigint | number }[] } | undefined;
    if (!rg) throw new ResourceError(`Invalid ranges resource ${name}: missing 'ranges'`);
    r.ranges = { range: (rg.range ?? []).map((x) => ({ begin: Number(x.begin), end: Number(x.end) })) };
    for (const x of r.ranges.range) if (x.begin > x.end) throw new ResourceError(`Invalid ranges resource ${name}: begin > end`);
  } else if (type === 'SET') {
    const st = input.set as { item?: string[] } | undefined;
    if (!st) throw new ResourceError(`Invalid set resource ${name}: missing 'set'`);
    r.set = { item: [...(st.item ?? [])] };
  }
  const reservations = (input.reservations as Reservation[] | undefined) ?? [];
  const legacyRole = input.role as string | undefined;
  const legacyReservation = input.reservation as Reservation | undefined;
  if (reservations.length > 0) {
    if (legacyRole !== undefined && legacyRole !== '*' && reservations.length === 0) throw new ResourceError('Invalid resource format');
    r.reservations = reservations.map((x) => ({ ...x }));
  } else if (legacyRole !== undefined && legacyRole !== '*') {
    const res: Reservation = { type: legacyReservation ? 'DYNAMIC' : 'STATIC', role: legacyRole };
    if (legacyReservation?.principal !== undefined) res.principal = legacyReservation.principal;
    if (legacyReservation?.labels !== undefined) res.labels = legacyReservation.labels;
    r.reservations = [res];
  }
  if (input.disk !== undefined) r.disk = input.disk as Disk;
  if (input.provider_id !== undefined) r.provider_id = input.provider_id as { value: string };
  if (input.shared !== undefined && input.shared !== null) r.shared = {};
  return r;
}

/** The role a resource is reserved to ('*' when unreserved). */
export function reservedRole(r: Resource): string {
  return r.reservations.length === 0 ? '*' : (r.reservations[r.reservations.length - 1]?.role ?? '*');
}

/** True for a persistent volume. */
export function isPersistentVolume(r: Resource): boolean {
  return r.disk?.persistence !== undefined;
}

/** The disk source type of a disk resource: ROOT (no source), PATH or MOUNT. */
export function diskSourceType(r: Resource): 'ROOT' | 'PATH' | 'MOUNT' | string {
  const type = (r.disk?.source as { type?: string } | undefined)?.type;
  return type ?? 'ROOT';
}

/**
 * A resource that cannot be split or merged: a MOUNT disk is used whole (`Resources::addable`/`subtractable`), and
 * a persistent volume is one volume.
 */
function indivisible(r: Resource): boolean {
  return isPersistentVolume(r) || (r.name === 'disk' && diskSourceType(r) === 'MOUNT');
}

function identity(r: Resource): string {
  if (r.reservations.length === 0 && r.disk === undefined && r.provider_id === undefined && r.shared === undefined) return `${r.name}\u0000${r.type}`;
  return canonical([r.name, r.type, r.reservations, r.disk ?? null, r.provider_id ?? null, r.shared ? 'shared' : null]);
}

/** Adds `b` into the list `a` (a new list), merging resources of the same identity. */
export function addResources(a: Resource[], b: Resource[]): Resource[] {
  const out = a.map(clone);
  for (const r of b) {
    const same = out.find((x) => identity(x) === identity(r) && !indivisible(x));
    if (!same) {
      out.push(clone(r));
      continue;
    }
    if (same.type === 'SCALAR' && same.scalar && r.scalar) same.scalar.value = round3(same.scalar.value + r.scalar.value);
    else if (same.type === 'RANGES' && same.ranges && r.ranges) same.ranges.range = mergeRanges([...same.ranges.range, ...r.ranges.range]);
    else if (same.type === 'SET' && same.set && r.set) same.set.item = [...new Set([...same.set.item, ...r.set.item])];
  }
  return out;
}

/** True when the list `a` contains every resource of `b`. */
export function containsResources(a: Resource[], b: Resource[]): boolean {
  try {
    subtractResources(a, b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Subtracts `b` from `a` (a new list).
 * @throws ResourceError when `a` does not contain `b`.
 */
export function subtractResources(a: Resource[], b: Resource[]): Resource[] {
  let out = a.map(clone);
  for (const r of b) {
    const idx = out.findIndex((x) => identity(x) === identity(r));
    const same = out[idx];
    if (!same) throw new ResourceError('not contained');
    if (same.type === 'SCALAR' && same.scalar && r.scalar) {
      // A MOUNT disk (or a volume on one) is used whole: only the whole resource is contained.
      if (indivisible(same) && same.scalar.value !== r.scalar.value) throw new ResourceError('not contained');
      const left = round3(same.scalar.value - r.scalar.value);
      if (left < 0) throw new ResourceError('not contained');
      same.scalar.value = left;
      if (left === 0) out = out.filter((_, i) => i !== idx);
    } else if (same.type === 'RANGES' && same.ranges && r.ranges) {
      same.ranges.range = subtractRanges(same.ranges.range, r.ranges.range);
      if (same.ranges.range.length === 0) out = out.filter((_, i) => i !== idx);
    } else if (same.type === 'SET' && same.set && r.set) {
      for (const item of r.set.item) if (!same.set.item.includes(item)) throw new ResourceError('not contained');
      same.set.item = same.set.item.filter((i) => !r.set?.item.includes(i));
      if (same.set.item.length === 0) out = out.filter((_, i) => i !== idx);
    }
  }
  return out;
}

function mergeRanges(list: { begin: number; end: number }[]): { begin: number; end: number }[] {
  const sorted = [...list].sort((x, y) => x.begin - y.begin);
  const out: { begin: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

function subtractRanges(a: { begin: number; end: number }[], b: { begin: number; end: number }[]): { begin: number; end: number }[] {
  let out = mergeRanges(a);
  for (const r of b) {
    const host = out.find((x) => x.begin <= r.begin && x.end >= r.end);
    if (!host) throw new ResourceError('not contained');
    const pieces: { begin: number; end: number }[] = [];
    if (host.begin < r.begin) pieces.push({ begin: host.begin, end: r.begin - 1 });
    if (r.end < host.end) pieces.push({ begin: r.end + 1, end: host.end });
    out = mergeRanges([...out.filter((x) => x !== host), ...pieces]);
  }
  return out;
}

function clone(r: Resource): Resource {
  const c: Resource = { name: r.name, type: r.type, reservations: r.reservations.length === 0 ? [] : (JSON.parse(JSON.stringify(r.reservations)) as Reservation[]) };
  if (r.scalar) c.scalar = { value: r.scalar.value };
  if (r.ranges) c.ranges = { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) };
  if (r.set) c.set = { item: [...r.set.item] };
  if (r.disk) c.disk = JSON.parse(JSON.stringify(r.disk)) as Disk;
  if (r.provider_id) c.provider_id = { value: r.provider_id.value };
  if (r.shared) c.shared = {};
  return c;
}

/** Resource in the endpoint format: `role` "*" when unreserved; legacy `role` + `reservation` for one reservation. */
export function toEndpointFormat(r: Resource): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name, type: r.type };
  if (r.scalar) out.scalar = { value: r.scalar.value };
  if (r.ranges) out.ranges = { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) };
  if (r.set) out.set = { item: [...r.set.item] };
  if (r.provider_id) out.provider_id = r.provider_id;
  if (r.reservations.length === 0) out.role = '*';
  else {
    out.reservations = r.reservations.map((x) => ({ ...x }));
    if (r.reservations.length === 1) {
      const only = r.reservations[0] as Reservation;
      out.role = only.role;
      if (only.type === 'DYNAMIC') {
        const legacy: Record<string, unknown> = {};
        if (only.principal !== undefined) legacy.principal = only.principal;
        if (only.labels !== undefined) legacy.labels = only.labels;
        out.reservation = legacy;
      }
    }
  }
  if (r.disk) out.disk = r.disk;
  if (r.shared) out.shared = {};
  return out;
}

/** Mesos's text form of resources (`cpus:2; mem:1024; ports:[31000-32000]`), used in 409 messages. */
export function formatResources(list: Resource[]): string {
  return list
    .map((r) => {
      const res = r.reservations.length === 0 ? '' : `(reservations: [${r.reservations.map((x) => `(${x.type ?? 'DYNAMIC'},${x.role ?? ''}${x.principal ? ',' + x.principal : ''})`).join(',')}])`;
      const disk = r.disk?.persistence ? `[${r.disk.persistence.id}:${r.disk.volume?.container_path ?? ''}]` : '';
      let value = '';
      if (r.scalar) value = String(r.scalar.value);
      else if (r.ranges) value = `[${r.ranges.range.map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
      else if (r.set) value = `{${r.set.item.join(', ')}}`;
      return `${r.name}${res}${disk}:${value}`;
    })
    .join('; ');
}

/** Sum of a scalar resource over a list. */
export function scalarSum(list: Resource[], name: string): number {
  let sum = 0;
  for (const r of list) if (r.name === name && r.scalar) sum += r.scalar.value;
  return round3(sum);
}
