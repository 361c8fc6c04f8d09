/**
 * Quota, weights and roles (spec §7).
 */
import type { Cluster } from './cluster';
import { roleError } from '../../resources/quota';
import { ApiError } from './errors';
import { reservedRole, scalarSum, toEndpointFormat, type Resource } from './resources';
import { isTerminal } from './types';

export { roleError };

type ScalarMap = Record<string, number>;
const MAX_MB = 1024 * 1024 * 1024 * 1024; // 1 exabyte in MB
const MAX_OTHER = 1e12;

function fmt(m: ScalarMap): string {
  const keys = Object.keys(m).sort();
  return `{ ${keys.map((k) => `${k}: ${m[k]}`).join(', ')} }`;
}

function toMap(raw: unknown): ScalarMap {
  const out: ScalarMap = {};
  for (const [k, v] of Object.entries((raw as Record<string, { value: number }> | undefined) ?? {})) out[k] = v.value;
  return out;
}

/**
 * Resources a role consumes (Mesos ≥ 1.10 "consumed quota"): its reservations (and its children's), used or not, plus
 * the unreserved resources its frameworks' tasks hold (reserved ones already count as reservations).
 */
export function roleConsumption(cluster: Cluster, role: string): ScalarMap {
  const out: ScalarMap = {};
  const add = (r: Resource): void => {
    if (r.scalar) out[r.name] = Math.round(((out[r.name] ?? 0) + r.scalar.value) * 1000) / 1000;
  };
  for (const t of cluster.tasks.values()) {
    if (isTerminal(t.state)) continue;
    const fw = cluster.frameworks.get(t.frameworkId);
    if (fw && (fw.role === role || fw.role.startsWith(`${role}/`))) t.resources.filter((r) => r.reservations.length === 0).forEach(add);
  }
  for (const a of cluster.registeredAgents()) for (const r of a.totalResources) if (reservedRole(r) === role || reservedRole(r).startsWith(`${role}/`)) add(r);
  return out;
}

/** Cluster capacity: non-revocable scalars of every registered agent. */
export function clusterCapacity(cluster: Cluster): ScalarMap {
  const out: ScalarMap = {};
  for (const a of cluster.registeredAgents()) for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
    const v = scalarSum(a.totalResources, name);
    if (v > 0) out[name] = Math.round(((out[name] ?? 0) + v) * 1000) / 1000;
  }
  return out;
}

/**
 * UPDATE_QUOTA, all-or-nothing.
 * @throws ApiError 400 with Mesos's texts (see spec §7).
 */
export function updateQuota(cluster: Cluster, force: boolean, configs: { role: string; guarantees?: unknown; limits?: unknown }[]): void {
  const parsed = configs.map((c) => ({ role: c.role, guarantees: toMap(c.guarantees), limits: toMap(c.limits) }));
  for (const c of parsed) {
    if (cluster.rolesWhitelist && !cluster.rolesWhitelist.includes(c.role)) throw new ApiError(400, `Invalid QuotaConfig: '${c.role}' is not on the roles whitelist`);
    const re = roleError(c.role);
    if (re) throw new ApiError(400, `Invalid QuotaConfig: Invalid 'QuotaConfig.role': ${re}`);
    if (c.role.includes('/')) throw new ApiError(400, `Updating quota on nested role '${c.role}' is not supported yet`);
    for (const [field, m] of [['guarantees', c.guarantees], ['limits', c.limits]] as const) {
      for (const [name, v] of Object.entries(m)) {
        if (!Number.isFinite(v) || v < 0 || (v !== 0 && Math.abs(v) < Number.MIN_VALUE * 2 ** 52)) {
          throw new ApiError(400, `Invalid QuotaConfig: Invalid 'QuotaConfig.${field}': values must be finite, normal and not negative, got '${name}:${v}'`);
        }
        const max = name === 'mem' || name === 'disk' ? MAX_MB : MAX_OTHER;
        if (v > max) throw new ApiError(400, `Invalid QuotaConfig: Invalid 'QuotaConfig.${field}': value '${name}:${v}' exceeds the maximum ${max}`);
      }
    }
    for (const [name, g] of Object.entries(c.guarantees)) {
      const l = c.limits[name];
      if (l !== undefined && g > l) {
        throw new ApiError(400, `Invalid QuotaConfig: 'QuotaConfig.guarantees' ${fmt(c.guarantees)} is not contained within the 'QuotaConfig.limits' ${fmt(c.limits)}`);
      }
    }
    if (!force) {
      const consumed = roleConsumption(cluster, c.role);
      const over = Object.entries(c.limits).some(([name, l]) => (consumed[name] ?? 0) > l);
      if (over) {
        throw new ApiError(400, `Invalid QuotaConfig: Role '${c.role}' is already consuming '${fmt(consumed)}'; this is more than the requested limits '${fmt(c.limits)}' (use 'force' flag to bypass this check)`);
      }
    }
  }
  const next = new Map(cluster.quotas);
  for (const c of parsed) {
    if (Object.keys(c.guarantees).length === 0 && Object.keys(c.limits).length === 0) next.delete(c.role);
    else next.set(c.role, { guarantees: c.guarantees, limits: c.limits });
  }
  for (const [role, q] of next) {
    const children = [...next].filter(([r]) => r.startsWith(`${role}/`) && !r.slice(role.length + 1).includes('/'));
    for (const name of Object.keys(q.guarantees)) {
      const sum = children.reduce((s, [, c]) => s + (c.guarantees[name] ?? 0), 0);
      if (children.length > 0 && sum > (q.guarantees[name] ?? 0)) throw new ApiError(400, `Invalid QuotaConfig: sum of children's guarantees exceeds parent '${role}' guarantees`);
    }
  }
  if (!force) {
    const total: ScalarMap = {};
    for (const [role, q] of next) if (!role.includes('/')) for (const [k, v] of Object.entries(q.guarantees)) total[k] = (total[k] ?? 0) + v;
    const cap = clusterCapacity(cluster);
    if (Object.entries(total).some(([k, v]) => v > (cap[k] ?? 0))) {
      throw new ApiError(400, `Invalid QuotaConfig: total quota guarantees '${fmt(total)}' exceed cluster capacity '${fmt(cap)}' (use 'force' flag to bypass this check)`);
    }
  }
  cluster.quotas.clear();
  for (const [k, v] of next) cluster.quotas.set(k, v);
  cluster.touch();
}

/** SET_QUOTA (deprecated): guarantees and limits both set to the guarantee. */
export function setQuota(cluster: Cluster, req: { role?: string; force?: boolean; guarantee?: { name: string; scalar?: { value: number } }[] }): void {
  const role = req.role ?? '';
  if (cluster.quotas.has(role)) throw new ApiError(400, `Failed to validate set quota request: Quota cannot be set for a role that already has quota`);
  const m: Record<string, { value: number }> = {};
  for (const r of req.guarantee ?? []) if (r.scalar) m[r.name] = { value: r.scalar.value };
  updateQuota(cluster, req.force === true, [{ role, guarantees: m, limits: m }]);
}

/** REMOVE_QUOTA (deprecated). @throws ApiError 400 when the role has no quota. */
export function removeQuota(cluster: Cluster, role: string): void {
  if (!cluster.quotas.has(role)) throw new ApiError(400, `Failed to remove quota: Role '${role}' has no quota set`);
  cluster.quotas.delete(role);
  cluster.touch();
}

/** GET_QUOTA payload. */
export function quotaView(cluster: Cluster): Record<string, unknown> {
  const roles = [...cluster.quotas.keys()].sort();
  const sm = (m: ScalarMap): Record<string, { value: number }> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { value: v }]));
  const infos = roles
    .filter((r) => Object.keys(cluster.quotas.get(r)?.guarantees ?? {}).length > 0)
    .map((role) => ({
      role,
      guarantee: Object.entries(cluster.quotas.get(role)?.guarantees ?? {}).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value }, role: '*' })),
    }));
  const configs = roles.map((role) => {
    const q = cluster.quotas.get(role);
    const c: Record<string, unknown> = { role };
    if (q && Object.keys(q.guarantees).length > 0) c.guarantees = sm(q.guarantees);
    if (q && Object.keys(q.limits).length > 0) c.limits = sm(q.limits);
    return c;
  });
  const status: Record<string, unknown> = {};
  if (infos.length > 0) status.infos = infos;
  if (configs.length > 0) status.configs = configs;
  return { status };
}

/**
 * UPDATE_WEIGHTS.
 * @throws ApiError 400 for an invalid or unknown role or a non-positive weight.
 */
export function updateWeights(cluster: Cluster, infos: { role?: string; weight: number }[]): void {
  const parsed = infos.map((i) => ({ role: (i.role ?? '').trim(), weight: i.weight }));
  for (const w of parsed) {
    const re = roleError(w.role);
    if (re) throw new ApiError(400, `Failed to validate update weights request JSON: Invalid role '${w.role}': ${re}`);
    if (cluster.rolesWhitelist && !cluster.rolesWhitelist.includes(w.role)) throw new ApiError(400, `Failed to validate update weights request JSON: Unknown role '${w.role}'`);
    if (!(w.weight > 0)) throw new ApiError(400, `Failed to validate update weights request JSON: Invalid weight '${w.weight}': Weights must be positive`);
  }
  for (const w of parsed) cluster.weights.set(w.role, w.weight);
  cluster.touch();
}

/** GET_WEIGHTS payload. */
export function weightsView(cluster: Cluster): Record<string, unknown> {
  const infos = [...cluster.weights].sort(([a], [b]) => a.localeCompare(b)).map(([role, weight]) => ({ weight, role }));
  return infos.length > 0 ? { weight_infos: infos } : {};
}

/** GET_ROLES payload. */
export function rolesView(cluster: Cluster): Record<string, unknown> {
  const names = new Set<string>();
  if (cluster.rolesWhitelist) cluster.rolesWhitelist.forEach((r) => names.add(r));
  else {
    for (const fw of cluster.frameworks.values()) names.add(fw.role);
    for (const a of cluster.registeredAgents()) for (const r of a.totalResources) if (r.reservations.length > 0) names.add(reservedRole(r));
    for (const r of cluster.weights.keys()) names.add(r);
    for (const r of cluster.quotas.keys()) names.add(r);
  }
  for (const n of [...names]) {
    const parts = n.split('/');
    for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join('/'));
  }
  const roles = [...names].sort().map((name) => {
    const frameworks = [...cluster.frameworks.values()].filter((f) => f.role === name).map((f) => ({ value: f.id }));
    const used: Record<string, number> = {};
    for (const t of cluster.tasks.values()) {
      if (isTerminal(t.state)) continue;
      const fw = cluster.frameworks.get(t.frameworkId);
      if (fw?.role !== name) continue;
      for (const r of t.resources) if (r.scalar && ['cpus', 'mem', 'disk', 'gpus'].includes(r.name)) used[r.name] = Math.round(((used[r.name] ?? 0) + r.scalar.value) * 1000) / 1000;
    }
    const v: Record<string, unknown> = { name, weight: cluster.weights.get(name) ?? 1.0 };
    if (frameworks.length > 0) v.frameworks = frameworks;
    const resources = Object.entries(used).map(([n, value]) => toEndpointFormat({ name: n, type: 'SCALAR', scalar: { value }, reservations: [] }));
    if (resources.length > 0) v.resources = resources;
    return v;
  });
  return { roles };
}
