import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRegistry } from '../src/clusters';
import type { Config } from '../src/config';
import type { Agent, MachineID } from '../src/mesos';
import { ipFromPid, summarizeAgent } from './agents';
import { asActivity } from './errors';
import type { AgentSummary, MachineMaintenance, MachineRef, PreflightCheck, PreflightReport, StepOutcome } from './types';

export interface MaintenanceActivityDeps {
  clusters: ClusterRegistry;
  policy: Config['policy'];
}

const TERMINAL = /^TASK_(FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE|GONE_BY_OPERATOR)$/;

/**
 * Activities of the maintenance sequence (mesos-semantics.md §10): preflight, START/STOP_MAINTENANCE with
 * read-decide-write, finding the agent that returns on a machine, and the diagnosis of a stuck drain.
 */
export function createMaintenanceActivities({ clusters, policy }: MaintenanceActivityDeps) {
  return {
    /** The approval policy of a runbook, from the worker's configuration (never from a run's input). */
    async approvalPolicy(input: { runbook: string }): Promise<{ approvers: string[]; alwaysRequireApproval: boolean }> {
      return { approvers: policy.approvers, alwaysRequireApproval: policy.alwaysRequireApproval.includes(input.runbook) };
    },

    /**
     * Checks what the maintenance steps need: Mesos ≥ 1.9 (DRAIN_AGENT), the agent registered and unambiguous, its
     * AGENT_DRAINING capability, its hostname and ip (maintenance matches both), and that its machine is not
     * already in the schedule (DRAIN_AGENT would be refused). Never throws for a failed check: it reports it.
     */
    async preflightAgent(input: { cluster: string; agentId?: string; hostname?: string; needsMaintenance: boolean }): Promise<PreflightReport> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const checks: PreflightCheck[] = [];
        const [version, { agents }] = await Promise.all([master.getVersion(), master.getAgents()]);
        const mesosVersion = version.version_info.version;
        const versionOk = compareVersions(mesosVersion, '1.9.0') >= 0;
        checks.push({ name: 'Mesos version ≥ 1.9', ok: versionOk, detail: `master runs ${mesosVersion}${versionOk ? '' : '; DRAIN_AGENT needs 1.9 or later'}` });
        const matches = input.agentId
          ? agents.filter((a) => a.agent_info.id?.value === input.agentId)
          : agents.filter((a) => a.agent_info.hostname.toLowerCase() === (input.hostname ?? '').toLowerCase());
        if (matches.length !== 1) {
          checks.push({
            name: 'agent registered',
            ok: false,
            detail:
              matches.length === 0
                ? `${input.agentId ? `agentId: no agent '${input.agentId}'` : `hostname: no agent on '${input.hostname}'`} is registered in cluster '${input.cluster}'`
                : `hostname: '${input.hostname}' matches ${matches.length} agents: ${matches.map((a) => a.agent_info.id?.value).join(', ')}; give agentId`,
          });
          return { mesosVersion, checks };
        }
        const agent = summarizeAgent(matches[0]);
        checks.push({ name: 'agent registered', ok: true, detail: `${agent.agentId} on ${agent.hostname}${agent.active ? '' : ' (inactive)'}` });
        const capable = agent.capabilities.includes('AGENT_DRAINING');
        checks.push({ name: 'agent can drain', ok: capable, detail: capable ? 'AGENT_DRAINING capability present' : `agent ${agent.agentId} lacks the AGENT_DRAINING capability (Mesos < 1.9 agent?)` });
        if (input.needsMaintenance) {
          checks.push({
            name: 'machine known (hostname and ip)',
            ok: Boolean(agent.hostname && agent.ip),
            detail: agent.ip ? `${agent.hostname} / ${agent.ip}` : `no ip in the agent's pid '${matches[0].pid ?? ''}': the maintenance schedule needs hostname and ip`,
          });
          if (agent.ip) {
            const state = await machineState(input.cluster, { hostname: agent.hostname, ip: agent.ip });
            checks.push({
              name: 'machine not under maintenance',
              ok: state.mode === 'NONE' || agent.drainState !== 'NONE',
              detail: state.mode === 'NONE' ? 'machine is in no maintenance schedule' : `machine is already ${state.mode} in the schedule${agent.drainState !== 'NONE' ? ' (a resumed run: continuing)' : '; DRAIN_AGENT would be refused'}`,
            });
          }
        }
        return { agent, mesosVersion, checks };
      });
    },

    /** The machine's maintenance mode (GET_MAINTENANCE_STATUS) and whether it is in the schedule. */
    async machineMaintenance(input: { cluster: string; machine: MachineRef }): Promise<MachineMaintenance> {
      return asActivity(() => machineState(input.cluster, input.machine));
    },

    /**
     * START_MAINTENANCE for one machine: skipped when it is already DOWN (Mesos answers 400 to a second call); fails
     * non-retryably with NOT_SCHEDULED when the machine is not in the schedule (it must be added first).
     */
    async startMaintenance(input: { cluster: string; machine: MachineRef }): Promise<StepOutcome> {
      return asActivity(async () => {
        const state = await machineState(input.cluster, input.machine);
        if (state.mode === 'DOWN') return { applied: false, note: 'machine already DOWN' };
        if (state.mode !== 'DRAINING') {
          throw ApplicationFailure.create({ type: 'NOT_SCHEDULED', nonRetryable: true, message: `machine ${label(input.machine)} is not in the maintenance schedule: add it before START_MAINTENANCE` });
        }
        await clusters.master(input.cluster).startMaintenance({ machines: [toMachineId(input.machine)] });
        return { applied: true, note: 'START_MAINTENANCE accepted: the machine is DOWN, its agent shut down' };
      });
    },

    /** STOP_MAINTENANCE for one machine when it is DOWN; skipped otherwise (saying its mode). */
    async stopMaintenance(input: { cluster: string; machine: MachineRef }): Promise<StepOutcome> {
      return asActivity(async () => {
        const state = await machineState(input.cluster, input.machine);
        if (state.mode !== 'DOWN') return { applied: false, note: `machine is ${state.mode === 'NONE' ? 'in no schedule' : state.mode}, not DOWN` };
        await clusters.master(input.cluster).stopMaintenance({ machines: [toMachineId(input.machine)] });
        return { applied: true, note: 'STOP_MAINTENANCE accepted: the machine is UP and out of the schedule' };
      });
    },

    /** The registered agent on a machine (hostname and ip), if any: how a runbook finds an agent that came back. */
    async agentOnMachine(input: { cluster: string; machine: MachineRef }): Promise<AgentSummary | undefined> {
      return asActivity(async () => {
        const { agents } = await clusters.master(input.cluster).getAgents();
        const found = agents.find((a) => matchesMachine(a, input.machine));
        return found ? summarizeAgent(found) : undefined;
      });
    },

    /**
     * Why an agent is not DRAINED yet: its tasks that are not terminal, the terminal ones whose framework has not
     * acknowledged the update (with the framework's name), and operations still pending on it.
     */
    async diagnoseDrain(input: { cluster: string; agentId: string }): Promise<string> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const [tasks, frameworks, operations] = await Promise.all([master.getTasks(), master.getFrameworks(), master.getOperations()]);
        const names = new Map(
          [...frameworks.frameworks, ...frameworks.completed_frameworks].map((f) => [f.framework_info.id?.value ?? '', f.framework_info.name]),
        );
        const onAgent = tasks.tasks.filter((t) => t.agent_id?.value === input.agentId);
        const running = onAgent.filter((t) => !TERMINAL.test(t.state ?? ''));
        const unacked = onAgent.filter((t) => TERMINAL.test(t.state ?? ''));
        const pendingOps = operations.operations.filter((o) => o.agent_id?.value === input.agentId);
        const parts: string[] = [];
        if (running.length) parts.push(`${running.length} task(s) not terminal yet: ${list(running.map((t) => `${t.task_id.value} (${t.state})`))}`);
        if (unacked.length) {
          const byFramework = new Map<string, number>();
          for (const t of unacked) byFramework.set(t.framework_id?.value ?? '?', (byFramework.get(t.framework_id?.value ?? '?') ?? 0) + 1);
          parts.push(
            `${unacked.length} terminal task update(s) not acknowledged by their framework: ${[...byFramework]
              .map(([id, n]) => `${names.get(id) ?? 'unknown'} (${id}): ${n}`)
              .join(', ')} — Mesos keeps the agent DRAINING until the framework acknowledges; check that framework's health`,
          );
        }
        if (pendingOps.length) parts.push(`${pendingOps.length} operation(s) pending on the agent: ${list(pendingOps.map((o) => `${o.info.type} (${o.latest_status?.state ?? 'pending'})`))}`);
        if (parts.length === 0) parts.push('nothing left on the agent: the master should record DRAINED shortly');
        return parts.join('; ');
      });
    },
  };

  async function machineState(cluster: string, machine: MachineRef): Promise<MachineMaintenance> {
    const master = clusters.master(cluster);
    const [status, schedule] = await Promise.all([master.getMaintenanceStatus(), master.getMaintenanceSchedule()]);
    const inSchedule = schedule.schedule.windows.some((w) => w.machine_ids.some((m) => sameMachine(m, machine)));
    if (status.status.down_machines.some((m) => sameMachine(m, machine))) return { mode: 'DOWN', inSchedule };
    if (status.status.draining_machines.some((m) => sameMachine(m.id, machine))) return { mode: 'DRAINING', inSchedule };
    return { mode: 'NONE', inSchedule };
  }
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;

/** Mesos's MachineID equality: hostname case-insensitive, ip exact, both present. */
export function sameMachine(m: MachineID, machine: MachineRef): boolean {
  return (m.hostname ?? '').toLowerCase() === machine.hostname.toLowerCase() && m.ip === machine.ip;
}

function matchesMachine(agent: Agent, machine: MachineRef): boolean {
  return agent.agent_info.hostname.toLowerCase() === machine.hostname.toLowerCase() && ipFromPid(agent.pid) === machine.ip;
}

function toMachineId(machine: MachineRef): MachineID {
  return { hostname: machine.hostname, ip: machine.ip };
}

function label(machine: MachineRef): string {
  return `${machine.hostname}/${machine.ip}`;
}

function list(items: string[]): string {
  return items.slice(0, 5).join(', ') + (items.length > 5 ? `, and ${items.length - 5} more` : '');
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
