/**
 * Quota and weights as desired state (spec §7): the difference from GET_QUOTA / GET_WEIGHTS and the master's checks
 * made before the call, so a plan shows exactly what changes and a bad request is refused naming the field instead
 * of reaching Mesos. Pure: preflight checks, the steps' `skip`, the write activities and the watcher's conditions
 * share it.
 */
import type { GetQuota, GetWeights } from '../mesos';
import { formatAmounts, RESOURCE_NAMES, round3, sameAmount, type Amounts } from './amounts';

/** `roles::validate` (src/common/roles.cpp): why a role name is invalid, or undefined. */
export function roleError(role: string): string | undefined {
  if (role === '') return 'Empty role name is invalid';
  if (role.startsWith('/') || role.endsWith('/')) return `Role '${role}' cannot start or end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain '//'`;
  if (/\s/.test(role)) return `Role '${role}' cannot contain whitespace`;
  for (const part of role.split('/')) {
    if (part === '.' || part === '..' || part === '*') return `Role '${role}' cannot contain '${part}' as a component`;
    if (part.startsWith('-')) return `Role '${role}' cannot start with '-'`;
  }
  return undefined;
}

/** One role's quota as an input gives it: plain numbers (cores, MB, GPUs). Neither field clears the quota. */
export interface QuotaEntry {
  role: string;
  guarantees?: Amounts;
  limits?: Amounts;
}

/** A quota config as Mesos holds it: maps of resource name → amount (empty maps: no quota). */
export interface QuotaConfigView {
  role: string;
  guarantees: Record<string, number>;
  limits: Record<string, number>;
}

const toMap = (m: Record<string, { value: number }> | undefined): Record<string, number> => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v.value]));

/** Every role's quota config in a GET_QUOTA answer. */
export function quotaConfigs(quota: GetQuota): QuotaConfigView[] {
  return quota.status.configs.map((c) => ({ role: c.role, guarantees: toMap(c.guarantees), limits: toMap(c.limits) }));
}

/** The config an entry asks for (only the amounts it sets). */
export function configOf(entry: QuotaEntry): QuotaConfigView {
  const pick = (a: Amounts | undefined) => Object.fromEntries(RESOURCE_NAMES.filter((n) => a?.[n] !== undefined).map((n) => [n, a![n]!]));
  return { role: entry.role, guarantees: pick(entry.guarantees), limits: pick(entry.limits) };
}

/** The UPDATE_QUOTA form of a config: `{role, guarantees: {cpus: {value}}, limits: {...}}`. */
export function toQuotaConfigInput(c: QuotaConfigView): { role: string; guarantees: Record<string, { value: number }>; limits: Record<string, { value: number }> } {
  const wrap = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { value: v }]));
  return { role: c.role, guarantees: wrap(c.guarantees), limits: wrap(c.limits) };
}

function sameMap(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] !== undefined && b[k] !== undefined && sameAmount(a[k], b[k]));
}

export function sameConfig(a: QuotaConfigView, b: QuotaConfigView): boolean {
  return sameMap(a.guarantees, b.guarantees) && sameMap(a.limits, b.limits);
}

const describeConfig = (c: QuotaConfigView | undefined): string =>
  !c || (Object.keys(c.guarantees).length === 0 && Object.keys(c.limits).length === 0) ? 'no quota' : `guarantees ${formatAmounts(c.guarantees)}; limits ${formatAmounts(c.limits)}`;

export interface QuotaChange {
  role: string;
  from: QuotaConfigView;
  to: QuotaConfigView;
  /** In words: "dev: no quota → guarantees cpus 2 cores; limits cpus 4 cores". */
  text: string;
}

/** The roles whose config differs from what GET_QUOTA shows (in the order given), each with its old config. */
export function quotaChanges(current: QuotaConfigView[], wanted: QuotaConfigView[]): QuotaChange[] {
  const out: QuotaChange[] = [];
  for (const to of wanted) {
    const from = current.find((c) => c.role === to.role) ?? { role: to.role, guarantees: {}, limits: {} };
    if (!sameConfig(from, to)) out.push({ role: to.role, from, to, text: `${to.role}: ${describeConfig(from)} → ${describeConfig(to)}` });
  }
  return out;
}

/** What the quota checks of the master need to know of the cluster. */
export interface QuotaContext {
  current: QuotaConfigView[];
  /** Non-revocable scalars of every registered agent (connected or not). */
  capacity: Record<string, number>;
  /** What each role consumes now: its reservations plus its unreserved allocation. */
  consumed: Record<string, Record<string, number>>;
  /** The `--roles` whitelist, when the master has one. */
  whitelist?: string[];
}

const MAX_MB = 1024 ** 4;
const MAX_OTHER = 1e12;

/**
 * The problems the master would refuse `entries` with (spec §7, all-or-nothing), each naming the input field
 * (`quotas.0.limits.cpus: ...`): role whitelist and validity, no nested role, values, guarantees within limits,
 * limits not below what the role consumes (skipped by `force`), the hierarchy, and the top-level guarantees within
 * the cluster's capacity (skipped by `force`).
 */
export function quotaProblems(entries: QuotaEntry[], ctx: QuotaContext, force: boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const at = `quotas.${i}`;
    if (seen.has(e.role)) problems.push(`${at}.role: role '${e.role}' is listed twice`);
    seen.add(e.role);
    const bad = roleError(e.role);
    if (bad) problems.push(`${at}.role: ${bad}`);
    else if (e.role.includes('/')) problems.push(`${at}.role: Mesos does not support quota on nested role '${e.role}' yet`);
    if (ctx.whitelist && !ctx.whitelist.includes(e.role)) problems.push(`${at}.role: '${e.role}' is not on the master's roles whitelist (${ctx.whitelist.join(', ')})`);
    const c = configOf(e);
    for (const [field, m] of [['guarantees', c.guarantees], ['limits', c.limits]] as const) {
      for (const [name, v] of Object.entries(m)) {
        const max = name === 'mem' || name === 'disk' ? MAX_MB : MAX_OTHER;
        if (v > max) problems.push(`${at}.${field}.${name}: ${v} exceeds Mesos's maximum ${max}`);
      }
    }
    for (const [name, g] of Object.entries(c.guarantees)) {
      const l = c.limits[name];
      if (l !== undefined && g > l) problems.push(`${at}.guarantees.${name}: the guarantee ${g} is above the limit ${l} (guarantees must be within limits)`);
    }
    if (!force) {
      const used = ctx.consumed[e.role] ?? {};
      for (const [name, l] of Object.entries(c.limits)) {
        const u = used[name] ?? 0;
        if (u > l + 1e-9) problems.push(`${at}.limits.${name}: role '${e.role}' already consumes ${round3(u)}, more than the limit ${l} (give "force": true to set it anyway)`);
      }
    }
  });
  const next = new Map(ctx.current.map((c) => [c.role, c]));
  for (const e of entries) next.set(e.role, configOf(e));
  for (const [role, q] of next) {
    const children = [...next.values()].filter((c) => c.role.startsWith(`${role}/`) && !c.role.slice(role.length + 1).includes('/'));
    for (const name of new Set(children.flatMap((c) => Object.keys(c.guarantees)))) {
      const sum = round3(children.reduce((s, c) => s + (c.guarantees[name] ?? 0), 0));
      if (sum > (q.guarantees[name] ?? 0)) problems.push(`quotas: the guarantees of ${role}'s children (${name} ${sum}) exceed ${role}'s own (${q.guarantees[name] ?? 0})`);
    }
  }
  if (!force) {
    const total: Record<string, number> = {};
    for (const [role, q] of next) if (!role.includes('/')) for (const [k, v] of Object.entries(q.guarantees)) total[k] = round3((total[k] ?? 0) + v);
    for (const [k, v] of Object.entries(total)) {
      const cap = ctx.capacity[k] ?? 0;
      if (v > cap + 1e-9) problems.push(`quotas: the top-level guarantees of ${k} would total ${v}, above the cluster's capacity ${cap} (give "force": true to set them anyway)`);
    }
  }
  return problems;
}

/** One role's weight as an input gives it. */
export interface WeightEntry {
  role: string;
  weight: number;
}

/** Every explicit weight in a GET_WEIGHTS answer (a role without one weighs 1.0). */
export function currentWeights(weights: GetWeights): WeightEntry[] {
  return weights.weight_infos.map((w) => ({ role: w.role, weight: w.weight }));
}

export interface WeightChange {
  role: string;
  /** The explicit weight before, if any (none: the default 1.0). */
  from?: number;
  to: number;
  text: string;
}

/** The roles whose weight differs from what GET_WEIGHTS shows (a role without an explicit weight weighs 1.0). */
export function weightChanges(current: WeightEntry[], entries: WeightEntry[]): WeightChange[] {
  const out: WeightChange[] = [];
  for (const e of entries) {
    const from = current.find((c) => c.role === e.role)?.weight;
    if (from !== undefined && sameAmount(from, e.weight)) continue;
    out.push({ role: e.role, ...(from !== undefined ? { from } : {}), to: e.weight, text: `${e.role}: ${from ?? '1 (default)'} → ${e.weight}` });
  }
  return out;
}

/** The problems the master would refuse `entries` with (spec §7), each naming the input field. */
export function weightProblems(entries: WeightEntry[], whitelist?: string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const at = `weights.${i}`;
    if (seen.has(e.role)) problems.push(`${at}.role: role '${e.role}' is listed twice`);
    seen.add(e.role);
    const bad = roleError(e.role);
    if (bad) problems.push(`${at}.role: ${bad}`);
    if (whitelist && !whitelist.includes(e.role)) problems.push(`${at}.role: '${e.role}' is not on the master's roles whitelist (${whitelist.join(', ')})`);
    if (!(e.weight > 0)) problems.push(`${at}.weight: weights must be positive (got ${e.weight}); to undo a weight set it to 1`);
  });
  return problems;
}
