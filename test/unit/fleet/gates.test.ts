import { ConditionSchema, evaluate, readsOf } from '../../../src/convergence/conditions';
import { evaluateGates, type GateInput } from '../../../src/fleet/gates';
import { GetAgentsSchema, GetMaintenanceStatusSchema, type GetAgents } from '../../../src/mesos';

// The gates before a batch of the fleet (docs/runbooks.md, rollingMaintenance "Gates"): minActiveShare,
// maxOtherDraining (agents outside the roll out, and other machines DOWN for maintenance), capacity (per role where
// reserved, then unreserved; sums, not bin packing). Agents are built as GET_AGENTS shows them (GetAgentsSchema).

/** Agent `S<n>` on `agent-<n>.sim.local`, active, with no drain info, unless `over` says otherwise. */
function agent(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const n = id.replace(/\D/g, '') || '1';
  return { agent_info: { id: { value: id }, hostname: `agent-${n}.sim.local` }, active: true, deactivated: false, pid: `slave(1)@10.0.0.${n}:5051`, ...over };
}

function view(...agents: Record<string, unknown>[]): GetAgents {
  return GetAgentsSchema.parse({ agents });
}

/** Agents S1 … S<count>. */
const fleet = (count: number, over: (i: number) => Record<string, unknown> = () => ({})) => Array.from({ length: count }, (_, i) => agent(`S${i + 1}`, over(i + 1)));
const ids = (...n: number[]) => n.map((i) => `S${i}`);

const draining = { drain_info: { state: 'DRAINING', config: { mark_gone: false } }, deactivated: true };
const drained = { drain_info: { state: 'DRAINED', config: { mark_gone: false } }, deactivated: true };
const deactivated = { deactivated: true };
const disconnected = { active: false };

/** A scalar resource; unreserved without `role`, else dynamically reserved for it. */
function scalar(name: string, value: number, role?: string): Record<string, unknown> {
  return { name, type: 'SCALAR', scalar: { value }, ...(role ? { reservations: [{ type: 'DYNAMIC', role }] } : {}) };
}
const cpus = (value: number, role?: string) => scalar('cpus', value, role);
const mem = (value: number, role?: string) => scalar('mem', value, role);
/** An agent with these resources in total, of which `allocated` held by tasks. */
const withResources = (total: Record<string, unknown>[], allocated: Record<string, unknown>[] = []) => ({ total_resources: total, allocated_resources: allocated });

const gate = (v: GetAgents, input: GateInput) => {
  const results = evaluateGates(v, input);
  expect(results).toHaveLength(1);
  return results[0]!;
};

describe('evaluateGates', () => {
  it('evaluates only the gates asked for, in order: minActiveShare, maxOtherDraining, capacity', () => {
    const v = view(...fleet(3));
    expect(evaluateGates(v, { batchAgentIds: ids(1), rollAgentIds: ids(1) })).toEqual([]);
    expect(evaluateGates(v, { batchAgentIds: ids(1), rollAgentIds: ids(1), capacity: true, maxOtherDraining: 0, minActiveShare: 0.5 }).map((g) => g.name)).toEqual([
      'minActiveShare',
      'maxOtherDraining',
      'capacity',
    ]);
    expect(evaluateGates(v, { batchAgentIds: ids(1), rollAgentIds: ids(1), capacity: false })).toEqual([]);
  });

  describe('minActiveShare', () => {
    const input = { batchAgentIds: ids(1, 2), rollAgentIds: ids(1, 2, 3, 4) };

    it('is open when the share of agents staying active is at least the minimum (8 of 10 against 80%)', () => {
      expect(gate(view(...fleet(10)), { ...input, minActiveShare: 0.8 })).toEqual({ name: 'minActiveShare', open: true });
    });

    it('is closed below it, saying how many would stay and both shares', () => {
      expect(gate(view(...fleet(10)), { ...input, minActiveShare: 0.85 })).toEqual({
        name: 'minActiveShare',
        open: false,
        reason: '8 of 10 agents would stay active (80%), below the minimum of 85%',
      });
    });

    it('does not count agents already draining, deactivated or disconnected as staying active', () => {
      const v = view(...fleet(10, (i) => ({ 5: draining, 6: deactivated, 7: disconnected })[i] ?? {}));
      expect(gate(v, { ...input, minActiveShare: 0.55 }).reason).toBe('5 of 10 agents would stay active (50%), below the minimum of 55%');
    });

    it('counts the roll’s machines still DOWN (not registered) as agents out of the cluster', () => {
      // 8 registered, S9 and S10 of the roll DOWN: 6 of 10 stay once S1 and S2 are out.
      const v = view(...fleet(8));
      expect(gate(v, { ...input, outAgentIds: ids(9, 10), minActiveShare: 0.65 })).toEqual({
        name: 'minActiveShare',
        open: false,
        reason: '6 of 10 agents would stay active (60%), below the minimum of 65%',
      });
      expect(gate(v, { ...input, outAgentIds: ids(9, 10), minActiveShare: 0.6 }).open).toBe(true);
    });

    it('does not count a roll machine under way twice when its agent is still registered', () => {
      const v = view(...fleet(10, (i) => (i === 3 ? draining : {})));
      expect(gate(v, { ...input, outAgentIds: ids(3), minActiveShare: 1 }).reason).toBe('7 of 10 agents would stay active (70%), below the minimum of 100%');
    });

    it('counts a batch agent already out once', () => {
      const v = view(...fleet(4, (i) => (i === 1 ? draining : {})));
      expect(gate(v, { batchAgentIds: ids(1, 2), rollAgentIds: ids(1, 2), minActiveShare: 1 }).reason).toBe('2 of 4 agents would stay active (50%), below the minimum of 100%');
    });

    it('shows shares to a tenth of a percent', () => {
      expect(gate(view(...fleet(3)), { batchAgentIds: ids(1), rollAgentIds: ids(1), minActiveShare: 0.7 }).reason).toBe('2 of 3 agents would stay active (66.7%), below the minimum of 70%');
    });

    it('with no agents at all, only a minimum of 0 is met', () => {
      expect(gate(view(), { batchAgentIds: ids(1), rollAgentIds: ids(1), minActiveShare: 0 }).open).toBe(true);
      expect(gate(view(), { batchAgentIds: ids(1), rollAgentIds: ids(1), minActiveShare: 0.1 }).reason).toBe('0 of 0 agents would stay active (0%), below the minimum of 10%');
    });
  });

  describe('maxOtherDraining', () => {
    const input = { batchAgentIds: ids(1), rollAgentIds: ids(1, 2) };

    it('is open while at most that many agents outside the roll are out', () => {
      const v = view(...fleet(6, (i) => (i === 5 ? draining : {})));
      expect(gate(v, { ...input, maxOtherDraining: 1 })).toEqual({ name: 'maxOtherDraining', open: true });
    });

    it('is closed past it, naming each such agent and its state', () => {
      const v = view(...fleet(6, (i) => ({ 3: draining, 4: drained, 5: deactivated })[i] ?? {}));
      expect(gate(v, { ...input, maxOtherDraining: 2 })).toEqual({
        name: 'maxOtherDraining',
        open: false,
        reason: '3 other agent(s) are draining, deactivated or DOWN (at most 2): agent-3.sim.local (DRAINING), agent-4.sim.local (DRAINED), agent-5.sim.local (deactivated)',
      });
    });

    it('never counts the roll’s own agents, whether in this batch or another', () => {
      const v = view(...fleet(4, (i) => (i <= 2 ? draining : {})));
      expect(gate(v, { ...input, maxOtherDraining: 0 }).open).toBe(true);
    });

    it('counts a disconnected agent outside the roll as out', () => {
      const v = view(...fleet(4, (i) => (i === 4 ? disconnected : {})));
      expect(gate(v, { ...input, maxOtherDraining: 0 }).open).toBe(false);
    });

    it('counts machines DOWN for maintenance outside the roll (other runs, manual maintenance), by hostname', () => {
      const v = view(...fleet(4));
      const downMachines = [{ hostname: 'db-7.sim.local', ip: '10.0.1.7' }, { ip: '10.0.1.8' }];
      expect(gate(v, { ...input, downMachines, maxOtherDraining: 1 })).toEqual({
        name: 'maxOtherDraining',
        open: false,
        reason: '2 other agent(s) are draining, deactivated or DOWN (at most 1): db-7.sim.local (DOWN), 10.0.1.8 (DOWN)',
      });
    });

    it('does not count the roll’s own DOWN machines (told apart by rollHostnames)', () => {
      const v = view(...fleet(4));
      const downMachines = [{ hostname: 'agent-2.sim.local', ip: '10.0.0.2' }];
      expect(gate(v, { ...input, rollHostnames: ['agent-1.sim.local', 'agent-2.sim.local'], downMachines, maxOtherDraining: 0 }).open).toBe(true);
      // Without rollHostnames no DOWN machine is known as the roll's own.
      expect(gate(v, { ...input, downMachines, maxOtherDraining: 0 }).open).toBe(false);
    });

    it('tells the roll’s own DOWN machines apart without regard to case, as Mesos compares MachineIDs', () => {
      const v = view(...fleet(4));
      expect(gate(v, { ...input, rollHostnames: ['agent-2.sim.local'], downMachines: [{ hostname: 'Agent-2.SIM.local', ip: '10.0.0.2' }], maxOtherDraining: 0 }).open).toBe(true);
    });

    it('says an inactive agent that is not deactivated is disconnected', () => {
      const v = view(...fleet(4, (i) => (i === 4 ? disconnected : {})));
      expect(gate(v, { ...input, maxOtherDraining: 0 }).reason).toBe('1 other agent(s) are draining, deactivated or DOWN (at most 0): agent-4.sim.local (disconnected)');
    });

    it('adds agents out and machines DOWN together, agents first', () => {
      const v = view(...fleet(4, (i) => (i === 3 ? draining : {})));
      expect(gate(v, { ...input, downMachines: [{ hostname: 'db-7.sim.local', ip: '10.0.1.7' }], maxOtherDraining: 1 }).reason).toBe(
        '2 other agent(s) are draining, deactivated or DOWN (at most 1): agent-3.sim.local (DRAINING), db-7.sim.local (DOWN)',
      );
    });

    it('names at most five of them', () => {
      const v = view(...fleet(9, (i) => (i >= 3 ? deactivated : {})));
      expect(gate(v, { ...input, maxOtherDraining: 0 }).reason).toBe(
        '7 other agent(s) are draining, deactivated or DOWN (at most 0): agent-3.sim.local (deactivated), agent-4.sim.local (deactivated), agent-5.sim.local (deactivated), agent-6.sim.local (deactivated), agent-7.sim.local (deactivated), ...',
      );
    });
  });

  describe('capacity', () => {
    // S1 is the batch; S2, S3 stay unless a test says otherwise.
    const input = { batchAgentIds: ids(1), rollAgentIds: ids(1), capacity: true };

    it('is open when the batch’s tasks fit in what is free on the agents that stay', () => {
      const v = view(agent('S1', withResources([cpus(8), mem(4096)], [cpus(2), mem(1024)])), agent('S2', withResources([cpus(4), mem(2048)], [cpus(1)])));
      expect(gate(v, input)).toEqual({ name: 'capacity', open: true });
    });

    it('is closed when they do not, naming the resource, the role, what is needed and what is free', () => {
      const v = view(agent('S1', withResources([cpus(8)], [cpus(6)])), agent('S2', withResources([cpus(8)], [cpus(4)])));
      expect(gate(v, input)).toEqual({
        name: 'capacity',
        open: false,
        reason: "the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 6 needed, 4 free",
      });
    });

    it('lists every resource short, cpus, mem, disk, gpus in that order', () => {
      const v = view(
        agent('S1', withResources([scalar('gpus', 2), scalar('disk', 100), mem(100), cpus(2)], [scalar('gpus', 2), scalar('disk', 100), mem(100), cpus(2)])),
        agent('S2', withResources([cpus(1), mem(50), scalar('disk', 100), scalar('gpus', 1)])),
      );
      expect(gate(v, input).reason).toBe(
        "the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 2 needed, 1 free; mem for role (unreserved): 100 needed, 50 free; gpus for role (unreserved): 2 needed, 1 free",
      );
    });

    it('adds up what is free over the agents that stay (sums, not bin packing)', () => {
      // No single agent has 4 cpus free, together they have.
      const v = view(agent('S1', withResources([cpus(4)], [cpus(4)])), agent('S2', withResources([cpus(2)])), agent('S3', withResources([cpus(2)])));
      expect(gate(v, input).open).toBe(true);
    });

    it('does not count what is free on agents that are out, nor on the roll’s other agents (they leave too)', () => {
      const v = view(
        agent('S1', withResources([cpus(4)], [cpus(4)])),
        agent('S2', { ...withResources([cpus(8)]), ...draining }),
        agent('S3', { ...withResources([cpus(8)]), ...deactivated }),
        agent('S4', { ...withResources([cpus(8)]), ...disconnected }),
        agent('S5', withResources([cpus(8)])),
        agent('S6', withResources([cpus(1)])),
      );
      expect(gate(v, { ...input, rollAgentIds: ids(1, 5) }).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 4 needed, 1 free");
    });

    it('serves a role’s reserved resources first from what is free reserved for that role, the rest from unreserved', () => {
      const batch = agent('S1', withResources([cpus(4, 'dev')], [cpus(4, 'dev')]));
      expect(gate(view(batch, agent('S2', withResources([cpus(1, 'dev'), cpus(3)]))), input).open).toBe(true);
      expect(gate(view(batch, agent('S2', withResources([cpus(1, 'dev'), cpus(2)]))), input).reason).toBe(
        "the batch's tasks would not fit on the agents that stay: cpus for role dev: 4 needed, 3 free",
      );
    });

    it('names only the roles short: a role its own reservation covers is not listed once the unreserved pool ran out', () => {
      const batch = agent('S1', withResources([cpus(8), cpus(4, 'a'), cpus(2, 'b')], [cpus(4, 'a'), cpus(2, 'b')]));
      const stays = agent('S2', withResources([cpus(2), cpus(2, 'b')]));
      expect(gate(view(batch, stays), input).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role a: 4 needed, 2 free");
    });

    it('never serves a role from what is reserved for another role', () => {
      const v = view(agent('S1', withResources([cpus(2, 'dev')], [cpus(2, 'dev')])), agent('S2', withResources([cpus(8, 'ops')])));
      expect(gate(v, input).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role dev: 2 needed, 0 free");
    });

    it('never serves unreserved needs from what is free reserved for a role', () => {
      const v = view(agent('S1', withResources([cpus(2)], [cpus(2)])), agent('S2', withResources([cpus(8, 'dev')])));
      expect(gate(v, input).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 2 needed, 0 free");
    });

    it('shares the unreserved free resources between the roles’ overflow and the unreserved needs', () => {
      // dev needs 2 (nothing reserved for dev stays), unreserved tasks need 2; 3 cpus unreserved are free.
      const v = view(agent('S1', withResources([cpus(2, 'dev'), cpus(2)], [cpus(2, 'dev'), cpus(2)])), agent('S2', withResources([cpus(3)])));
      expect(gate(v, input).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 2 needed, 1 free");
    });

    it('reads the role of the last refined reservation, and the legacy `role` field', () => {
      const refined = { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/dev' }] };
      const legacy = { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng/dev' };
      const v = view(agent('S1', withResources([refined], [refined])), agent('S2', withResources([legacy])));
      expect(gate(v, input).open).toBe(true);
      expect(gate(view(agent('S1', withResources([refined], [refined])), agent('S2', withResources([cpus(2, 'eng')]))), input).reason).toBe(
        "the batch's tasks would not fit on the agents that stay: cpus for role eng/dev: 2 needed, 0 free",
      );
    });

    it('treats the legacy role "*" as unreserved', () => {
      const star = { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' };
      const v = view(agent('S1', withResources([star], [star])), agent('S2', withResources([cpus(2)])));
      expect(gate(v, input).open).toBe(true);
    });

    it('ignores revocable resources, non-scalar ones and resources other than cpus, mem, disk and gpus', () => {
      const revocable = { ...cpus(4), revocable: {} };
      const ports = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } };
      const bandwidth = scalar('network_bandwidth', 1000);
      const v = view(agent('S1', withResources([revocable, ports, bandwidth], [revocable, ports, bandwidth])), agent('S2'));
      expect(gate(v, input)).toEqual({ name: 'capacity', open: true });
    });

    it('does not fail on floating-point dust (0.1 + 0.2 cpus needed, 0.3 free)', () => {
      const v = view(agent('S1', withResources([cpus(1)], [cpus(0.1)])), agent('S2', withResources([cpus(1)], [cpus(0.2)])), agent('S3', withResources([cpus(0.3)])));
      expect(gate(v, { ...input, batchAgentIds: ids(1, 2), rollAgentIds: ids(1, 2) }).open).toBe(true);
    });

    it('rounds amounts in its reason to two decimals', () => {
      const v = view(agent('S1', withResources([cpus(1)], [cpus(0.3333)])), agent('S2', withResources([cpus(1)], [cpus(0.8888)])));
      expect(gate(v, input).reason).toBe("the batch's tasks would not fit on the agents that stay: cpus for role (unreserved): 0.33 needed, 0.11 free");
    });

    it('is open for a batch holding no tasks, even with nothing free', () => {
      expect(gate(view(agent('S1', withResources([cpus(4)])), agent('S2', withResources([cpus(1)], [cpus(1)]))), input).open).toBe(true);
    });
  });
});

describe('condition rollGates (through the watcher’s evaluate, with GET_MAINTENANCE_STATUS)', () => {
  it('closes maxOtherDraining for another run’s DOWN machine, not for the roll’s own', () => {
    const condition = ConditionSchema.parse({
      kind: 'rollGates',
      batchAgentIds: ['S1'],
      rollAgentIds: ['S1', 'S2'],
      rollHostnames: ['agent-1.sim.local', 'agent-2.sim.local'],
      outAgentIds: ['S2'],
      maxOtherDraining: 0,
    });
    expect(readsOf(condition)).toEqual(['agents', 'maintenance']);
    // agent-2 (the roll's, under way) is DOWN: its agent is gone from GET_AGENTS.
    const agents = view(agent('S1'), agent('S3'), agent('S4'));
    const ownDown = GetMaintenanceStatusSchema.parse({ status: { down_machines: [{ hostname: 'agent-2.sim.local', ip: '10.0.0.2' }] } });
    expect(evaluate(condition, agents, { maintenance: ownDown })).toEqual({ met: true, observation: { registered: true, gates: [{ name: 'maxOtherDraining', open: true }], detail: 'every gate open' } });

    const otherDown = GetMaintenanceStatusSchema.parse({
      status: { down_machines: [{ hostname: 'agent-2.sim.local', ip: '10.0.0.2' }, { hostname: 'db-9.sim.local', ip: '10.0.1.9' }] },
    });
    expect(evaluate(condition, agents, { maintenance: otherDown })).toEqual({
      met: false,
      observation: {
        registered: true,
        gates: [{ name: 'maxOtherDraining', open: false, reason: '1 other agent(s) are draining, deactivated or DOWN (at most 0): db-9.sim.local (DOWN)' }],
        detail: 'maxOtherDraining closed: 1 other agent(s) are draining, deactivated or DOWN (at most 0): db-9.sim.local (DOWN)',
      },
    });
    // Without a maintenance read no machine counts as DOWN.
    expect(evaluate(condition, agents).met).toBe(true);
  });
});
