import { startMaintenanceSkip, stopMaintenanceSkip } from '../src/agents/decisions';
import { isTerminalTaskState, runsOn, summarizeAgent } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import type { PolicyConfig } from '../src/config';
import { runbookFailure, type ApprovalPolicy } from '../src/contracts';
import { asActivity } from './errors';
import { machineState } from './preflight';
import { approvalPolicyFor } from './settings';
import type { AgentSummary, MachineMaintenance, MachineRef, StepOutcome } from './types';

export interface MaintenanceActivityDeps {
  clusters: ClusterRegistry;
  policy: PolicyConfig;
  /** How much faster than real time runs' own timers go (a rehearsal's speed; 1 in production). */
  timeScale?: number;
}

/**
 * Activities of the maintenance sequence (mesos-semantics.md §10): preflight, START/STOP_MAINTENANCE with
 * read-decide-write, finding the agent that returns on a machine, and the diagnosis of a stuck drain.
 */
export function createMaintenanceActivities({ clusters, policy, timeScale }: MaintenanceActivityDeps) {
  return {
    /**
     * The approval policy of a runbook, from the worker's configuration (never from a run's input): the general
     * rules, overridden by the runbook's own entry under `policy.runbooks`; and, in a rehearsal, its time scale.
     */
    async approvalPolicy(input: { runbook: string }): Promise<ApprovalPolicy> {
      return approvalPolicyFor(policy, input.runbook, timeScale);
    },

    /** The machine's maintenance mode (GET_MAINTENANCE_STATUS) and whether it is in the schedule. */
    async machineMaintenance(input: { cluster: string; machine: MachineRef }): Promise<MachineMaintenance> {
      return asActivity(() => machineState(clusters, input.cluster, input.machine));
    },

    /**
     * START_MAINTENANCE for one machine: skipped when it is already DOWN (Mesos answers 400 to a second call); fails
     * non-retryably with NOT_SCHEDULED when the machine is not in the schedule (it must be added first).
     */
    async startMaintenance(input: { cluster: string; machine: MachineRef }): Promise<StepOutcome> {
      return asActivity(async () => {
        const state = await machineState(clusters, input.cluster, input.machine);
        const skip = startMaintenanceSkip(state.mode);
        if (skip) return { applied: false, note: skip };
        if (state.mode !== 'DRAINING') {
          throw runbookFailure('NOT_SCHEDULED', `machine ${label(input.machine)} is not in the maintenance schedule: add it before START_MAINTENANCE`);
        }
        await clusters.master(input.cluster).startMaintenance({ machines: [{ hostname: input.machine.hostname, ip: input.machine.ip }] });
        return { applied: true, note: 'START_MAINTENANCE accepted: the machine is DOWN, its agent shut down' };
      });
    },

    /** STOP_MAINTENANCE for one machine when it is DOWN; skipped otherwise (saying its mode). */
    async stopMaintenance(input: { cluster: string; machine: MachineRef }): Promise<StepOutcome> {
      return asActivity(async () => {
        const skip = stopMaintenanceSkip((await machineState(clusters, input.cluster, input.machine)).mode);
        if (skip) return { applied: false, note: skip };
        await clusters.master(input.cluster).stopMaintenance({ machines: [{ hostname: input.machine.hostname, ip: input.machine.ip }] });
        return { applied: true, note: 'STOP_MAINTENANCE accepted: the machine is UP and out of the schedule' };
      });
    },

    /** The registered agent on a machine (hostname and ip), if any: how a runbook finds an agent that came back. */
    async agentOnMachine(input: { cluster: string; machine: MachineRef }): Promise<AgentSummary | undefined> {
      return asActivity(async () => {
        const { agents } = await clusters.agents(input.cluster);
        const found = agents.find((a) => runsOn(a, input.machine));
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
        const running = onAgent.filter((t) => !isTerminalTaskState(t.state));
        const unacked = onAgent.filter((t) => isTerminalTaskState(t.state));
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
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;

function label(machine: MachineRef): string {
  return `${machine.hostname}/${machine.ip}`;
}

function list(items: string[]): string {
  return items.slice(0, 5).join(', ') + (items.length > 5 ? `, and ${items.length - 5} more` : '');
}
