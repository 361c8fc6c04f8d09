/** Spec §6 and §7: reservations, volumes, quota, weights and roles. */
import { agentIdOf, callApi, getAgents, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

const dyn = (role: string) => [{ type: 'DYNAMIC', role, principal: 'ops' }];
const cpus = (v: number, role?: string) => ({ type: 'SCALAR', name: 'cpus', scalar: { value: v }, ...(role ? { reservations: dyn(role) } : {}) });
const disk = (v: number, role: string, id?: string) => ({
  type: 'SCALAR',
  name: 'disk',
  scalar: { value: v },
  reservations: dyn(role),
  ...(id ? { disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } } : {}),
});

describe('reservations and volumes (spec §6)', () => {
  let sim: SimCluster;
  let agentId: string;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 2, tasksPerAgent: 2, timeScale: 1 });
    agentId = [...sim.model.agents.keys()][0] as string;
  });
  afterEach(() => sim.stop());
  const total = async () => JSON.stringify((await getAgents(sim.leader)).find((a) => agentIdOf(a) === agentId)!.total_resources);

  it('RESERVE answers 202 and GET_AGENTS shows it at once; GET_OPERATIONS shows it pending briefly', async () => {
    const r = await callApi(sim.leader, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [cpus(2, 'dev')] } });
    expect([r.status, r.text]).toEqual([202, '']);
    const t = await total();
    expect(t).toContain('{"name":"cpus","type":"SCALAR","scalar":{"value":2},"reservations":[{"type":"DYNAMIC","role":"dev","principal":"ops"}],"role":"dev","reservation":{"principal":"ops"}}');
    expect(t).toContain('{"name":"cpus","type":"SCALAR","scalar":{"value":6},"role":"*"}');
    const ops = await callApi(sim.leader, { type: 'GET_OPERATIONS' });
    expect(ops.text).toContain('OPERATION_PENDING');
    await waitFor(async () => !(await callApi(sim.leader, { type: 'GET_OPERATIONS' })).text.includes('PENDING'), 'operation done');
    const roles = await callApi(sim.leader, { type: 'GET_ROLES' });
    expect(roles.text).toContain('"name":"dev"');
  });

  it('is not idempotent: reserving beyond what is available is 409 with the allocator text', async () => {
    // 8 cpus, 1 used by two tasks: 7 available.
    expect((await callApi(sim.leader, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [cpus(4, 'dev')] } })).status).toBe(202);
    const again = await callApi(sim.leader, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [cpus(4, 'dev')] } });
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/does not contain cpus:4$/);
  });

  it('applies the 400 rules', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: 'nope' }, resources: [cpus(1, 'dev')] } }, 400, /^No agent found with specified ID$/],
      [{ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [cpus(1)] } }, 400, /^Invalid RESERVE operation on agent .*not dynamically reserved/],
      [{ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [{ type: 'SCALAR', name: 'cpus' }] } }, 400, /scalar/],
      [{ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [{ name: 'cpus', scalar: { value: 1 } }] } }, 400, /Missing required fields: reserve_resources.resources\[0\].type/],
      [{ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: [cpus(1)] } }, 400, /^Invalid UNRESERVE operation/],
      [{ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agentId }, volumes: [disk(10, 'dev', 'v1')] } }, 400, /Persistent volumes not found/],
      [{ type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agentId }, volumes: [{ ...disk(10, 'dev', 'v1'), reservations: undefined }] } }, 400, /unreserved/],
      [{ type: 'GROW_VOLUME', grow_volume: { volume: disk(10, 'dev', 'v1'), addition: disk(1, 'dev') } }, 400, /Expecting 'agent_id' to be present/],
      [{ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: { value: agentId }, volume: disk(10, 'dev', 'v1'), subtract: { value: 20 } } }, 400, /subtract/],
    ];
    for (const [body, status, text] of cases) {
      const r = await callApi(sim.leader, body);
      expect(r.status).toBe(status);
      expect(r.text).toMatch(text);
    }
  });

  it('creates, grows, shrinks and destroys a persistent volume, then unreserves', async () => {
    const call = (type: string, sub: Record<string, unknown>) => callApi(sim.leader, { type, [type.toLowerCase()]: { agent_id: { value: agentId }, ...sub } });
    expect((await call('RESERVE_RESOURCES', { resources: [disk(100, 'dev')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(64, 'dev', 'v1')] })).status).toBe(202);
    expect(await total()).toContain('"persistence":{"id":"v1","principal":"ops"}');
    const dup = await call('CREATE_VOLUMES', { volumes: [disk(10, 'dev', 'v1')] });
    expect([dup.status, dup.text]).toEqual([400, "Invalid CREATE_VOLUMES operation: Persistence ID 'v1' already exists"]);
    const unres = await call('UNRESERVE_RESOURCES', { resources: [disk(64, 'dev', 'v1')] });
    expect(unres.status).toBe(400);
    expect((await call('GROW_VOLUME', { volume: disk(64, 'dev', 'v1'), addition: disk(16, 'dev') })).status).toBe(202);
    expect(await total()).toMatch(/"scalar":\{"value":80\}[^}]*"reservations"[^\]]*\][^}]*"role":"dev"[^]*"persistence":\{"id":"v1"/);
    expect((await call('SHRINK_VOLUME', { volume: disk(80, 'dev', 'v1'), subtract: { value: 30 } })).status).toBe(202);
    expect((await call('DESTROY_VOLUMES', { volumes: [disk(50, 'dev', 'v1')] })).status).toBe(202);
    expect(await total()).not.toContain('persistence');
    expect((await call('UNRESERVE_RESOURCES', { resources: [disk(100, 'dev')] })).status).toBe(202);
    expect(await total()).not.toContain('"role":"dev"');
  });
});

describe('quota, weights, roles (spec §7)', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 2, tasksPerAgent: 2 });
  });
  afterEach(() => sim.stop());
  const quota = (configs: unknown[], force = false) => ({ type: 'UPDATE_QUOTA', update_quota: { force, quota_configs: configs } });

  it('sets and reads quota configs; resets with empty maps', async () => {
    expect((await callApi(sim.leader, quota([{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 10 }, mem: { value: 2048 } } }]))).status).toBe(200);
    const q = await callApi(sim.leader, { type: 'GET_QUOTA' });
    expect(q.json).toEqual({
      type: 'GET_QUOTA',
      get_quota: {
        status: {
          infos: [{ role: 'dev', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }] }],
          configs: [{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 10 }, mem: { value: 2048 } } }],
        },
      },
    });
    expect((await callApi(sim.leader, quota([{ role: 'dev' }]))).status).toBe(200);
    expect((await callApi(sim.leader, { type: 'GET_QUOTA' })).json).toEqual({ type: 'GET_QUOTA', get_quota: { status: {} } });
  });

  it('applies the validation rules, all-or-nothing', async () => {
    const fwRole = [...sim.model.frameworks.values()][0]!.role;
    const cases: [unknown, RegExp][] = [
      [quota([{ role: 'dev', guarantees: { cpus: { value: 5 } }, limits: { cpus: { value: 1 } } }]), /^Invalid QuotaConfig: 'QuotaConfig.guarantees' \{ cpus: 5 \} is not contained within the 'QuotaConfig.limits' \{ cpus: 1 \}$/],
      [quota([{ role: 'a/b', limits: { cpus: { value: 1 } } }]), /^Updating quota on nested role 'a\/b' is not supported yet$/],
      [quota([{ role: '..', limits: { cpus: { value: 1 } } }]), /^Invalid QuotaConfig: Invalid 'QuotaConfig.role'/],
      [quota([{ role: 'dev', limits: { cpus: { value: -1 } } }]), /not negative/],
      [quota([{ role: 'dev', guarantees: { cpus: { value: 1000 } } }]), /exceed cluster capacity .*use 'force' flag/],
      [quota([{ role: fwRole, limits: { cpus: { value: 0.1 } } }]), new RegExp(`Role '${fwRole}' is already consuming`)],
      [quota([{ role: 'ok', limits: { cpus: { value: 1 } } }, { role: 'bad', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 1 } } }]), /not contained/],
    ];
    for (const [body, text] of cases) {
      const r = await callApi(sim.leader, body);
      expect(r.status).toBe(400);
      expect(r.text).toMatch(text);
    }
    expect((await callApi(sim.leader, { type: 'GET_QUOTA' })).text).not.toContain('"ok"');
    expect((await callApi(sim.leader, quota([{ role: 'dev', guarantees: { cpus: { value: 1000 } } }], true))).status).toBe(200);
  });

  it('updates weights (trimmed roles, positive only) and lists roles', async () => {
    expect((await callApi(sim.leader, { type: 'GET_WEIGHTS' })).json).toEqual({ type: 'GET_WEIGHTS', get_weights: {} });
    expect((await callApi(sim.leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: ' dev ', weight: 2.5 }] } })).status).toBe(200);
    const bad = await callApi(sim.leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: 0 }] } });
    expect([bad.status, bad.text]).toEqual([400, "Failed to validate update weights request JSON: Invalid weight '0': Weights must be positive"]);
    expect((await callApi(sim.leader, { type: 'GET_WEIGHTS' })).json).toEqual({ type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ weight: 2.5, role: 'dev' }] } });
    const roles = (await callApi(sim.leader, { type: 'GET_ROLES' })).json as { get_roles: { roles: { name: string; weight: number; frameworks?: unknown[] }[] } };
    const names = roles.get_roles.roles.map((r) => r.name);
    expect(names).toEqual([...names].sort());
    expect(roles.get_roles.roles.find((r) => r.name === 'dev')?.weight).toBe(2.5);
    expect(roles.get_roles.roles.some((r) => (r.frameworks?.length ?? 0) > 0)).toBe(true);
  });
});
