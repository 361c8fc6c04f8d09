/** Spec §8.y: the read-only JSON pages masters and agents serve beside /api/v1, from the same model. */
import { request } from 'undici';
import { parseJson } from '../../../src/sim/json';
import { callApi, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Page> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  if (String(res.headers['content-type']).startsWith('application/json')) json = parseJson(text) as Record<string, unknown>;
  return { status: res.statusCode, headers: res.headers, text, json };
}

type Task = { id: string; slave_id: string; framework_id: string; executor_id: string; state: string; role: string; resources: Record<string, unknown>; statuses: { state: string; timestamp: number; container_status?: { container_id: { value: string }; network_infos: { ip_addresses: { ip_address: string }[] }[] } }[] };

describe('master read-only pages', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, frameworks: 2, timeScale: 1000, relaunchTasks: false });
  });
  afterAll(() => sim.stop());

  it('/slaves and /master/slaves list the registered agents with v0 names, their pid and summarised resources', async () => {
    for (const path of ['/slaves', '/master/slaves', '/master/slaves/']) {
      const p = await get(`${sim.leader}${path}`);
      expect([path, p.status, p.headers['content-type']]).toEqual([path, 200, 'application/json']);
      const slaves = p.json.slaves as Record<string, unknown>[];
      expect(slaves.map((s) => s.id).sort()).toEqual([...sim.model.agents.keys()].sort());
      const a = sim.model.agents.get(slaves[0]!.id as string)!;
      expect(slaves[0]).toMatchObject({
        hostname: a.hostname,
        pid: `slave(1)@${a.ip}:${a.port}`,
        active: true,
        deactivated: false,
        attributes: { rack: expect.any(String), zone: expect.any(String) },
        resources: { cpus: 8, gpus: 0, mem: 32768, disk: 262144, ports: '[31000-32000]' },
        used_resources: { cpus: 1, mem: 1024, disk: 512 },
        unreserved_resources_full: expect.arrayContaining([{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 }, role: '*' }]),
      });
      expect(p.json.recovered_slaves).toEqual([]);
    }
  });

  it('/tasks sorts by the first status, honours limit, offset, order, task_id; every status carries the container', async () => {
    const all = (await get(`${sim.leader}/tasks?order=asc&limit=-1`)).json.tasks as Task[];
    expect(all).toHaveLength(6);
    const stamps = all.map((t) => t.statuses[0]!.timestamp);
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
    const desc = (await get(`${sim.leader}/master/tasks`)).json.tasks as Task[];
    const descStamps = desc.map((t) => t.statuses[0]!.timestamp);
    expect(descStamps).toEqual([...descStamps].sort((x, y) => y - x));
    expect(desc.map((t) => t.id).sort()).toEqual(all.map((t) => t.id).sort());
    expect(((await get(`${sim.leader}/tasks?limit=2&offset=1&order=asc`)).json.tasks as Task[]).map((t) => t.id)).toEqual(all.slice(1, 3).map((t) => t.id));
    expect(((await get(`${sim.leader}/tasks?limit=2`)).json.tasks as Task[]).length).toBe(2);
    const one = (await get(`${sim.leader}/tasks?task_id=${encodeURIComponent(all[0]!.id)}`)).json.tasks as Task[];
    expect(one.map((t) => t.id)).toEqual([all[0]!.id]);
    const model = sim.model.tasks.get(all[0]!.id)!;
    expect(one[0]).toMatchObject({ slave_id: model.agentId, framework_id: model.frameworkId, executor_id: '', state: 'TASK_RUNNING', resources: { cpus: 0.5, mem: 512 } });
    for (const s of one[0]!.statuses) {
      expect(s.container_status).toEqual({ container_id: { value: model.container!.id }, network_infos: [{ ip_addresses: [{ ip_address: sim.model.agents.get(model.agentId)!.ip }] }] });
    }
    // The same container id as the v1 answers carry.
    const v1 = (await callApi(sim.leader, { type: 'GET_TASKS' })).json as { get_tasks: { tasks: { task_id: { value: string }; statuses: { container_status: { container_id: { value: string } } }[] }[] } };
    expect(v1.get_tasks.tasks.find((t) => t.task_id.value === model.id)!.statuses[0]!.container_status.container_id.value).toBe(model.container!.id);
  });

  it('/frameworks, /master/frameworks/, /state, /state-summary, /roles agree with the model', async () => {
    for (const path of ['/frameworks', '/master/frameworks/']) {
      const f = (await get(`${sim.leader}${path}`)).json;
      const fws = f.frameworks as { id: string; name: string; active: boolean; hostname: string; tasks: Task[]; roles: string[] }[];
      expect(fws.map((x) => x.name).sort()).toEqual(['marathon', 'metronome']);
      expect(fws.every((x) => x.active && x.hostname === 'sim.local')).toBe(true);
      expect(fws.reduce((n, x) => n + x.tasks.length, 0)).toBe(6);
      expect([f.completed_frameworks, f.unregistered_frameworks]).toEqual([[], []]);
    }
    const state = (await get(`${sim.leader}/state`)).json;
    expect(state).toMatchObject({ version: '1.11.0', activated_slaves: 3, deactivated_slaves: 0, capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'], orphan_tasks: [] });
    expect((state.slaves as unknown[]).length).toBe(3);
    expect((state.flags as Record<string, string>).agent_ping_timeout).toBe('15secs');
    expect(state.leader).toBe(`master@127.0.0.1:${new URL(sim.leader).port}`);
    expect((await get(`${sim.leader}/master/state`)).json.id).toBe(state.id);
    const summary = (await get(`${sim.leader}/state-summary`)).json as { slaves: Record<string, unknown>[]; frameworks: Record<string, unknown>[] };
    expect(summary.slaves.reduce((n, s) => n + (s.TASK_RUNNING as number), 0)).toBe(6);
    expect(summary.frameworks.every((f) => (f.slave_ids as string[]).length > 0)).toBe(true);
    const roles = (await get(`${sim.leader}/roles`)).json.roles as { name: string; weight: number; frameworks: string[] }[];
    expect(roles.map((r) => r.name)).toEqual(['metronome', 'slave_public']);
    expect(roles.every((r) => r.weight === 1 && r.frameworks.length === 1)).toBe(true);
  });

  it('shows a drain: deactivated, drain_info, and the killed tasks among completed ones', async () => {
    const id = [...sim.model.agents.keys()][2] as string;
    await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: id }, max_grace_period: { seconds: 1 } } });
    await waitFor(() => sim.model.agents.get(id)?.drain?.state === 'DRAINED', 'DRAINED');
    const slave = ((await get(`${sim.leader}/slaves?slave_id=${id}`)).json.slaves as Record<string, unknown>[])[0]!;
    expect(slave).toMatchObject({ id, active: false, deactivated: true, drain_info: { state: 'DRAINED', config: { mark_gone: false, max_grace_period: { nanoseconds: 1_000_000_000 } } } });
    const killed = ((await get(`${sim.leader}/tasks?limit=-1`)).json.tasks as Task[]).filter((t) => t.slave_id === id);
    expect(killed.map((t) => t.state)).toEqual(['TASK_KILLED', 'TASK_KILLED']);
    await callApi(sim.leader, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } });
  });

  it('/flags, /version, /metrics/snapshot, the maintenance pages and ?jsonp=', async () => {
    expect(((await get(`${sim.leader}/master/flags`)).json.flags as Record<string, string>).allocation_interval).toBe('1secs');
    expect((await get(`${sim.leader}/version`)).json).toMatchObject({ version: '1.11.0', build_user: 'mesos-sim' });
    expect((await get(`${sim.leader}/metrics/snapshot`)).json['master/slaves_active']).toBe(3);
    expect((await get(`${sim.leader}/maintenance/schedule`)).json).toEqual({});
    expect((await get(`${sim.leader}/master/maintenance/status`)).json).toEqual({});
    const p = await get(`${sim.leader}/master/flags?jsonp=cb`);
    expect([p.headers['content-type'], p.text.startsWith('cb({"flags":'), p.text.endsWith('});')]).toEqual(['text/javascript', true, true]);
    expect((await get(`${sim.leader}/master/nope`)).status).toBe(404);
  });
});

describe('agent read-only pages', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ agents: 1, tasksPerAgent: 2, timeScale: 1000 });
  });
  afterAll(() => sim.stop());

  it('/state and /slave(1)/state: frameworks, command executors in their containers, tasks; /flags', async () => {
    const agent = [...sim.model.agents.values()][0]!;
    const base = `http://${agent.ip}:${agent.port}`;
    for (const path of ['/state', '/slave(1)/state']) {
      const s = (await get(`${base}${path}`)).json;
      expect(s).toMatchObject({ version: '1.11.0', id: agent.id, hostname: agent.hostname, pid: `slave(1)@${agent.ip}:${agent.port}`, completed_frameworks: [] });
      const executors = (s.frameworks as { executors: { id: string; container: string; directory: string; tasks: Task[] }[] }[])[0]!.executors;
      expect(executors).toHaveLength(2);
      for (const e of executors) {
        const task = sim.model.tasks.get(e.tasks[0]!.id)!;
        expect([e.id, e.container, e.tasks[0]!.statuses[0]!.container_status?.container_id.value]).toEqual([task.id, task.container!.id, task.container!.id]);
        expect(e.directory).toContain(`/runs/${task.container!.id}`);
      }
    }
    expect(((await get(`${base}/slave(1)/flags`)).json.flags as Record<string, string>).hostname).toBe(agent.hostname);
    expect((await get(`${base}/metrics/snapshot`)).json['slave/tasks_running']).toBe(2);
  });
});

describe('read-only pages: authentication and leadership', () => {
  let sim: SimCluster;
  const auth = { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
  beforeAll(async () => {
    sim = await startTestCluster({ masters: 2, agents: 1, tasksPerAgent: 1, timeScale: 1000, credentials: [{ principal: 'ops', secret: 's3cret' }] });
  });
  afterAll(() => sim.stop());

  it('needs the same credentials as /api/v1 (realms mesos-master-readonly, mesos-agent-readonly); /health and /version are open', async () => {
    const denied = await get(`${sim.leader}/master/state`);
    expect([denied.status, denied.headers['www-authenticate']]).toEqual([401, 'Basic realm="mesos-master-readonly"']);
    expect((await get(`${sim.leader}/master/state`, auth)).status).toBe(200);
    expect((await get(`${sim.leader}/health`)).status).toBe(200);
    expect((await get(`${sim.leader}/version`)).status).toBe(200);
    const agent = [...sim.model.agents.values()][0]!;
    const a = await get(`http://${agent.ip}:${agent.port}/state`);
    expect([a.status, a.headers['www-authenticate']]).toEqual([401, 'Basic realm="mesos-agent-readonly"']);
    expect((await get(`http://${agent.ip}:${agent.port}/state`, auth)).status).toBe(200);
  });

  it('a non-leading master redirects the leader-only pages to the leader, and serves /flags itself', async () => {
    const other = sim.masters.find((m) => m !== sim.leader)!;
    const r = await get(`${other}/master/tasks?limit=5`, auth);
    expect([r.status, r.headers.location]).toEqual([307, `//127.0.0.1:${new URL(sim.leader).port}/master/tasks?limit=5`]);
    expect((await get(`${other}/slaves`, auth)).status).toBe(307);
    expect((await get(`${other}/flags`, auth)).status).toBe(200);
  });
});
