import { lookupAgent, machineOf, sameMachine, summarizeAgent, type AgentQuery, type AgentSummary } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import type { PreflightCheck } from '../src/contracts';
import type { Agent, MachineID } from '../src/mesos';
import { asActivity } from './errors';
import type { MachineMaintenance, MachineRef, PreflightReport } from './types';

/**
 * Preflight as a list of named checks that a runbook composes (`preflight: ['mesosVersion', 'agentCanDrain', ...]`).
 * One entry of {@link preflightChecks} per check: its words, what it reads, how it decides. The activity reads only
 * what the listed checks need, once, and evaluates them in order; a new check is one entry here.
 */

/** What the checks may read (each read happens at most once per preflight). */
interface Facts {
  cluster: string;
  mesosVersion: string;
  agent: Agent;
  summary: AgentSummary;
  /** The agent's machine's maintenance mode (read only when a check needs it). */
  maintenance?: MachineMaintenance;
}

interface CheckSpec {
  /** Reads the maintenance status and schedule of the agent's machine. */
  needsMaintenance?: boolean;
  /** Runs once the agent was found; undefined when the check does not apply (e.g. a machine without ip). */
  run: (facts: Facts) => PreflightCheck | undefined;
}

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
    needsMaintenance: true,
    run: ({ summary, maintenance }) => {
      if (!maintenance) return undefined; // no ip: 'machine known' fails instead
      const { mode } = maintenance;
      return {
        name: 'machine not under maintenance',
        ok: mode === 'NONE' || summary.drainState !== 'NONE',
        detail:
          mode === 'NONE'
            ? 'machine is in no maintenance schedule'
            : `machine is already ${mode} in the schedule${summary.drainState !== 'NONE' ? ' (a resumed run: continuing)' : '; DRAIN_AGENT would be refused'}`,
      };
    },
  },
} satisfies Record<string, CheckSpec>;

export type PreflightCheckName = keyof typeof preflightChecks;
export const PREFLIGHT_CHECK_NAMES = Object.keys(preflightChecks) as PreflightCheckName[];

export interface PreflightInput extends AgentQuery {
  cluster: string;
  checks: PreflightCheckName[];
}

export interface PreflightActivityDeps {
  clusters: ClusterRegistry;
}

export function createPreflightActivities({ clusters }: PreflightActivityDeps) {
  /**
   * The agent the input names and the listed checks, in order. The first check is always `agent registered`
   * (after `mesosVersion` when listed); the agent's own checks run only once it is found. An agent the master
   * lists as recovered after a failover is reported as `recovering`, not as missing. Never throws for a failed
   * check: it reports it.
   */
  async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
    const master = clusters.master(input.cluster);
    const wantsVersion = input.checks.includes('mesosVersion');
    const [version, agents] = await Promise.all([wantsVersion ? master.getVersion() : undefined, master.getAgents()]);
    const mesosVersion = version?.version_info.version;
    const checks: PreflightCheck[] = [];
    if (mesosVersion !== undefined) checks.push(preflightChecks.mesosVersion.run({ mesosVersion }));
    const found = lookupAgent(agents, input, input.cluster);
    if (found.kind === 'recovering') {
      checks.push({ name: 'agent registered', ok: false, detail: `${found.message}; the run waits for it` });
      return { mesosVersion, checks, recovering: { agentId: found.agentId, hostname: found.hostname, message: found.message } };
    }
    if (found.kind !== 'found') {
      checks.push({ name: 'agent registered', ok: false, detail: found.message });
      return { mesosVersion, checks };
    }
    const summary = summarizeAgent(found.agent);
    checks.push({ name: 'agent registered', ok: true, detail: `${summary.agentId} on ${summary.hostname}${summary.active ? '' : ' (inactive)'}` });
    const machine = machineOf(found.agent);
    const specs = input.checks.filter((c) => c !== 'mesosVersion').map((name) => preflightChecks[name] as CheckSpec);
    const maintenance = machine && specs.some((s) => s.needsMaintenance) ? await machineState(clusters, input.cluster, machine) : undefined;
    const facts: Facts = { cluster: input.cluster, mesosVersion: mesosVersion ?? '', agent: found.agent, summary, maintenance };
    for (const spec of specs) {
      const check = spec.run(facts);
      if (check) checks.push(check);
    }
    return { agent: summary, mesosVersion, checks };
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

