/**
 * The gates a batch of the fleet must pass before it starts (pure, over one GET_AGENTS): the share of agents that
 * stay active, how many other agents are out, and whether the batch's tasks fit on the agents that stay. The
 * cluster watcher evaluates them (condition kind `rollGates`), so a closed gate re-checks when the cluster changes.
 */
import type { Agent, Resource } from '../mesos';
import type { AgentsView } from '../agents/vocabulary';

export interface GateOptions {
  /** The share of all agents that must stay active once the batch is out (0..1). */
  minActiveShare?: number;
  /** At most this many agents outside the roll draining, deactivated or removed for maintenance. */
  maxOtherDraining?: number;
  /** The batch's tasks must fit in the free resources of the agents that stay (per role where reserved). */
  capacity?: boolean;
}

export interface GateResult {
  name: 'minActiveShare' | 'maxOtherDraining' | 'capacity' | 'healthCheck';
  open: boolean;
  reason?: string;
}

export interface GateInput extends GateOptions {
  /** The agents of the batch about to start. */
  batchAgentIds: string[];
  /** Every agent of the roll, done or not (its own machines are never "other"). */
  rollAgentIds: string[];
  /** The roll's machines under way now: those not registered (DOWN) count as agents out of the cluster. */
  outAgentIds?: string[];
  /** The roll's machines by hostname, to tell its own DOWN machines from others'. */
  rollHostnames?: string[];
  /** GET_MAINTENANCE_STATUS's DOWN machines: those outside the roll count as other agents out (their agents are gone). */
  downMachines?: { hostname?: string; ip?: string }[];
}

const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;
const isOut = (a: Agent) => !a.active || a.deactivated || a.drain_info !== undefined;

/** Every gate the options ask for, in order, with why a closed one is closed. */
export function evaluateGates(view: AgentsView, input: GateInput): GateResult[] {
  const results: GateResult[] = [];
  const batch = new Set(input.batchAgentIds);
  const roll = new Set(input.rollAgentIds);
  const agents = view.agents;
  if (input.minActiveShare !== undefined) {
    const registered = new Set(agents.map((a) => a.agent_info.id?.value ?? ''));
    const total = agents.length + (input.outAgentIds ?? []).filter((id) => !registered.has(id)).length;
    const stay = agents.filter((a) => !isOut(a) && !batch.has(a.agent_info.id?.value ?? '')).length;
    const share = total === 0 ? 0 : stay / total;
    const open = share >= input.minActiveShare;
    results.push({
      name: 'minActiveShare',
      open,
      ...(open ? {} : { reason: `${stay} of ${total} agents would stay active (${pct(share)}), below the minimum of ${pct(input.minActiveShare)}` }),
    });
  }
  if (input.maxOtherDraining !== undefined) {
    const others = agents.filter((a) => !roll.has(a.agent_info.id?.value ?? '') && isOut(a));
    // MachineID hostnames compare without case, as Mesos's do (src/agents/vocabulary.ts sameMachine).
    const rollMachines = new Set((input.rollHostnames ?? []).map((h) => h.toLowerCase()));
    const down = (input.downMachines ?? []).filter((m) => !rollMachines.has((m.hostname ?? '').toLowerCase())).map((m) => `${m.hostname ?? m.ip} (DOWN)`);
    const out = [...others.map((a) => `${a.agent_info.hostname}${a.drain_info ? ` (${a.drain_info.state})` : a.deactivated ? ' (deactivated)' : ' (disconnected)'}`), ...down];
    const open = out.length <= input.maxOtherDraining;
    results.push({
      name: 'maxOtherDraining',
      open,
      ...(open
        ? {}
        : {
            reason: `${out.length} other agent(s) are draining, deactivated or DOWN (at most ${input.maxOtherDraining}): ${out.slice(0, 5).join(', ')}${out.length > 5 ? ', ...' : ''}`,
          }),
    });
  }
  if (input.capacity) results.push(capacityGate(agents, batch, roll));
  return results;
}

/**
 * Whether what tasks hold on the batch's agents fits in what is free on the active agents that stay: per resource
 * name, resources reserved for a role are served first by free resources reserved for that role, the rest by free
 * unreserved ones. Aggregate sums, not bin packing: a fit here can still fail to place a large task.
 */
function capacityGate(agents: Agent[], batch: Set<string>, roll: Set<string>): GateResult {
  const need = new Map<string, number>(); // `${role}|${name}`, role '*' for unreserved
  const free = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, v: number) => m.set(key, (m.get(key) ?? 0) + v);
  for (const a of agents) {
    const id = a.agent_info.id?.value ?? '';
    if (batch.has(id)) {
      for (const r of a.allocated_resources) if (isScalar(r)) add(need, `${roleOf(r)}|${r.name}`, r.scalar!.value);
    } else if (!isOut(a) && !roll.has(id)) {
      for (const r of a.total_resources) if (isScalar(r)) add(free, `${roleOf(r)}|${r.name}`, r.scalar!.value);
      for (const r of a.allocated_resources) if (isScalar(r)) add(free, `${roleOf(r)}|${r.name}`, -r.scalar!.value);
    }
  }
  const short: string[] = [];
  for (const name of SCALARS) {
    let unreservedLeft = free.get(`*|${name}`) ?? 0;
    const needs = [...need.entries()].filter(([k]) => k.endsWith(`|${name}`));
    for (const [key, amount] of needs.sort(([a], [b]) => (a.startsWith('*|') ? 1 : 0) - (b.startsWith('*|') ? 1 : 0))) {
      const role = key.split('|')[0]!;
      const own = role === '*' ? 0 : Math.max(0, free.get(key) ?? 0);
      const rest = Math.max(0, amount - own);
      unreservedLeft -= rest;
      // Short only where this need had to take from the unreserved pool and the pool ran out.
      if (rest > 0 && unreservedLeft < -1e-9) short.push(`${name} for role ${role === '*' ? '(unreserved)' : role}: ${round(amount)} needed, ${round(own + Math.max(0, unreservedLeft + rest))} free`);
    }
  }
  return short.length === 0 ? { name: 'capacity', open: true } : { name: 'capacity', open: false, reason: `the batch's tasks would not fit on the agents that stay: ${short.join('; ')}` };
}

function isScalar(r: Resource): boolean {
  return r.scalar !== undefined && (SCALARS as readonly string[]).includes(r.name) && r.revocable === undefined;
}

/** The role a resource is reserved for ('*' unreserved): the last of the refined reservations, or the legacy role. */
function roleOf(r: Resource): string {
  const last = r.reservations.at(-1)?.role;
  if (last) return last;
  return r.role && r.role !== '*' ? r.role : '*';
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
