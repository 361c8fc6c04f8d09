import { request } from 'undici';
import { selectAgents, type AgentSelection } from '../src/agents/selection';
import { ipFromPid } from '../src/agents/vocabulary';
import type { ClusterRegistry } from '../src/clusters';
import { invalidInput } from '../src/contracts';
import { evaluateGates, type GateInput, type GateResult } from '../src/fleet/gates';
import type { RollMachine } from '../src/fleet/planner';
import { asActivity } from './errors';

export interface FleetActivityDeps {
  clusters: ClusterRegistry;
}

/** The selection's machines, as one GET_AGENTS shows them. */
export interface RollMachines {
  machines: RollMachine[];
  /** Agents the selection named but left out (draining, with includeDraining false). */
  excluded: { agentId: string; hostname: string; reason: string }[];
  /** How many agents the cluster has registered (for the plan's words). */
  registered: number;
}

/** What a health check answered. */
export interface HealthAnswer {
  ok: boolean;
  status?: number;
  error?: string;
}

const HEALTH_TIMEOUT_MS = 10_000;

/**
 * Activities of the fleet runbook: the machines a selection names, the gates a batch must pass now (plan mode; a
 * run waits for them through the watcher), the health URL between batches, and the work webhook of a machine.
 */
export function createFleetActivities({ clusters }: FleetActivityDeps) {
  return {
    /**
     * The registered agents `selection` names, as machines (hostname + the ip of their pid), with the value of the
     * `groupBy` attribute. Fails non-retryably with `INVALID_INPUT` naming the field when the selection matches no
     * agent or names one that is not registered.
     */
    async rollMachines(input: { cluster: string; selection: AgentSelection; groupBy?: string; field?: string }): Promise<RollMachines> {
      return asActivity(async () => {
        const view = await clusters.agents(input.cluster);
        const selected = selectAgents(view, input.selection, input.cluster, input.field ?? 'agents');
        if (!selected.ok) throw invalidInput(selected.message);
        const machines = selected.agents.map((a) => {
          const attr = input.groupBy ? a.agent_info.attributes.find((x) => x.name === input.groupBy) : undefined;
          const group = attr ? (attr.text?.value ?? (attr.scalar ? String(attr.scalar.value) : undefined)) : undefined;
          return { hostname: a.agent_info.hostname, ip: ipFromPid(a.pid) ?? '', agentId: a.agent_info.id?.value ?? '', ...(group !== undefined ? { group } : {}) };
        });
        return { machines, excluded: selected.excluded, registered: view.agents.length };
      });
    },

    /**
     * The gates of each of `batches` (agent ids), on one GET_AGENTS (and GET_MAINTENANCE_STATUS for other machines
     * DOWN): what plan mode shows for each batch.
     */
    async rollGatesOf(input: { cluster: string; batches: string[][] } & Omit<GateInput, 'batchAgentIds' | 'downMachines'>): Promise<GateResult[][]> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const [view, status] = await Promise.all([clusters.agents(input.cluster), input.maxOtherDraining !== undefined ? master.getMaintenanceStatus() : undefined]);
        const { batches, cluster: _cluster, ...rest } = input;
        const downMachines = status?.status.down_machines ?? [];
        return batches.map((batchAgentIds) => evaluateGates(view, { ...rest, batchAgentIds, downMachines }));
      });
    },

    /** GET the health URL: 2xx is healthy. Never throws for an unhealthy answer or an unreachable URL: it says so. */
    async healthCheck(input: { url: string }): Promise<HealthAnswer> {
      try {
        const res = await request(input.url, { method: 'GET', headersTimeout: HEALTH_TIMEOUT_MS, bodyTimeout: HEALTH_TIMEOUT_MS });
        await res.body.dump();
        return { ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },

    /**
     * POSTs the machine (hostname, ip, agent id) to the work webhook once it is DOWN and waits for the answer (at most
     * `timeoutSeconds`): a 2xx means the work is done. Never throws for another answer: it says what came back.
     */
    async workWebhook(input: { webhookUrl: string; timeoutSeconds: number; machine: { hostname: string; ip: string; agentId: string } }): Promise<HealthAnswer> {
      try {
        const res = await request(input.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input.machine),
          headersTimeout: input.timeoutSeconds * 1000,
          bodyTimeout: input.timeoutSeconds * 1000,
        });
        await res.body.dump();
        return { ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

export type FleetActivities = ReturnType<typeof createFleetActivities>;
