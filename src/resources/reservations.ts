/**
 * The decision of `updateReservations` (design.md "read, decide, write"): the dynamic reservations of one role on one
 * agent as desired state. Pure: the step's `skip` (plan mode included), the preflight check and the write activity
 * make the same decision on what they read, so a plan names what a run does and a retry after a lost 202 sends only
 * what is still missing (RESERVE is not idempotent: reserving twice reserves twice).
 *
 * What counts as the role's reservation of a resource: chunks reserved only to `role` (one dynamic reservation, no
 * labels, any principal), not from a resource provider; for `disk`, on the root disk, persistent volumes included
 * (they are carved out of the reservation and cannot be unreserved). MOUNT and PATH disks, static reservations,
 * refined (hierarchical) reservations and other roles are left alone.
 */
import { formatAmount, round3, sameAmount, type ResourceName } from './amounts';
import { dynamicReservation, free, isPlainRoot, reservedOnlyTo, toWire, type AgentResources, type Chunk, type WireResource } from './view';

export interface ReservationWant {
  role: string;
  /** The principal of new reservations (the cluster's credentials' by default; none without credentials). */
  principal?: string;
  name: ResourceName;
  /** The role's whole reservation of `name` wanted (cores, MB, GPUs); 0 releases it. */
  amount: number;
  /** Move to and from this role's reservations (RESERVE with `source`, Mesos ≥ 1.10) instead of the unreserved pool. */
  fromRole?: string;
}

/** One Operator API call the change needs. */
export type ReservationCall =
  | { kind: 'reserve'; resources: WireResource[]; source?: WireResource[]; what: string }
  | { kind: 'unreserve'; resources: WireResource[]; what: string };

export interface ReservationDecision {
  name: ResourceName;
  /** The role's reservation now (volumes included for disk). */
  current: number;
  /** Of which persistent volumes (disk only). */
  volumes: number;
  target: number;
  /** The calls, in order; empty when the reservation already holds. */
  calls: ReservationCall[];
  /** Why the change is refused before any call (it would need to unreserve a volume, move what is not there). */
  refusals: string[];
  /** What Mesos will most likely refuse (409): not enough free resources, reserved resources tasks hold. */
  warnings: string[];
  /** In words: "dev: 2 → 4 cores (RESERVE 2 cores)". */
  summary: string;
}

const countsFor = (role: string, name: ResourceName) => (c: Chunk): boolean =>
  c.name === name && reservedOnlyTo(c, role) && c.providerId === undefined && !c.shared && c.source.type === 'ROOT';

/** The role's reservation of `name` on the agent: plain chunks and (disk) root volumes. */
export function reservationOf(res: AgentResources, role: string, name: ResourceName): { total: number; plain: Chunk[]; volumes: number } {
  const mine = res.chunks.filter(countsFor(role, name));
  const plain = mine.filter(isPlainRoot);
  const volumes = round3(mine.filter((c) => c.volume !== undefined).reduce((s, c) => s + c.amount, 0));
  return { total: round3(mine.reduce((s, c) => s + c.amount, 0)), plain, volumes };
}

/** Takes `amount` from chunks (free parts first, our principal's first), as `[chunk, part]` pairs. */
function take(chunks: Chunk[], amount: number, principal: string | undefined): { parts: [Chunk, number][]; short: number; held: number } {
  const ordered = [...chunks].sort((a, b) => Number(b.reservations.at(-1)?.principal === principal) - Number(a.reservations.at(-1)?.principal === principal) || free(b) - free(a));
  const parts: [Chunk, number][] = [];
  let left = round3(amount);
  for (const c of ordered) {
    if (left <= 0) break;
    const part = Math.min(free(c), left);
    if (part > 0) {
      parts.push([c, round3(part)]);
      left = round3(left - part);
    }
  }
  // What only held (allocated) parts could give: sent anyway, Mesos decides (409).
  let held = 0;
  for (const c of ordered) {
    if (left <= 0) break;
    const part = Math.min(round3(c.amount - free(c)), left);
    if (part > 0) {
      const existing = parts.find(([x]) => x === c);
      if (existing) existing[1] = round3(existing[1] + part);
      else parts.push([c, round3(part)]);
      left = round3(left - part);
      held = round3(held + part);
    }
  }
  return { parts, short: left, held };
}

/** What `want` needs on the agent as `res` shows it. */
export function decideReservation(res: AgentResources, want: ReservationWant): ReservationDecision {
  const { role, name, principal, fromRole } = want;
  const mine = reservationOf(res, role, name);
  const target = round3(want.amount);
  const delta = round3(target - mine.total);
  const base = { name, current: mine.total, volumes: mine.volumes, target, calls: [] as ReservationCall[], refusals: [] as string[], warnings: [] as string[] };
  const amt = (v: number) => formatAmount(name, v);
  if (sameAmount(delta, 0)) return { ...base, summary: `${role} has ${amt(mine.total)} of ${name} reserved: nothing to do` };
  const summary = `${role}: ${amt(mine.total)} → ${amt(target)} of ${name}`;
  const ours = dynamicReservation(role, principal);

  if (delta < 0 && target < mine.volumes) {
    return {
      ...base,
      refusals: [`${name}: ${amt(target)} is below the ${amt(mine.volumes)} of ${role}'s persistent volumes on agent ${res.agentId} (volumes cannot be unreserved: destroy them first, e.g. persistentVolume with state "absent")`],
      summary,
    };
  }

  if (fromRole === undefined) {
    if (delta > 0) {
      const pool = res.chunks.filter((c) => c.name === name && c.reservations.length === 0 && isPlainRoot(c));
      const available = round3(pool.reduce((s, c) => s + free(c), 0));
      const warnings = available < delta ? [`${name}: only ${amt(available)} unreserved and free on agent ${res.agentId}, ${amt(delta)} needed: Mesos will refuse (409) unless tasks release some`] : [];
      const resources = [toWire({ name, reservations: [ours], shared: false }, delta)];
      return { ...base, warnings, calls: [{ kind: 'reserve', resources, what: `RESERVE ${amt(delta)} of ${name} for ${role}` }], summary: `${summary} (RESERVE ${amt(delta)})` };
    }
    const { parts, short, held } = take(mine.plain, -delta, principal);
    const warnings = held > 0 ? [`${name}: ${amt(held)} of ${role}'s reservation is held by tasks: Mesos will refuse (409) until they release it`] : [];
    const refusals = short > 0 ? [`${name}: only ${amt(round3(-delta - short))} of ${role}'s reservation is plain (not a volume), ${amt(-delta)} would have to be unreserved`] : [];
    const resources = parts.map(([c, part]) => toWire(c, part));
    return { ...base, refusals, warnings, calls: refusals.length > 0 ? [] : [{ kind: 'unreserve', resources, what: `UNRESERVE ${amt(-delta)} of ${name} of ${role}` }], summary: `${summary} (UNRESERVE ${amt(-delta)})` };
  }

  // A move between roles: RESERVE with `source`, one call per group of uniform reservations (Mesos refuses mixed ones).
  const [from, to, toReservation] = delta > 0 ? [fromRole, role, ours] : [role, fromRole, dynamicReservation(fromRole, principal)];
  const sourceChunks = delta > 0 ? reservationOf(res, fromRole, name).plain : mine.plain;
  const { parts, short, held } = take(sourceChunks, Math.abs(delta), principal);
  const refusals = short > 0 ? [`${name}: ${from} has only ${amt(round3(Math.abs(delta) - short))} of ${name} reserved (plain, not volumes) on agent ${res.agentId}, ${amt(Math.abs(delta))} would move to ${to}`] : [];
  const warnings = held > 0 ? [`${name}: ${amt(held)} of ${from}'s reservation is held by tasks: Mesos will refuse (409) to move it (the source must be unallocated)`] : [];
  const calls: ReservationCall[] = refusals.length > 0
    ? []
    : parts.map(([c, part]) => ({
        kind: 'reserve',
        source: [toWire(c, part)],
        resources: [toWire({ ...c, reservations: [toReservation] }, part)],
        what: `RESERVE ${amt(part)} of ${name} from ${from} to ${to}`,
      }));
  return { ...base, refusals, warnings, calls, summary: `${summary} (move ${amt(Math.abs(delta))} ${delta > 0 ? `from ${fromRole}` : `to ${fromRole}`})` };
}
