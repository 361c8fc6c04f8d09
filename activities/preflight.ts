import { lookupAgent, machineOf, sameMachine, summarizeAgent, type AgentQuery, type AgentSummary } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import type { PreflightCheck } from '../src/contracts';
import type { Agent, GetAgents, GetFlags, GetQuota, GetRoles, GetTasks, GetWeights, MachineID } from '../src/mesos';
import { quotaConfigs, quotaProblems, weightProblems, type QuotaContext, type QuotaEntry, type WeightEntry } from '../src/resources/quota';
import { decideReservation, type ReservationWant } from '../src/resources/reservations';
import { agentResources, describeTasks, roleOf, tasksHolding, toWire, type AgentResources } from '../src/resources/view';
import { decideCreate, decideResize, findVolume, type VolumeRef, type VolumeWant } from '../src/resources/volumes';
import { asActivity } from './errors';
import type { MachineMaintenance, MachineRef, PreflightReport } from './types';

/**
 * Preflight as a list of named checks that a runbook composes (`preflight: ['mesosVersion', 'agentCanDrain', ...]`).
 * One entry of {@link preflightChecks} per check: its words, what it reads, how it decides. The activity reads only
 * what the listed checks need, once, and evaluates them in order; a new check is one entry here.
 */

/**
 * What a runbook's input asks the checks about (each check reads the part it needs): the volume to resize or create,
 * the reservations wanted, the quota or weights to set.
 */
export interface PreflightRequest {
  resize?: VolumeRef & { targetSizeMb: number };
  volume?: VolumeWant;
  destroy?: VolumeRef;
  reservations?: ReservationWant[];
  quotas?: { entries: QuotaEntry[]; force: boolean };
  weights?: WeightEntry[];
}

/** What the checks of a cluster may read (each read happens at most once per preflight, only when a check needs it). */
interface ClusterFacts {
  cluster: string;
  mesosVersion: string;
  agents: GetAgents;
  quota?: GetQuota;
  weights?: GetWeights;
  roles?: GetRoles;
  flags?: GetFlags;
  tasks?: GetTasks;
  request: PreflightRequest;
}

/** What the checks of one agent may read, besides the cluster's. */
interface Facts extends ClusterFacts {
  agent: Agent;
  summary: AgentSummary;
  /** The agent's scalar resources (total, and what tasks hold of them). */
  resources: AgentResources;
  /** The agent's machine's maintenance mode (read only when a check needs it). */
  maintenance?: MachineMaintenance;
}

/** A read a check needs beyond GET_AGENTS. */
type Need = 'version' | 'maintenance' | 'quota' | 'weights' | 'roles' | 'flags' | 'tasks';

interface AgentCheckSpec {
  scope?: 'agent';
  needs?: Need[];
  /** Runs once the agent was found; undefined when the check does not apply (e.g. a machine without ip). */
  run: (facts: Facts) => PreflightCheck | undefined;
}

interface ClusterCheckSpec {
  /** A check of the cluster (quota, weights): it runs without an agent. */
  scope: 'cluster';
  needs?: Need[];
  run: (facts: ClusterFacts) => PreflightCheck | undefined;
}

type CheckSpec = AgentCheckSpec | ClusterCheckSpec;

const problemsCheck = (name: string, problems: string[], ok: string): PreflightCheck => ({ name, ok: problems.length === 0, detail: problems.length === 0 ? ok : problems.join('; ') });

export const preflightChecks = {
  /** DRAIN_AGENT and the v1 drain info need Mesos 1.9. */
  mesosVersion: {
    run: ({ mesosVersion }: Pick<Facts, 'mesosVersion'>) => {
      const ok = compareVersions(mesosVersion, '1.9.0') >= 0;
      return { name: 'Mesos version ≥ 1.9', ok, detail: `master runs ${mesosVersion}${ok ? '' : '; DRAIN_AGENT needs 1.9 or later'}` };
    },
  },
  agentCanDrain: {
    run: ({ summary }) => {
      const ok = summary.capabilities.includes('AGENT_DRAINING');
      return { name: 'agent can drain', ok, detail: ok ? 'AGENT_DRAINING capability present' : `agent ${summary.agentId} lacks the AGENT_DRAINING capability (Mesos < 1.9 agent?)` };
    },
  },
  /** Maintenance matches machines by hostname and ip: both must be known. */
  machineKnown: {
    run: ({ summary, agent }) => ({
      name: 'machine known (hostname and ip)',
      ok: Boolean(summary.hostname && summary.ip),
      detail: summary.ip ? `${summary.hostname} / ${summary.ip}` : `no ip in the agent's pid '${agent.pid ?? ''}': the maintenance schedule needs hostname and ip`,
    }),
  },
  /** DRAIN_AGENT is refused for a machine in the schedule; a resumed run (the agent already draining) continues. */
  machineNotInMaintenance: {
    needs: ['maintenance'],
    run: ({ summary, maintenance }) => {
      if (!maintenance) return undefined; // no ip: 'machine known' fails instead
      const { mode } = maintenance;
      return {
        name: 'machine not under maintenance',
        ok: mode === 'NONE' || summary.drainState !== 'NONE',
        detail:
          mode === 'NONE'
            ? 'machine is in no maintenance schedule'
            : `machine ${summary.hostname}/${summary.ip ?? '?'} is already ${mode} in the schedule${summary.drainState !== 'NONE' ? ' (a resumed run: continuing)' : '; DRAIN_AGENT would be refused'}`,
      };
    },
  },
  /** GROW_VOLUME and SHRINK_VOLUME need the agent's RESIZE_VOLUME capability (Mesos ≥ 1.7). */
  agentCanResizeVolume: {
    run: ({ summary }) => {
      const ok = summary.capabilities.includes('RESIZE_VOLUME');
      return { name: 'agent can resize volumes', ok, detail: ok ? 'RESIZE_VOLUME capability present' : `agent ${summary.agentId} lacks the RESIZE_VOLUME capability (Mesos < 1.7 agent?)` };
    },
  },
  /** The volume exists and can be resized to the target as the master checks it (src/resources/volumes.ts). */
  volumeResizable: {
    run: ({ resources, summary, request }) => {
      if (!request.resize) return undefined;
      const d = decideResize(resources, summary.capabilities, request.resize);
      return d.kind === 'refuse' ? problemsCheck('volume resizable', d.problems, '') : { name: 'volume resizable', ok: true, detail: d.note };
    },
  },
  /** The volume can be created as asked: no volume with that id but another size or path, the disk there. */
  volumeCreatable: {
    run: ({ resources, request }) => {
      if (!request.volume) return undefined;
      const d = decideCreate(resources, request.volume);
      return problemsCheck('volume creatable', d.problems, d.present ? d.note : [d.reserveNote, d.note].filter(Boolean).join('; then '));
    },
  },
  /** Mesos refuses DESTROY_VOLUMES while a task uses the volume: the check names the tasks. */
  volumeNotInUse: {
    needs: ['tasks'],
    run: ({ resources, request, tasks }) => {
      if (!request.destroy) return undefined;
      const v = findVolume(resources, request.destroy);
      if (!v) return { name: 'volume not in use', ok: true, detail: `no volume ${request.destroy.persistenceId} of ${request.destroy.role}: nothing to destroy` };
      if (v.allocated === 0) return { name: 'volume not in use', ok: true, detail: `no task uses volume ${request.destroy.persistenceId}` };
      const holders = tasksHolding(tasks?.tasks ?? [], resources.agentId, [toWire(v, v.amount)]);
      return { name: 'volume not in use', ok: false, detail: `volume ${request.destroy.persistenceId} is in use by ${describeTasks(holders)}: Mesos refuses to destroy it until they end` };
    },
  },
  /** The reservations wanted can be made as the master would: nothing below the volumes, enough to move, free. */
  reservationsFeasible: {
    run: ({ resources, request }) => {
      if (!request.reservations) return undefined;
      const decisions = request.reservations.map((w) => decideReservation(resources, w));
      const problems = decisions.flatMap((d) => [...d.refusals, ...d.warnings]);
      return problemsCheck('reservations feasible', problems, decisions.map((d) => d.summary).join('; '));
    },
  },
  /** RESERVE with `source` (moving reservations between roles) needs Mesos 1.10. */
  reservationMoveSupported: {
    scope: 'cluster',
    needs: ['version'],
    run: ({ mesosVersion }) => {
      const ok = compareVersions(mesosVersion, '1.10.0') >= 0;
      return { name: 'Mesos version ≥ 1.10 (fromRole)', ok, detail: `master runs ${mesosVersion}${ok ? '' : '; RESERVE with a source (fromRole) needs 1.10 or later'}` };
    },
  },
  /** The quota configs pass the master's checks (spec §7), before the call. */
  quotaValid: {
    scope: 'cluster',
    needs: ['quota', 'roles', 'flags'],
    run: (facts) => {
      if (!facts.request.quotas) return undefined;
      const { entries, force } = facts.request.quotas;
      return problemsCheck('quota valid', quotaProblems(entries, quotaContext(facts), force), `${entries.length} role(s) pass the master's checks${force ? ' (force: consumption and capacity not checked)' : ''}`);
    },
  },
  /** The weights pass the master's checks (spec §7), before the call. */
  weightsValid: {
    scope: 'cluster',
    needs: ['flags'],
    run: ({ request, flags }) => {
      if (!request.weights) return undefined;
      return problemsCheck('weights valid', weightProblems(request.weights, whitelistOf(flags)), `${request.weights.length} role(s) pass the master's checks`);
    },
  },
} satisfies Record<string, CheckSpec>;

/** The request with the run's principal where it names none (the checks decide as the run's writes will). */
function withDefaultPrincipal(request: PreflightRequest, principal: string | undefined): PreflightRequest {
  if (principal === undefined) return request;
  return {
    ...request,
    ...(request.volume ? { volume: { principal, ...request.volume } } : {}),
    ...(request.reservations ? { reservations: request.reservations.map((r) => ({ principal, ...r })) } : {}),
  };
}

/** The master's `--roles` whitelist, when it has one. */
function whitelistOf(flags: GetFlags | undefined): string[] | undefined {
  const roles = flags?.flags.find((f) => f.name === 'roles')?.value;
  return roles ? roles.split(',').map((r) => r.trim()).filter(Boolean) : undefined;
}

/** What the quota checks need: current configs, capacity, each role's consumption, the whitelist. */
function quotaContext(facts: ClusterFacts): QuotaContext {
  const capacity: Record<string, number> = {};
  const consumed: Record<string, Record<string, number>> = {};
  const add = (m: Record<string, number>, name: string, v: number) => (m[name] = Math.round(((m[name] ?? 0) + v) * 1000) / 1000);
  const reservedAllocated: Record<string, Record<string, number>> = {};
  for (const a of facts.agents.agents) {
    for (const c of agentResources(a).chunks) {
      add(capacity, c.name, c.amount);
      if (c.reservations.length === 0) continue;
      // A role consumes its own reservations and its children's.
      const role = roleOf(c);
      for (const r of ancestors(role)) {
        add((consumed[r] ??= {}), c.name, c.amount);
        if (c.allocated > 0) add((reservedAllocated[r] ??= {}), c.name, c.allocated);
      }
    }
  }
  for (const role of facts.roles?.roles ?? []) {
    for (const r of role.resources) {
      if (!r.scalar) continue;
      const unreserved = r.scalar.value - (reservedAllocated[role.name]?.[r.name] ?? 0);
      if (unreserved > 0) for (const x of ancestors(role.name)) add((consumed[x] ??= {}), r.name, unreserved);
    }
  }
  return { current: facts.quota ? quotaConfigs(facts.quota) : [], capacity, consumed, whitelist: whitelistOf(facts.flags) };
}

/** `a/b/c` → `a/b/c`, `a/b`, `a`. */
function ancestors(role: string): string[] {
  const parts = role.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}

export type PreflightCheckName = keyof typeof preflightChecks;
export const PREFLIGHT_CHECK_NAMES = Object.keys(preflightChecks) as PreflightCheckName[];

export interface PreflightInput extends AgentQuery {
  cluster: string;
  checks: PreflightCheckName[];
  /** What the input asks the checks about (the volume, the reservations, the quota, ...). */
  request?: PreflightRequest;
  /**
   * An agent id the master does not list is no input error (decommissionAgent marks an unreachable agent gone by
   * id): `agent registered` reports it as not listed, and the agent's own checks are skipped.
   */
  allowUnlisted?: boolean;
  /**
   * Report the principal of the run's reservations and volumes: `principal` when given, else the cluster's
   * configured credentials' (never the secret); none without credentials.
   */
  withPrincipal?: boolean;
  principal?: string;
}

export interface PreflightActivityDeps {
  clusters: ClusterRegistry;
}

export function createPreflightActivities({ clusters }: PreflightActivityDeps) {
  /**
   * The agent the input names (when it names one) and the listed checks, in order. The first check is always
   * `agent registered` (after `mesosVersion` when listed); the agent's own checks run only once it is found; a
   * cluster's checks (quota, weights) run without an agent. An agent the master lists as recovered after a failover
   * is reported as `recovering`, not as missing. Reports the principal of the run's reservations and volumes (the
   * input's, else the cluster's credentials' — never the secret). Never throws for a failed check: it reports it.
   */
  async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
    const master = clusters.master(input.cluster);
    const specs = input.checks.map((name) => [name, preflightChecks[name] as CheckSpec] as const);
    const needs = new Set<Need>(specs.flatMap(([, s]) => s.needs ?? []));
    if (input.checks.includes('mesosVersion')) needs.add('version');
    const principal = input.withPrincipal ? (input.principal ?? clusters.principal(input.cluster)) : undefined;
    const request = withDefaultPrincipal(input.request ?? {}, principal);
    const [version, agents, quota, weights, roles, flags, tasks] = await Promise.all([
      needs.has('version') ? master.getVersion() : undefined,
      clusters.agents(input.cluster),
      needs.has('quota') ? master.getQuota() : undefined,
      needs.has('weights') ? master.getWeights() : undefined,
      needs.has('roles') ? master.getRoles() : undefined,
      needs.has('flags') ? master.getFlags() : undefined,
      needs.has('tasks') ? master.getTasks() : undefined,
    ]);
    const mesosVersion = version?.version_info.version;
    const checks: PreflightCheck[] = [];
    const base = { ...(mesosVersion !== undefined ? { mesosVersion } : {}), ...(principal !== undefined ? { principal } : {}) };
    if (mesosVersion !== undefined && input.checks.includes('mesosVersion')) checks.push(preflightChecks.mesosVersion.run({ mesosVersion }));
    const cluster: ClusterFacts = { cluster: input.cluster, mesosVersion: mesosVersion ?? '', agents, quota, weights, roles, flags, tasks, request };
    const clusterChecks = specs.filter(([name, s]) => name !== 'mesosVersion' && s.scope === 'cluster');
    const agentChecks = specs.filter(([name, s]) => name !== 'mesosVersion' && s.scope !== 'cluster');
    for (const [, spec] of clusterChecks) {
      const check = (spec as ClusterCheckSpec).run(cluster);
      if (check) checks.push(check);
    }
    if (input.agentId === undefined && input.hostname === undefined) return { ...base, checks };
    const found = lookupAgent(agents, input, input.cluster);
    if (found.kind === 'recovering') {
      checks.push({ name: 'agent registered', ok: false, detail: `${found.message}; the run waits for it` });
      return { ...base, checks, recovering: { agentId: found.agentId, hostname: found.hostname, message: found.message } };
    }
    if (found.kind !== 'found') {
      if (input.allowUnlisted && found.kind === 'missing' && found.field === 'agentId') {
        checks.push({ name: 'agent registered', ok: true, detail: `agent ${input.agentId} is not listed by the master (unreachable, or unknown to it): it is marked gone by id, without a drain` });
        return { ...base, checks, unlisted: true };
      }
      checks.push({ name: 'agent registered', ok: false, detail: found.message });
      return { ...base, checks };
    }
    const summary = summarizeAgent(found.agent);
    checks.push({ name: 'agent registered', ok: true, detail: `${summary.agentId} on ${summary.hostname}${summary.active ? '' : ' (inactive)'}` });
    const machine = machineOf(found.agent);
    const maintenance = machine && needs.has('maintenance') ? await machineState(clusters, input.cluster, machine) : undefined;
    const facts: Facts = { ...cluster, agent: found.agent, summary, resources: agentResources(found.agent), maintenance };
    for (const [, spec] of agentChecks) {
      const check = (spec as AgentCheckSpec).run(facts);
      if (check) checks.push(check);
    }
    return { ...base, agent: summary, checks };
  }

  return {
    /** The preflight a runbook composes (see {@link preflightChecks}). */
    async preflight(input: PreflightInput): Promise<PreflightReport> {
      return asActivity(() => runPreflight(input));
    },

    /**
     * The preflight of runs started before the runbook kit (workflows/legacy): the drain checks, plus the
     * maintenance checks when `needsMaintenance`. Same answers as before the kit.
     */
    async preflightAgent(input: { cluster: string; agentId?: string; hostname?: string; needsMaintenance: boolean }): Promise<PreflightReport> {
      const checks: PreflightCheckName[] = ['mesosVersion', 'agentCanDrain', ...(input.needsMaintenance ? (['machineKnown', 'machineNotInMaintenance'] as const) : [])];
      return asActivity(() => runPreflight({ cluster: input.cluster, agentId: input.agentId, hostname: input.hostname, checks }));
    },
  };
}

export type PreflightActivities = ReturnType<typeof createPreflightActivities>;

/** The machine's maintenance mode (GET_MAINTENANCE_STATUS) and whether it is in the schedule. */
export async function machineState(clusters: ClusterRegistry, cluster: string, machine: MachineRef): Promise<MachineMaintenance> {
  const master = clusters.master(cluster);
  const [status, schedule] = await Promise.all([master.getMaintenanceStatus(), master.getMaintenanceSchedule()]);
  const inSchedule = schedule.schedule.windows.some((w) => w.machine_ids.some((m: MachineID) => sameMachine(m, machine)));
  if (status.status.down_machines.some((m) => sameMachine(m, machine))) return { mode: 'DOWN', inSchedule };
  if (status.status.draining_machines.some((m) => sameMachine(m.id, machine))) return { mode: 'DRAINING', inSchedule };
  return { mode: 'NONE', inSchedule };
}

/** Compares dotted versions numerically: '1.11.0' > '1.9.0'. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

