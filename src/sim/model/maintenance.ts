/**
 * Maintenance schedule and machine modes (spec §5; src/master/maintenance.cpp, src/master/http.cpp).
 */
import { nanos, stringifyJson } from '../json';
import type { Cluster } from './cluster';
import { ApiError } from './errors';
import type { Agent } from './types';

/** A MachineID: hostname and/or ip. */
export interface MachineId {
  hostname?: string;
  ip?: string;
}

/** An unavailability window's times. */
export interface Unavailability {
  startNs: bigint;
  durationNs?: bigint;
}

/** A window of the schedule. */
export interface MaintenanceWindow {
  machineIds: MachineId[];
  unavailability: Unavailability;
}

/** A machine the master knows from the schedule. */
export interface MachineRecord {
  id: MachineId;
  mode: 'DRAINING' | 'DOWN';
  unavailability: Unavailability;
}

/** The maintenance part of the registry. */
export interface MaintenanceState {
  windows: MaintenanceWindow[];
  machines: Map<string, MachineRecord>;
}

/** An empty schedule. */
export function emptyMaintenance(): MaintenanceState {
  return { windows: [], machines: new Map() };
}

/**
 * The key of a MachineID: equal ids (presence of each field equal, hostname case-insensitive, ip exact) have
 * equal keys.
 */
export function machineKey(id: MachineId): string {
  return `${id.hostname === undefined ? '\u0000' : id.hostname.toLowerCase()}|${id.ip === undefined ? '\u0000' : id.ip}`;
}

/** The machine of an agent (always both fields). */
export function agentMachine(agent: Agent): MachineId {
  return { hostname: agent.hostname, ip: agent.ip };
}

/** MachineID as JSON text, the way Mesos writes it inside error messages. */
export function machineText(id: MachineId): string {
  const o: Record<string, string> = {};
  if (id.hostname !== undefined) o.hostname = id.hostname;
  if (id.ip !== undefined) o.ip = id.ip;
  return stringifyJson(o);
}

function isIPv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function validateMachineId(id: MachineId): void {
  if ((id.hostname ?? '') === '' && (id.ip ?? '') === '') throw new ApiError(400, "Both 'hostname' and 'ip' for a machine are empty");
  if (id.ip !== undefined && id.ip !== '' && !isIPv4(id.ip)) throw new ApiError(400, `Failed to parse IP address '${id.ip}'`);
}

function toMachineId(raw: Record<string, unknown>): MachineId {
  const id: MachineId = {};
  if (typeof raw.hostname === 'string') id.hostname = raw.hostname;
  if (typeof raw.ip === 'string') id.ip = raw.ip;
  return id;
}

/**
 * UPDATE_MAINTENANCE_SCHEDULE: validates and replaces the whole schedule.
 * @throws ApiError 400 for an empty window, a negative duration, an empty or malformed machine, a duplicate
 *   machine, or a DOWN machine left out of the new schedule.
 */
export function updateSchedule(cluster: Cluster, schedule: { windows?: Record<string, unknown>[] }): void {
  const windows: MaintenanceWindow[] = [];
  const seen = new Set<string>();
  for (const w of schedule.windows ?? []) {
    const ids = ((w.machine_ids as Record<string, unknown>[] | undefined) ?? []).map(toMachineId);
    if (ids.length === 0) throw new ApiError(400, 'List of machines in the maintenance window is empty');
    const un = w.unavailability as { start: { nanoseconds: bigint }; duration?: { nanoseconds: bigint } };
    if (un.duration !== undefined && un.duration.nanoseconds < 0n) throw new ApiError(400, "Unavailability 'duration' is negative");
    for (const id of ids) {
      validateMachineId(id);
      const key = machineKey(id);
      if (seen.has(key)) throw new ApiError(400, `Machine '${machineText(id)}' appears more than once in the schedule`);
      seen.add(key);
    }
    const unavailability: Unavailability = { startNs: un.start.nanoseconds };
    if (un.duration !== undefined) unavailability.durationNs = un.duration.nanoseconds;
    windows.push({ machineIds: ids, unavailability });
  }
  for (const [key, m] of cluster.maintenance.machines) {
    if (m.mode === 'DOWN' && !seen.has(key)) throw new ApiError(400, `Machine '${machineText(m.id)}' is deactivated and cannot be removed from the schedule`);
  }
  const machines = new Map<string, MachineRecord>();
  for (const w of windows) {
    for (const id of w.machineIds) {
      const key = machineKey(id);
      const old = cluster.maintenance.machines.get(key);
      machines.set(key, { id, mode: old?.mode ?? 'DRAINING', unavailability: w.unavailability });
    }
  }
  cluster.maintenance = { windows, machines };
  cluster.touch();
}

function validateMachineList(raw: Record<string, unknown>[] | undefined): MachineId[] {
  const ids = (raw ?? []).map(toMachineId);
  if (ids.length === 0) throw new ApiError(400, 'List of machines is empty');
  const seen = new Set<string>();
  for (const id of ids) {
    validateMachineId(id);
    const key = machineKey(id);
    if (seen.has(key)) throw new ApiError(400, `Machine '${machineText(id)}' appears more than once in the list`);
    seen.add(key);
  }
  return ids;
}

/** Registered agents (connected or not) on a machine. */
export function agentsOnMachine(cluster: Cluster, id: MachineId): Agent[] {
  const key = machineKey(id);
  return cluster.registeredAgents().filter((a) => machineKey(agentMachine(a)) === key);
}

/**
 * START_MAINTENANCE: the machines (each DRAINING) go DOWN; their registered agents are shut down and removed.
 * @returns the machines brought down, for the caller to remove their agents.
 * @throws ApiError 400 for an empty list, a bad or duplicate id, an unknown machine, or one not DRAINING.
 */
export function startMaintenance(cluster: Cluster, raw: Record<string, unknown>[] | undefined): MachineId[] {
  const ids = validateMachineList(raw);
  for (const id of ids) {
    const m = cluster.maintenance.machines.get(machineKey(id));
    if (!m) throw new ApiError(400, `Machine '${machineText(id)}' is not part of a maintenance schedule`);
    if (m.mode !== 'DRAINING') throw new ApiError(400, `Machine '${machineText(id)}' is not in DRAINING mode and cannot be brought down`);
  }
  for (const id of ids) {
    const m = cluster.maintenance.machines.get(machineKey(id));
    if (m) m.mode = 'DOWN';
  }
  cluster.touch();
  return ids;
}

/**
 * STOP_MAINTENANCE: the machines (each DOWN) go UP and leave the schedule.
 * @throws ApiError 400 for an empty list, a bad or duplicate id, an unknown machine, or one not DOWN.
 */
export function stopMaintenance(cluster: Cluster, raw: Record<string, unknown>[] | undefined): MachineId[] {
  const ids = validateMachineList(raw);
  for (const id of ids) {
    const m = cluster.maintenance.machines.get(machineKey(id));
    if (!m) throw new ApiError(400, `Machine '${machineText(id)}' is not part of a maintenance schedule`);
    if (m.mode !== 'DOWN') throw new ApiError(400, `Machine '${machineText(id)}' is not in DOWN mode and cannot be brought up`);
  }
  const keys = new Set(ids.map(machineKey));
  for (const key of keys) cluster.maintenance.machines.delete(key);
  cluster.maintenance.windows = cluster.maintenance.windows
    .map((w) => ({ ...w, machineIds: w.machineIds.filter((id) => !keys.has(machineKey(id))) }))
    .filter((w) => w.machineIds.length > 0);
  cluster.touch();
  return ids;
}

/** True when the machine is in the schedule (any mode). */
export function isScheduled(cluster: Cluster, id: MachineId): boolean {
  return cluster.maintenance.machines.has(machineKey(id));
}

/** True when the machine is DOWN. */
export function isDown(cluster: Cluster, id: MachineId): boolean {
  return cluster.maintenance.machines.get(machineKey(id))?.mode === 'DOWN';
}

function unavailabilityJson(u: Unavailability): Record<string, unknown> {
  const v: Record<string, unknown> = { start: nanos(u.startNs) };
  if (u.durationNs !== undefined) v.duration = nanos(u.durationNs);
  return v;
}

/** GET_MAINTENANCE_SCHEDULE payload. */
export function scheduleView(cluster: Cluster): Record<string, unknown> {
  if (cluster.maintenance.windows.length === 0) return { schedule: {} };
  return {
    schedule: {
      windows: cluster.maintenance.windows.map((w) => ({ machine_ids: w.machineIds.map((m) => ({ ...m })), unavailability: unavailabilityJson(w.unavailability) })),
    },
  };
}

/** GET_MAINTENANCE_STATUS payload. */
export function statusView(cluster: Cluster): Record<string, unknown> {
  const draining: Record<string, unknown>[] = [];
  const down: MachineId[] = [];
  for (const m of cluster.maintenance.machines.values()) {
    if (m.mode === 'DRAINING') draining.push({ id: { ...m.id } });
    else down.push({ ...m.id });
  }
  const status: Record<string, unknown> = {};
  if (draining.length > 0) status.draining_machines = draining;
  if (down.length > 0) status.down_machines = down;
  return { status };
}
