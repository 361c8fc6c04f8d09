/**
 * What a run can wait for, as plain data, and how one GET_AGENTS answers it. Pure: the watcher activity evaluates
 * conditions against its shared read, the watcher workflow validates them in its Update validator, and runs build
 * them, so this module imports nothing that does I/O (only types from src/mesos).
 *
 * One table, {@link conditionKinds}: a new kind of condition is one entry (its schema, words, evaluation, and which
 * agents or machine it concerns, for routing SUBSCRIBE events to it). Everything else (the union schema, `Condition`,
 * `evaluate`, `describeCondition`, `concernOf`) is derived from it.
 */
import { z } from 'zod';
import { ipFromPid, runsOn, type AgentsView } from '../agents/vocabulary';
import type { Agent, GetMaintenanceStatus, GetOperations, GetQuota, GetWeights } from '../mesos';
import { formatAmount, RESOURCE_NAMES, sameAmount } from '../resources/amounts';
import { currentWeights, quotaConfigs, sameConfig } from '../resources/quota';
import { reservationOf } from '../resources/reservations';
import { agentResources } from '../resources/view';
import { findVolume } from '../resources/volumes';
import { evaluateGates, type GateResult } from '../fleet/gates';

export type { AgentsView };

/**
 * The reads a condition is evaluated against: GET_AGENTS always (an empty view when no wait needs it), and the other
 * reads its kind declares (`reads`), made once per watcher cycle for every wait that needs them.
 */
export type ReadKind = 'agents' | 'operations' | 'quota' | 'weights' | 'maintenance';
export interface ClusterReads {
  operations?: GetOperations;
  quota?: GetQuota;
  weights?: GetWeights;
  /** GET_MAINTENANCE_STATUS: the machines DOWN for maintenance (their agents are not registered). */
  maintenance?: GetMaintenanceStatus;
}

/** What the read showed about the agent a condition is about: small and JSON-safe (it goes into histories). */
export interface Observation {
  agentId?: string;
  hostname?: string;
  ip?: string;
  active?: boolean;
  deactivated?: boolean;
  drainState?: 'NONE' | 'DRAINING' | 'DRAINED';
  /** True when the agent (or, for agentOnMachine, an agent on the machine) is among the registered agents. */
  registered: boolean;
  /** True when the master lists the agent under `recovered_agents`: it should re-register soon (after a failover). */
  recovering?: boolean;
  /** What the read showed, in words, for kinds beyond an agent's state (reservations, volumes, quota, weights). */
  detail?: string;
  /** For `rollGates`: each gate, open or why not. */
  gates?: GateResult[];
}

/**
 * One evaluation: `met`, or `impossible` (the condition can no longer become true, e.g. the agent whose DRAINED is
 * awaited is gone; with the reason), or neither (pending).
 */
export interface Evaluation {
  met: boolean;
  impossible?: string;
  observation: Observation;
}

/** The agents and machine a condition is about: the watcher routes SUBSCRIBE events to waits with it. */
export interface Concern {
  agentIds: string[];
  machine?: { hostname: string; ip: string };
}

interface KindSpec<S extends z.ZodType> {
  schema: S;
  /** A short description for logs and progress ("agent S1 DRAINED"). */
  describe: (condition: z.infer<S>) => string;
  evaluate: (condition: z.infer<S>, view: AgentsView, reads: ClusterReads) => Evaluation;
  concerns: (condition: z.infer<S>) => Concern;
  /** What the watcher reads to evaluate it (default: GET_AGENTS only). */
  reads?: ReadKind[];
}

const kind = <S extends z.ZodType>(spec: KindSpec<S>): KindSpec<S> => spec;

const agentId = z.string({ error: 'must be an agent id string' }).min(1, 'must be a non-empty agent id');
const byAgent = <K extends string>(name: K) => z.object({ kind: z.literal(name), agentId }).strict();
const aboutAgent = (c: { agentId: string }): Concern => ({ agentIds: [c.agentId] });

/** Every kind of condition a run can wait for. */
export const conditionKinds = {
  /** A registered agent with `drain_info.state` DRAINED (spec §4: every task terminal and acknowledged). */
  agentDrained: kind({
    schema: byAgent('agentDrained'),
    describe: (c) => `agent ${c.agentId} DRAINED`,
    evaluate: (c, view) => {
      const { agent, observation } = find(view, c.agentId);
      if (agent) return { met: agent.drain_info?.state === 'DRAINED', observation };
      return gone(observation, `agent ${c.agentId} left the cluster before it was DRAINED`);
    },
    concerns: aboutAgent,
  }),
  /** The agent is neither registered nor recovering (removed, unreachable, marked gone). */
  agentRemoved: kind({
    schema: byAgent('agentRemoved'),
    describe: (c) => `agent ${c.agentId} removed`,
    evaluate: (c, view) => {
      const { observation } = find(view, c.agentId);
      return { met: !observation.registered && !observation.recovering, observation };
    },
    concerns: aboutAgent,
  }),
  /**
   * A registered agent runs on the machine: hostname equal case-insensitively, and the ip from its pid equal
   * exactly — the MachineID Mesos matches in the maintenance schedule. `excludeAgentId` skips one agent (the old id
   * of an agent that comes back under a new one, spec §10).
   */
  agentOnMachine: kind({
    schema: z
      .object({
        kind: z.literal('agentOnMachine'),
        hostname: z.string({ error: 'must be a hostname string' }).min(1, 'must be a non-empty hostname'),
        ip: z.string({ error: 'must be an ip string' }).min(1, 'must be a non-empty ip'),
        excludeAgentId: agentId.optional(),
      })
      .strict(),
    describe: (c) => `an agent registered on ${c.hostname}/${c.ip}${c.excludeAgentId ? ` other than ${c.excludeAgentId}` : ''}`,
    evaluate: (c, view) => {
      const agent = view.agents.find((a) => a.agent_info.id?.value !== c.excludeAgentId && runsOn(a, c));
      if (agent) return { met: true, observation: observe(agent) };
      const recovering = (view.recovered_agents ?? []).some((a) => a.hostname.toLowerCase() === c.hostname.toLowerCase() && a.id?.value !== c.excludeAgentId);
      return { met: false, observation: { hostname: c.hostname, ip: c.ip, registered: false, ...(recovering ? { recovering } : {}) } };
    },
    concerns: (c) => ({ agentIds: [], machine: { hostname: c.hostname, ip: c.ip } }),
  }),
  /** A registered agent that is active, not deactivated, and has no drain info (e.g. after REACTIVATE_AGENT). */
  agentActive: kind({
    schema: byAgent('agentActive'),
    describe: (c) => `agent ${c.agentId} active`,
    evaluate: (c, view) => {
      const { agent, observation } = find(view, c.agentId);
      if (agent) return { met: agent.active && !agent.deactivated && agent.drain_info === undefined, observation };
      return gone(observation, `agent ${c.agentId} left the cluster`);
    },
    concerns: aboutAgent,
  }),
  /**
   * The agent's drain is no longer in progress: DRAINED, no drain info, or the agent is gone (nothing left to wait
   * for). Mesos refuses REACTIVATE_AGENT while DRAINING, so a compensation waits for this before reactivating.
   */
  agentDrainSettled: kind({
    schema: byAgent('agentDrainSettled'),
    describe: (c) => `agent ${c.agentId} DRAINED (Mesos refuses REACTIVATE_AGENT while DRAINING)`,
    evaluate: (c, view) => {
      const { agent, observation } = find(view, c.agentId);
      if (agent) return { met: agent.drain_info?.state !== 'DRAINING', observation };
      return { met: !observation.recovering, observation };
    },
    concerns: aboutAgent,
  }),
  /** The agent is registered with the leading master (again, after a failover listed it under `recovered_agents`). */
  agentRegistered: kind({
    schema: byAgent('agentRegistered'),
    describe: (c) => `agent ${c.agentId} re-registered with the leading master`,
    evaluate: (c, view) => {
      const { agent, observation } = find(view, c.agentId);
      if (agent) return { met: true, observation };
      return gone(observation, `agent ${c.agentId} is no longer known to the master (removed or marked unreachable)`);
    },
    concerns: aboutAgent,
  }),
  /**
   * The role's dynamic reservation of one resource on the agent (as src/resources/reservations.ts counts it) is the
   * amount, as GET_AGENTS `total_resources` shows it, and no operation is pending on the agent in GET_OPERATIONS.
   */
  agentReservation: kind({
    schema: z
      .object({
        kind: z.literal('agentReservation'),
        agentId,
        role: z.string({ error: 'must be a role name' }).min(1, 'must be a non-empty role'),
        resource: z.enum(RESOURCE_NAMES),
        amount: z.number({ error: 'must be a number' }).min(0, 'must be 0 or more'),
      })
      .strict(),
    describe: (c) => `${c.role}'s reservation of ${c.resource} on agent ${c.agentId} at ${formatAmount(c.resource, c.amount)}`,
    reads: ['agents', 'operations'],
    evaluate: (c, view, reads) => {
      const { agent, observation } = find(view, c.agentId);
      if (!agent) return gone(observation, `agent ${c.agentId} left the cluster`);
      const res = agentResources(agent, reads.operations);
      const now = reservationOf(res, c.role, c.resource).total;
      const pending = res.pendingOperations ?? 0;
      const detail = `${c.role} has ${formatAmount(c.resource, now)} of ${c.resource} reserved on agent ${c.agentId}${pending > 0 ? `; ${pending} operation(s) pending` : ''}`;
      return { met: sameAmount(now, c.amount) && pending === 0, observation: { ...observation, detail } };
    },
    concerns: aboutAgent,
  }),
  /**
   * The role's persistent volume is `sizeMb` (absent when `sizeMb` is left out), as GET_AGENTS `total_resources`
   * shows it, and no operation is pending on the agent in GET_OPERATIONS.
   */
  agentVolume: kind({
    schema: z
      .object({
        kind: z.literal('agentVolume'),
        agentId,
        role: z.string({ error: 'must be a role name' }).min(1, 'must be a non-empty role'),
        persistenceId: z.string({ error: 'must be a persistence id' }).min(1, 'must be a non-empty persistence id'),
        sizeMb: z.number({ error: 'must be a number of MB' }).positive('must be more than 0 MB').optional(),
      })
      .strict(),
    describe: (c) => `volume ${c.persistenceId} of ${c.role} on agent ${c.agentId} ${c.sizeMb === undefined ? 'absent' : `at ${formatAmount('disk', c.sizeMb)}`}`,
    reads: ['agents', 'operations'],
    evaluate: (c, view, reads) => {
      const { agent, observation } = find(view, c.agentId);
      if (!agent) return gone(observation, `agent ${c.agentId} left the cluster`);
      const res = agentResources(agent, reads.operations);
      const v = findVolume(res, c);
      const pending = res.pendingOperations ?? 0;
      const shown = v ? `is ${formatAmount('disk', v.amount)}` : 'is absent';
      const holds = c.sizeMb === undefined ? v === undefined : v !== undefined && sameAmount(v.amount, c.sizeMb);
      return { met: holds && pending === 0, observation: { ...observation, detail: `volume ${c.persistenceId} ${shown}${pending > 0 ? `; ${pending} operation(s) pending` : ''}` } };
    },
    concerns: aboutAgent,
  }),
  /** GET_QUOTA shows each listed role's config (empty guarantees and limits: no quota). */
  quotaConfigs: kind({
    schema: z
      .object({
        kind: z.literal('quotaConfigs'),
        configs: z
          .array(z.object({ role: z.string().min(1, 'must be a non-empty role'), guarantees: z.record(z.string(), z.number()), limits: z.record(z.string(), z.number()) }).strict())
          .min(1, 'list at least one role'),
      })
      .strict(),
    describe: (c) => `GET_QUOTA showing the new quota of ${c.configs.map((x) => x.role).join(', ')}`,
    reads: ['quota'],
    evaluate: (c, _view, reads) => {
      const current = reads.quota ? quotaConfigs(reads.quota) : [];
      const off = c.configs.filter((want) => !sameConfig(current.find((x) => x.role === want.role) ?? { role: want.role, guarantees: {}, limits: {} }, want)).map((x) => x.role);
      return { met: reads.quota !== undefined && off.length === 0, observation: { registered: true, detail: off.length === 0 ? 'GET_QUOTA shows every listed role as wanted' : `GET_QUOTA does not show the new quota of ${off.join(', ')} yet` } };
    },
    concerns: () => ({ agentIds: [] }),
  }),
  /** GET_WEIGHTS shows each listed role's weight. */
  roleWeights: kind({
    schema: z
      .object({
        kind: z.literal('roleWeights'),
        weights: z.array(z.object({ role: z.string().min(1, 'must be a non-empty role'), weight: z.number().positive('must be positive') }).strict()).min(1, 'list at least one role'),
      })
      .strict(),
    describe: (c) => `GET_WEIGHTS showing ${c.weights.map((w) => `${w.role}=${w.weight}`).join(', ')}`,
    reads: ['weights'],
    evaluate: (c, _view, reads) => {
      const current = reads.weights ? currentWeights(reads.weights) : [];
      const off = c.weights.filter((w) => !current.some((x) => x.role === w.role && sameAmount(x.weight, w.weight))).map((w) => w.role);
      return { met: reads.weights !== undefined && off.length === 0, observation: { registered: true, detail: off.length === 0 ? 'GET_WEIGHTS shows every listed weight' : `GET_WEIGHTS does not show the new weight of ${off.join(', ')} yet` } };
    },
    concerns: () => ({ agentIds: [] }),
  }),
  /**
   * The gates of a fleet's next batch are open (src/fleet/gates.ts): the share of agents staying active, other agents
   * out, capacity. Re-evaluated on every read, so a closed gate opens as soon as the cluster allows.
   */
  rollGates: kind({
    schema: z
      .object({
        kind: z.literal('rollGates'),
        batchAgentIds: z.array(agentId).min(1, 'must list the batch\'s agents'),
        rollAgentIds: z.array(agentId),
        /** The roll's machines by hostname: a DOWN machine not among them is another's maintenance. */
        rollHostnames: z.array(z.string()).optional(),
        outAgentIds: z.array(agentId).optional(),
        minActiveShare: z.number().min(0).max(1).optional(),
        maxOtherDraining: z.number().int().min(0).optional(),
        capacity: z.boolean().optional(),
      })
      .strict(),
    describe: (c) => `the gates of the batch of ${c.batchAgentIds.length} agent(s) open`,
    reads: ['agents', 'maintenance'],
    evaluate: (c, view, reads) => {
      const gates = evaluateGates(view, { ...c, downMachines: reads.maintenance?.status.down_machines ?? [] });
      const closed = gates.filter((g) => !g.open).map((g) => `${g.name} closed: ${g.reason ?? 'closed'}`);
      return { met: closed.length === 0, observation: { registered: true, gates, detail: closed.length ? closed.join('; ') : 'every gate open' } };
    },
    concerns: (c) => ({ agentIds: [...c.batchAgentIds] }),
  }),
};

type Kinds = typeof conditionKinds;
export type ConditionKind = keyof Kinds;
/** Every condition a run can wait for, discriminated on `kind`. */
export type Condition = { [K in ConditionKind]: z.infer<Kinds[K]['schema']> }[ConditionKind];
/** One condition of the union, by kind. */
export type ConditionOf<K extends ConditionKind> = Extract<Condition, { kind: K }>;

export const CONDITION_KINDS = Object.keys(conditionKinds) as ConditionKind[];

const schemas = Object.values(conditionKinds).map((k) => k.schema) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]];
/** The union's schema: the watcher's Update validator and the registering activity check every wait with it. */
export const ConditionSchema = z.discriminatedUnion('kind', schemas, {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${CONDITION_KINDS.join(', ')}` : undefined),
}) as unknown as z.ZodType<Condition>;

function spec<K extends ConditionKind>(condition: ConditionOf<K>): KindSpec<z.ZodType<ConditionOf<K>>> {
  return conditionKinds[condition.kind] as unknown as KindSpec<z.ZodType<ConditionOf<K>>>;
}

/** A short description for logs and progress ("agent S1 DRAINED"). */
export function describeCondition(c: Condition): string {
  return spec(c).describe(c);
}

/**
 * Evaluates `condition` against one GET_AGENTS answer and, for kinds that declare them, the other reads of the same
 * cycle (`reads`).
 */
export function evaluate(condition: Condition, view: AgentsView, reads: ClusterReads = {}): Evaluation {
  return spec(condition).evaluate(condition, view, reads);
}

/** What the watcher must read to evaluate `condition` (GET_AGENTS only, unless its kind says more). */
export function readsOf(condition: Condition): ReadKind[] {
  return spec(condition).reads ?? ['agents'];
}

/** The agents and machine `condition` is about. */
export function concernOf(condition: Condition): Concern {
  return spec(condition).concerns(condition);
}

/**
 * True when news about the agent (a task of it turned terminal, it was added or removed) may change `condition`.
 * `hostname`/`ip` are known for AGENT_ADDED (its payload is a whole agent entry), not for the other events.
 */
export function concernsAgent(condition: Condition, agent: { agentId?: string; hostname?: string; ip?: string }): boolean {
  const concern = concernOf(condition);
  if (agent.agentId !== undefined && concern.agentIds.includes(agent.agentId)) return true;
  if (!concern.machine || agent.hostname === undefined) return false;
  return agent.hostname.toLowerCase() === concern.machine.hostname.toLowerCase() && agent.ip === concern.machine.ip;
}

export { ipFromPid };

function find(view: AgentsView, id: string): { agent?: Agent; observation: Observation } {
  const agent = view.agents.find((a) => a.agent_info.id?.value === id);
  if (agent) return { agent, observation: observe(agent) };
  const recovered = (view.recovered_agents ?? []).find((a) => a.id?.value === id);
  if (recovered) return { observation: { agentId: id, hostname: recovered.hostname, registered: false, recovering: true } };
  return { observation: { agentId: id, registered: false } };
}

/** Not registered: pending while the master lists it as recovering, else impossible. */
function gone(observation: Observation, reason: string): Evaluation {
  return observation.recovering ? { met: false, observation } : { met: false, impossible: reason, observation };
}

function observe(agent: Agent): Observation {
  const state = agent.drain_info?.state;
  const ip = ipFromPid(agent.pid);
  return {
    agentId: agent.agent_info.id?.value,
    hostname: agent.agent_info.hostname,
    ...(ip !== undefined ? { ip } : {}),
    active: agent.active,
    deactivated: agent.deactivated,
    drainState: state === 'DRAINING' || state === 'DRAINED' ? state : 'NONE',
    registered: true,
  };
}
