/** Spec §9: flags, metrics that reflect the state, logging level that reverts, files, version, master info. */
import { callApi, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

describe('misc master calls (spec §9)', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000 });
  });
  afterAll(() => sim.stop());

  it('GET_VERSION reports 1.11.0; GET_MASTER describes the leader', async () => {
    const v = (await callApi(sim.leader, { type: 'GET_VERSION' })).json as { get_version: { version_info: { version: string } } };
    expect(v.get_version.version_info.version).toBe('1.11.0');
    const m = (await callApi(sim.leader, { type: 'GET_MASTER' })).json as { get_master: { master_info: { port: number; ip: number; pid: string }; start_time: number } };
    const port = Number(sim.leader.split(':')[2]);
    expect(m.get_master.master_info.port).toBe(port);
    expect(m.get_master.master_info.ip).toBe(16777343);
    expect(m.get_master.master_info.pid).toBe(`master@127.0.0.1:${port}`);
    expect(typeof m.get_master.start_time).toBe('number');
  });

  it('GET_FLAGS values are all strings', async () => {
    const f = (await callApi(sim.leader, { type: 'GET_FLAGS' })).json as { get_flags: { flags: { name: string; value: unknown }[] } };
    expect(f.get_flags.flags.length).toBeGreaterThan(10);
    expect(f.get_flags.flags.every((x) => typeof x.value === 'string')).toBe(true);
    expect(f.get_flags.flags.find((x) => x.name === 'agent_ping_timeout')?.value).toBe('15secs');
  });

  it('GET_METRICS reflects the state', async () => {
    const metric = async (name: string) => {
      const r = (await callApi(sim.leader, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5_000_000_000 } } })).json as { get_metrics: { metrics: { name: string; value: number }[] } };
      return r.get_metrics.metrics.find((m) => m.name === name)?.value;
    };
    expect(await metric('master/slaves_active')).toBe(3);
    expect(await metric('master/tasks_running')).toBe(6);
    expect(await metric('master/cpus_total')).toBe(24);
    expect(await metric('master/elected')).toBe(1);
    const id = [...sim.model.agents.keys()][0] as string;
    await callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id } } });
    expect(await metric('master/slaves_active')).toBe(2);
    expect(await metric('master/slaves_inactive')).toBe(1);
    await callApi(sim.leader, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: id } } });
  });

  it('SET_LOGGING_LEVEL answers 200 and reverts after its duration (simulated)', async () => {
    expect((await callApi(sim.leader, { type: 'GET_LOGGING_LEVEL' })).json).toEqual({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } });
    const r = await callApi(sim.leader, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: '60000000000' } } });
    expect([r.status, r.text]).toEqual([200, '']);
    expect((await callApi(sim.leader, { type: 'GET_LOGGING_LEVEL' })).json).toEqual({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 2 } });
    await waitFor(async () => ((await callApi(sim.leader, { type: 'GET_LOGGING_LEVEL' })).json as { get_logging_level: { level: number } }).get_logging_level.level === 0, 'revert', 5000);
    const missing = await callApi(sim.leader, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1 } });
    expect(missing.status).toBe(400);
  });

  it('LIST_FILES / READ_FILE serve /master/log with the virtual path rules', async () => {
    const list = (await callApi(sim.leader, { type: 'LIST_FILES', list_files: { path: '/master/log' } })).json as { list_files: { file_infos: { path: string; size: number }[] } };
    expect(list.list_files.file_infos[0]?.path).toBe('/master/log');
    const size = list.list_files.file_infos[0]?.size as number;
    const read = (await callApi(sim.leader, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 0, length: 5 } })).json as { read_file: { size: number; data: string } };
    expect(read.read_file.size).toBe(size);
    expect(Buffer.from(read.read_file.data, 'base64').toString()).toHaveLength(5);
    const past = (await callApi(sim.leader, { type: 'READ_FILE', read_file: { path: '/master/log', offset: size + 10 } })).json as { read_file: { size: number; data: string } };
    expect(past.read_file).toEqual({ size, data: '' });
    const missing = await callApi(sim.leader, { type: 'READ_FILE', read_file: { path: '/nope', offset: 0 } });
    expect([missing.status, missing.text]).toEqual([404, '']);
  });

  it('GET_FRAMEWORKS / GET_EXECUTORS / GET_TASKS write their top-level arrays', async () => {
    const f = (await callApi(sim.leader, { type: 'GET_FRAMEWORKS' })).json as { get_frameworks: { frameworks: { framework_info: { name: string } }[]; completed_frameworks: unknown[] } };
    expect(f.get_frameworks.frameworks[0]?.framework_info.name).toBe('marathon');
    expect(f.get_frameworks.completed_frameworks).toEqual([]);
    const e = (await callApi(sim.leader, { type: 'GET_EXECUTORS' })).json as { get_executors: { executors: unknown[] } };
    expect(e.get_executors.executors).toEqual([]);
    const t = (await callApi(sim.leader, { type: 'GET_TASKS' })).json as { get_tasks: Record<string, unknown[]> };
    expect(Object.keys(t.get_tasks).sort()).toEqual(['completed_tasks', 'orphan_tasks', 'pending_tasks', 'tasks', 'unreachable_tasks']);
  });
});
