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
    expect([dup.status, dup.text]).toEqual([400, `Invalid CREATE operation on agent ${agentId}: Persistence ID 'v1' is not unique`]);
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

describe('volumes as the master checks them (spec §6: validation.cpp, the allocator)', () => {
  let sim: SimCluster;
  let agentId: string;
  const mount = (v: number, role?: string) => ({
    type: 'SCALAR',
    name: 'disk',
    scalar: { value: v },
    disk: { source: { type: 'MOUNT', mount: { root: '/mnt/disk0' } } },
    ...(role ? { reservations: dyn(role) } : {}),
  });
  const mountVolume = (v: number, role: string, id: string) => ({ ...mount(v, role), disk: { source: { type: 'MOUNT', mount: { root: '/mnt/disk0' } }, persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } });
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 1, tasksPerAgent: 0, timeScale: 1, mountDisksMb: [4096] });
    agentId = [...sim.model.agents.keys()][0] as string;
  });
  afterEach(() => sim.stop());
  const call = (type: string, sub: Record<string, unknown>) => callApi(sim.leader, { type, [type.toLowerCase()]: { agent_id: { value: agentId }, ...sub } });
  type Res = { scalar: { value: number }; disk?: { persistence?: { id: string } } };
  const volumesOf = async () =>
    ((await getAgents(sim.leader)).find((a) => agentIdOf(a) === agentId)!.total_resources as Res[])
      .filter((r) => r.disk?.persistence)
      .map((r) => `${r.disk!.persistence!.id}:${r.scalar.value}`);

  it('a task using a volume: DESTROY is 400 "Persistent volumes in use", GROW and SHRINK are 409; once it ends they pass', async () => {
    expect((await call('RESERVE_RESOURCES', { resources: [disk(200, 'dev')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(100, 'dev', 'v1')] })).status).toBe(202);
    const taskId = sim.launchTask({ agentId, resources: [disk(100, 'dev', 'v1')] });
    const destroy = await call('DESTROY_VOLUMES', { volumes: [disk(100, 'dev', 'v1')] });
    expect([destroy.status, destroy.text]).toEqual([400, 'Invalid DESTROY operation: Persistent volumes in use']);
    const grow = await call('GROW_VOLUME', { volume: disk(100, 'dev', 'v1'), addition: disk(50, 'dev') });
    expect(grow.status).toBe(409);
    expect(grow.text).toMatch(/does not contain disk\(reservations: \[\(DYNAMIC,dev,ops\)\]\)\[v1:data\]:100; disk\(reservations: \[\(DYNAMIC,dev,ops\)\]\):50$/);
    expect((await call('SHRINK_VOLUME', { volume: disk(100, 'dev', 'v1'), subtract: { value: 10 } })).status).toBe(409);
    expect(() => sim.launchTask({ agentId, resources: [disk(100, 'dev', 'v1')] })).toThrow(/does not contain/);
    sim.finishTask(taskId);
    await waitFor(async () => (await call('GROW_VOLUME', { volume: disk(100, 'dev', 'v1'), addition: disk(50, 'dev') })).status === 202, 'the volume free again');
    expect(await volumesOf()).toEqual(['v1:150']);
    expect((await call('DESTROY_VOLUMES', { volumes: [disk(150, 'dev', 'v1')] })).status).toBe(202);
  });

  it('GROW and SHRINK: the 400 rules with Mesos\'s texts; a missing volume is the allocator\'s 409', async () => {
    expect((await call('RESERVE_RESOURCES', { resources: [disk(200, 'dev'), disk(50, 'other')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(100, 'dev', 'v1')] })).status).toBe(202);
    const prefix = (op: string) => `Invalid ${op} operation on agent ${agentId}: `;
    const cases: [string, Record<string, unknown>, number, string | RegExp][] = [
      ['GROW_VOLUME', { volume: disk(100, 'dev', 'v1'), addition: disk(0, 'dev') }, 400, `${prefix('GROW_VOLUME')}The size of 'GrowVolume.addition' field must be greater than zero`],
      ['GROW_VOLUME', { volume: disk(100, 'dev', 'v1'), addition: disk(10, 'other') }, 400, `${prefix('GROW_VOLUME')}Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields`],
      ['GROW_VOLUME', { volume: disk(100, 'dev'), addition: disk(10, 'dev') }, 400, `${prefix('GROW_VOLUME')}Invalid persistent volume in the 'GrowVolume.volume' field: Resource disk(reservations: [(DYNAMIC,dev,ops)]):100 does not have DiskInfo`],
      ['GROW_VOLUME', { volume: { ...disk(100, 'dev', 'v1'), shared: {} }, addition: disk(10, 'dev') }, 400, `${prefix('GROW_VOLUME')}Growing a shared persistent volume is not supported`],
      ['GROW_VOLUME', { volume: disk(100, 'dev', 'nope'), addition: disk(10, 'dev') }, 409, /does not contain disk\(reservations: \[\(DYNAMIC,dev,ops\)\]\)\[nope:data\]:100/],
      ['GROW_VOLUME', { volume: disk(100, 'dev', 'v1'), addition: disk(1000, 'dev') }, 409, /does not contain/],
      ['SHRINK_VOLUME', { volume: disk(100, 'dev', 'v1'), subtract: { value: 0 } }, 400, `${prefix('SHRINK_VOLUME')}Value of 'ShrinkVolume.subtract' must be greater than zero`],
      ['SHRINK_VOLUME', { volume: disk(100, 'dev', 'v1'), subtract: { value: 100 } }, 400, `${prefix('SHRINK_VOLUME')}Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'`],
      ['SHRINK_VOLUME', { volume: mountVolume(4096, 'dev', 'm1'), subtract: { value: 10 } }, 400, `${prefix('SHRINK_VOLUME')}Shrinking a volume on a MOUNT disk is not supported`],
      ['SHRINK_VOLUME', { volume: disk(90, 'dev', 'nope'), subtract: { value: 10 } }, 409, /does not contain/],
    ];
    for (const [type, sub, status, text] of cases) {
      const r = await call(type, sub);
      expect({ type, status: r.status, text: r.text }).toEqual({ type, status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
    }
    expect(await volumesOf()).toEqual(['v1:100']);
  });

  it('a MOUNT disk is used whole: reserved whole, its volume takes all of it, and it never grows', async () => {
    const part = await call('RESERVE_RESOURCES', { resources: [mount(1000, 'dev')] });
    expect([part.status, part.text]).toEqual([409, expect.stringMatching(/; disk:4096; .* does not contain disk:1000$/)]);
    expect((await call('RESERVE_RESOURCES', { resources: [mount(4096, 'dev')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [mountVolume(1024, 'dev', 'm1')] })).status).toBe(409);
    expect((await call('CREATE_VOLUMES', { volumes: [mountVolume(4096, 'dev', 'm1')] })).status).toBe(202);
    expect((await call('RESERVE_RESOURCES', { resources: [disk(10, 'dev')] })).status).toBe(202);
    const grow = await call('GROW_VOLUME', { volume: mountVolume(4096, 'dev', 'm1'), addition: disk(10, 'dev') });
    expect([grow.status, grow.text]).toEqual([400, `Invalid GROW_VOLUME operation on agent ${agentId}: Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields`]);
    expect((await call('DESTROY_VOLUMES', { volumes: [mountVolume(4096, 'dev', 'm1')] })).status).toBe(202);
    expect((await call('UNRESERVE_RESOURCES', { resources: [mount(4096, 'dev')] })).status).toBe(202);
  });

  it('persistence ids are unique per role on the agent', async () => {
    expect((await call('RESERVE_RESOURCES', { resources: [disk(100, 'dev'), disk(100, 'qa')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(50, 'dev', 'v1')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(50, 'qa', 'v1')] })).status).toBe(202);
    expect((await call('CREATE_VOLUMES', { volumes: [disk(10, 'dev', 'v1')] })).text).toBe(`Invalid CREATE operation on agent ${agentId}: Persistence ID 'v1' is not unique`);
    expect((await volumesOf()).sort()).toEqual(['v1:50', 'v1:50']);
  });
});

describe('the authenticated principal (spec §6)', () => {
  let sim: SimCluster;
  let agentId: string;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 1, tasksPerAgent: 0, credentials: [{ principal: 'ops', secret: 's3cret' }] });
    agentId = [...sim.model.agents.keys()][0] as string;
  });
  afterEach(() => sim.stop());
  const auth = { Authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
  const call = (type: string, sub: Record<string, unknown>) => callApi(sim.leader, { type, [type.toLowerCase()]: { agent_id: { value: agentId }, ...sub } }, auth);

  it('must be the reservation\'s and the volume\'s principal', async () => {
    const noPrincipal = await call('RESERVE_RESOURCES', { resources: [{ ...disk(10, 'dev'), reservations: [{ type: 'DYNAMIC', role: 'dev' }] }] });
    expect(noPrincipal.text).toBe(`Invalid RESERVE operation on agent ${agentId}: A reserve operation was attempted by principal 'ops', but there is a reserved resource in the request with no principal set`);
    const other = await call('RESERVE_RESOURCES', { resources: [{ ...disk(10, 'dev'), reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'eve' }] }] });
    expect(other.text).toBe(`Invalid RESERVE operation on agent ${agentId}: A reserve operation was attempted by authenticated principal 'ops', which does not match a reserved resource in the request with principal 'eve'`);
    expect((await call('RESERVE_RESOURCES', { resources: [disk(10, 'dev')] })).status).toBe(202);
    const vol = disk(10, 'dev', 'v1') as { disk: { persistence: { principal?: string } } };
    vol.disk.persistence.principal = 'eve';
    expect((await call('CREATE_VOLUMES', { volumes: [vol] })).text).toBe(
      `Invalid CREATE operation on agent ${agentId}: Create volume operation attempted by authenticated principal 'ops', which does not match a volume in the operation with principal 'eve' set in 'disk.persistence'`,
    );
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
