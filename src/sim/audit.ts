/**
 * The audit log: every mutating call a simulated master or agent received, with its target and outcome, so a
 * test can prove a runbook applied each change exactly once.
 */

/** One audited call. */
export interface AuditEntry {
  seq: number;
  /** ISO wall-clock time. */
  at: string;
  /** URL of the master (or agent) that received the call. */
  master: string;
  /** Call type, e.g. DRAIN_AGENT. */
  call: string;
  /** Agent id, machine(s), role(s), framework or container the call targets. */
  target?: string;
  /** HTTP status answered; for `applied-response-lost` the status the call produced; 0 when cut before any answer. */
  status: number;
  outcome: 'applied' | 'rejected' | 'applied-response-lost';
  /** Mesos's text of an error answer (e.g. `Unknown agent`), when the call was refused with one. */
  answer?: string;
}

/** Master calls that change state. */
export const MUTATING_MASTER_CALLS: ReadonlySet<string> = new Set([
  'SET_LOGGING_LEVEL', 'UPDATE_WEIGHTS', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES',
  'GROW_VOLUME', 'SHRINK_VOLUME', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'DRAIN_AGENT',
  'DEACTIVATE_AGENT', 'REACTIVATE_AGENT', 'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE',
]);

/** Agent calls that change state. */
export const MUTATING_AGENT_CALLS: ReadonlySet<string> = new Set([
  'SET_LOGGING_LEVEL', 'LAUNCH_NESTED_CONTAINER', 'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION', 'LAUNCH_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG', 'UPDATE_RESOURCE_PROVIDER_CONFIG', 'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE', 'PRUNE_IMAGES',
]);

/** The target of a call, from its raw JSON body. */
export function callTarget(raw: Record<string, unknown> | undefined, type: string): string | undefined {
  const sub = raw?.[type.toLowerCase()] as Record<string, unknown> | undefined;
  if (!sub || typeof sub !== 'object') return undefined;
  const agentId = (sub.agent_id as { value?: unknown } | undefined)?.value;
  if (typeof agentId === 'string') return agentId;
  const fwId = (sub.framework_id as { value?: unknown } | undefined)?.value;
  if (typeof fwId === 'string') return fwId;
  const container = (sub.container_id as { value?: unknown } | undefined)?.value;
  if (typeof container === 'string') return container;
  const machineList = (sub.machines as { hostname?: string; ip?: string }[] | undefined) ?? undefined;
  const schedule = sub.schedule as { windows?: { machine_ids?: { hostname?: string; ip?: string }[] }[] } | undefined;
  const machines = machineList ?? schedule?.windows?.flatMap((w) => w.machine_ids ?? []);
  if (Array.isArray(machines)) return machines.map((m) => [m.hostname, m.ip].filter(Boolean).join('/')).join(',');
  const roles = (sub.quota_configs as { role?: string }[] | undefined) ?? (sub.weight_infos as { role?: string }[] | undefined);
  if (Array.isArray(roles)) return roles.map((r) => r.role).join(',');
  if (typeof sub.role === 'string') return sub.role;
  const info = sub.info as { type?: string; name?: string } | undefined;
  if (info?.type) return `${info.type}/${info.name ?? ''}`;
  if (typeof sub.type === 'string' && typeof sub.name === 'string') return `${sub.type}/${sub.name}`;
  return undefined;
}

/** An append-only audit log. */
export class AuditLog {
  private readonly entries: AuditEntry[] = [];
  /** Called after each entry (the runtime writes it to the master log). */
  onRecord?: (entry: AuditEntry) => void;

  /** Appends an entry and returns it. */
  record(entry: Omit<AuditEntry, 'seq' | 'at'>): AuditEntry {
    const e: AuditEntry = { seq: this.entries.length + 1, at: new Date().toISOString(), ...entry };
    if (e.target === undefined) delete e.target;
    if (e.answer === undefined) delete e.answer;
    this.entries.push(e);
    this.onRecord?.(e);
    return e;
  }

  /** A copy of every entry, oldest first. */
  list(): AuditEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Empties the log. */
  clear(): void {
    this.entries.length = 0;
  }
}
