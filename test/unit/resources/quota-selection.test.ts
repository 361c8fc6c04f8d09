import { AgentSelectionSchema, attributeText, selectAgents, selectionTarget } from '../../../src/agents/selection';
import { formatIssues } from '../../../src/common/zod-issues';
import { ConditionSchema, evaluate, readsOf } from '../../../src/convergence/conditions';
import { GetAgentsSchema, GetOperationsSchema, GetQuotaSchema, GetWeightsSchema } from '../../../src/mesos';
import { configOf, quotaChanges, quotaProblems, weightChanges, weightProblems } from '../../../src/resources/quota';

const agent = (id: string, hostname: string, attributes: unknown[], over: Record<string, unknown> = {}) => ({ agent_info: { id: { value: id }, hostname, attributes }, active: true, ...over });
const text = (name: string, value: string) => ({ name, type: 'TEXT', text: { value } });
const view = GetAgentsSchema.parse({
  agents: [
    agent('S1', 'a1', [text('rack', 'r1'), { name: 'slots', type: 'SCALAR', scalar: { value: 2 } }]),
    agent('S2', 'a2', [text('rack', 'r1'), { name: 'slots', type: 'SCALAR', scalar: { value: 1.5 } }], { drain_info: { state: 'DRAINING', config: {} } }),
    agent('S3', 'a3', [text('rack', 'r2')]),
  ],
  recovered_agents: [{ id: { value: 'S9' }, hostname: 'a9' }],
});
const sel = (s: unknown) => AgentSelectionSchema.parse(s);
const ids = (s: unknown) => {
  const r = selectAgents(view, sel(s), 'prod');
  return r.ok ? r.agents.map((a) => a.agent_info.id?.value) : r.message;
};

describe('agent selection', () => {
  it('selects by all, ids, hostnames and attributes (AND), leaving draining agents out unless asked', () => {
    expect(ids({ all: true })).toEqual(['S1', 'S3']);
    expect(ids({ all: true, includeDraining: true })).toEqual(['S1', 'S2', 'S3']);
    expect(ids({ attributes: { rack: 'r1' } })).toEqual(['S1']);
    expect(ids({ attributes: { rack: 'r1', slots: 2 } })).toEqual(['S1']);
    expect(ids({ attributes: { slots: '1.5' }, includeDraining: true })).toEqual(['S2']);
    expect(ids({ hostnames: ['A3', 'a1'], attributes: { rack: 'r1' } })).toEqual(['S1']);
    expect(ids({ agentIds: ['S3'] })).toEqual(['S3']);
    expect(attributeText({ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } })).toBe('[1-2]');
  });

  it('an empty result or an unknown name is an error naming the selection', () => {
    expect(ids({ attributes: { rack: 'r9' } })).toBe("agents: the selection (agents with attributes rack=r9 (not draining)) matches no registered agent in cluster 'prod'");
    expect(ids({ agentIds: ['S2'] })).toMatch(/matches no registered agent .*1 matching agent\(s\) are draining \(give "includeDraining": true/);
    expect(ids({ agentIds: ['S7', 'S9'] })).toBe(
      "agents.agentIds: no agent 'S7' is registered in cluster 'prod'; agents.agentIds: no agent 'S9' is registered in cluster 'prod' (it is re-registering after a master failover: try again shortly)",
    );
  });

  it('the schema refuses an empty selection and bad values, naming the field', () => {
    expect(formatIssues(AgentSelectionSchema.safeParse({}).error!)).toEqual(['(input): required: select agents with all (true), agentIds, hostnames or attributes (keys combine with AND)']);
    expect(formatIssues(AgentSelectionSchema.safeParse({ all: false, agentIds: [], attributes: { rack: true } }).error!)).toEqual([
      'all: invalid value (allowed: true)',
      'agentIds: list at least one agent id',
      'attributes.rack: each attribute value must be a string or a number, as Mesos prints it',
    ]);
    expect(selectionTarget(sel({ attributes: { rack: 'r/1' }, hostnames: ['B', 'a'] }))).toBe('hosts-a,b+rack=r_1');
    expect(selectionTarget(sel({ all: true, includeDraining: true }))).toBe('all+draining');
  });
});

describe('quota and weights as desired state', () => {
  const ctx = { current: [{ role: 'dev', guarantees: { cpus: 1 }, limits: { cpus: 4 } }], capacity: { cpus: 16, mem: 65536 }, consumed: { web: { cpus: 3 } } };

  it('shows the difference from GET_QUOTA; a role already as wanted is no change', () => {
    const changes = quotaChanges(ctx.current, [configOf({ role: 'dev', guarantees: { cpus: 1 }, limits: { cpus: 4 } }), configOf({ role: 'qa', limits: { mem: 1024 } }), configOf({ role: 'ops' })]);
    expect(changes.map((c) => c.text)).toEqual(['qa: no quota → guarantees none; limits mem 1024 MB']);
    expect(quotaChanges(ctx.current, [configOf({ role: 'dev' })]).map((c) => c.text)).toEqual(['dev: guarantees cpus 1 core; limits cpus 4 cores → no quota']);
  });

  it('checks as the master does, naming the field; force skips consumption and capacity', () => {
    expect(
      quotaProblems(
        [
          { role: 'a/b', limits: { cpus: 1 } },
          { role: 'x', guarantees: { cpus: 3 }, limits: { cpus: 2 } },
          { role: 'web', limits: { cpus: 2 } },
          { role: 'big', guarantees: { cpus: 20 } },
        ],
        ctx,
        false,
      ),
    ).toEqual([
      "quotas.0.role: Mesos does not support quota on nested role 'a/b' yet",
      'quotas.1.guarantees.cpus: the guarantee 3 is above the limit 2 (guarantees must be within limits)',
      "quotas.2.limits.web: role 'web' already consumes 3, more than the limit 2 (give \"force\": true to set it anyway)".replace('limits.web', 'limits.cpus'),
      'quotas: the top-level guarantees of cpus would total 24, above the cluster\'s capacity 16 (give "force": true to set them anyway)',
    ]);
    expect(quotaProblems([{ role: 'web', limits: { cpus: 2 } }, { role: 'big', guarantees: { cpus: 20 } }], ctx, true)).toEqual([]);
    expect(quotaProblems([{ role: 'dev' }], { ...ctx, whitelist: ['web'] }, false)).toEqual(["quotas.0.role: 'dev' is not on the master's roles whitelist (web)"]);
  });

  it('weights: only the roles that differ (a role without one weighs 1); positive only', () => {
    expect(weightChanges([{ role: 'dev', weight: 2 }], [{ role: 'dev', weight: 2 }, { role: 'qa', weight: 1 }, { role: 'ops', weight: 3 }]).map((c) => c.text)).toEqual(['qa: 1 (default) → 1', 'ops: 1 (default) → 3']);
    expect(weightProblems([{ role: '*', weight: 1 }, { role: 'dev', weight: 0 }])).toEqual([
      "weights.0.role: Role '*' cannot contain '*' as a component",
      'weights.1.weight: weights must be positive (got 0); to undo a weight set it to 1',
    ]);
  });
});

describe('condition kinds beyond GET_AGENTS', () => {
  const dev = (v: number) => ({ name: 'cpus', type: 'SCALAR', scalar: { value: v }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] });
  const agents = (resources: unknown[]) => GetAgentsSchema.parse({ agents: [{ agent_info: { id: { value: 'S1' }, hostname: 'a1' }, active: true, total_resources: resources }] });
  const pending = GetOperationsSchema.parse({ operations: [{ agent_id: { value: 'S1' }, info: { type: 'RESERVE' }, latest_status: { state: 'OPERATION_PENDING' }, uuid: { value: 'AAAA' } }] });
  const none = GetOperationsSchema.parse({});

  it('agentReservation holds when GET_AGENTS shows the amount and GET_OPERATIONS nothing pending on the agent', () => {
    const c = ConditionSchema.parse({ kind: 'agentReservation', agentId: 'S1', role: 'dev', resource: 'cpus', amount: 2 });
    expect(readsOf(c)).toEqual(['agents', 'operations']);
    expect(evaluate(c, agents([dev(2)]), { operations: none })).toMatchObject({ met: true, observation: { detail: 'dev has 2 cores of cpus reserved on agent S1' } });
    expect(evaluate(c, agents([dev(2)]), { operations: pending })).toMatchObject({ met: false, observation: { detail: 'dev has 2 cores of cpus reserved on agent S1; 1 operation(s) pending' } });
    expect(evaluate(c, agents([dev(1)]), { operations: none }).met).toBe(false);
    expect(evaluate(c, GetAgentsSchema.parse({}), { operations: none }).impossible).toBe('agent S1 left the cluster');
  });

  it('agentVolume, quotaConfigs and roleWeights', () => {
    const v = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC', role: 'dev' }], disk: { persistence: { id: 'v1' }, volume: { container_path: 'd', mode: 'RW' } } };
    expect(evaluate(ConditionSchema.parse({ kind: 'agentVolume', agentId: 'S1', role: 'dev', persistenceId: 'v1', sizeMb: 64 }), agents([v]), { operations: none }).met).toBe(true);
    expect(evaluate(ConditionSchema.parse({ kind: 'agentVolume', agentId: 'S1', role: 'dev', persistenceId: 'v1' }), agents([v]), { operations: none })).toMatchObject({ met: false, observation: { detail: 'volume v1 is 64 MB' } });
    const q = ConditionSchema.parse({ kind: 'quotaConfigs', configs: [{ role: 'dev', guarantees: {}, limits: { cpus: 4 } }, { role: 'qa', guarantees: {}, limits: {} }] });
    expect(readsOf(q)).toEqual(['quota']);
    const quota = GetQuotaSchema.parse({ status: { configs: [{ role: 'dev', limits: { cpus: { value: 4 } } }] } });
    expect(evaluate(q, GetAgentsSchema.parse({}), { quota }).met).toBe(true);
    expect(evaluate(q, GetAgentsSchema.parse({}), {}).met).toBe(false);
    const w = ConditionSchema.parse({ kind: 'roleWeights', weights: [{ role: 'dev', weight: 2 }] });
    expect(evaluate(w, GetAgentsSchema.parse({}), { weights: GetWeightsSchema.parse({ weight_infos: [{ role: 'dev', weight: 2 }] }) }).met).toBe(true);
    expect(evaluate(w, GetAgentsSchema.parse({}), { weights: GetWeightsSchema.parse({}) })).toMatchObject({ met: false, observation: { detail: 'GET_WEIGHTS does not show the new weight of dev yet' } });
  });
});
