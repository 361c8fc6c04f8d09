/** Rehearsal from a whole snapshot: maintenance status, quota, weights, flags and version as saved; task exit times. */
import { parseJson } from '../../../src/sim/json';
import { RehearsalError } from '../../../src/sim/rehearsal';
import { callApi, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

interface Saved {
  state: unknown;
  schedule: unknown;
  status: unknown;
  quota: unknown;
  weights: unknown;
  machine: { hostname: string; ip: string };
}

/** A cluster with one machine DOWN, a quota and a weight, saved as the snapshot command saves it. */
async function saved(): Promise<Saved> {
  const src = await startTestCluster({ agents: 3, tasksPerAgent: 1, seed: 5 });
  try {
    const agent = [...src.model.agents.values()][2]!;
    const machine = { hostname: agent.hostname, ip: agent.ip };
    await callApi(src.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: '1700000000000000000' } } }] } } });
    expect((await callApi(src.leader, { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine] } })).status).toBe(200);
    await callApi(src.leader, { type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 } } }] } });
    await callApi(src.leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'dev', weight: 3 }] } });
    const get = async (type: string) => parseJson((await callApi(src.leader, { type })).text);
    return { state: await get('GET_STATE'), schedule: await get('GET_MAINTENANCE_SCHEDULE'), status: await get('GET_MAINTENANCE_STATUS'), quota: await get('GET_QUOTA'), weights: await get('GET_WEIGHTS'), machine };
  } finally {
    await src.stop();
  }
}

describe('rehearsal from a snapshot', () => {
  let snap: Saved;
  let sim: SimCluster | undefined;
  beforeAll(async () => {
    snap = await saved();
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('a DOWN machine stays DOWN; quota, weights, flags and version answer as saved', async () => {
    const flags = { type: 'GET_FLAGS', get_flags: { flags: [{ name: 'roles', value: 'dev,ops' }, { name: 'cluster', value: 'prod-eu' }] } };
    const version = { type: 'GET_VERSION', get_version: { version_info: { version: '1.10.0', git_sha: 'abc' } } };
    sim = await startTestCluster({ state: snap.state, maintenanceSchedule: snap.schedule, maintenanceStatus: snap.status, quota: snap.quota, weights: snap.weights, flags, version });
    const status = (await callApi(sim.leader, { type: 'GET_MAINTENANCE_STATUS' })).json as { get_maintenance_status: { status: { down_machines?: unknown[] } } };
    expect(status.get_maintenance_status.status.down_machines).toEqual([snap.machine]);
    // STOP_MAINTENANCE works on it as on the real cluster: the machine was DOWN there.
    expect((await callApi(sim.leader, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [snap.machine] } })).status).toBe(200);
    expect((await callApi(sim.leader, { type: 'GET_QUOTA' })).text).toContain('"configs":[{"role":"dev","guarantees":{"cpus":{"value":1}},"limits":{"cpus":{"value":4}}}]');
    expect((await callApi(sim.leader, { type: 'GET_WEIGHTS' })).json).toEqual({ type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ weight: 3, role: 'dev' }] } });
    expect((await callApi(sim.leader, { type: 'GET_FLAGS' })).json).toEqual(flags);
    expect((await callApi(sim.leader, { type: 'GET_VERSION' })).json).toEqual(version);
    // The saved roles flag is the whitelist, as on the real master.
    const weight = await callApi(sim.leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'qa', weight: 2 }] } });
    expect(weight.status).toBe(400);
    expect(weight.text).toContain("Unknown role 'qa'");
  });

  it('a DOWN machine missing from the schedule is refused with its path', async () => {
    const err = await startTestCluster({ state: snap.state, maintenanceStatus: snap.status }).then(
      (s) => s.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RehearsalError);
    expect((err as RehearsalError).problems).toEqual([`get_maintenance_status.status.down_machines[0]: machine ${snap.machine.hostname}/${snap.machine.ip} is DOWN but not in the maintenance schedule`]);
  });

  it('task exit times per framework: "grace" waits out the grace period, a number stops the task then', async () => {
    const state = snap.state as { get_state: { get_tasks: { tasks: { task_id: { value: string }; agent_id: { value: string }; kill_policy?: unknown }[] } } };
    const task = state.get_state.get_tasks.tasks[0]!;
    task.kill_policy = { grace_period: { nanoseconds: 2_000_000_000 } };
    // marathon tasks ignore SIGTERM (killed at 2 s); the audit log shows when the agent is DRAINED.
    sim = await startTestCluster({ state, timeScale: 10, taskExitSeconds: { frameworks: { marathon: 'grace' } } });
    expect(sim.model.tasks.get(task.task_id.value)!.stopAfterTermMs).toBe(Infinity);
    const agentId = task.agent_id.value;
    const started = Date.now();
    await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId } } });
    await waitFor(() => sim!.model.agents.get(agentId)?.drain?.state === 'DRAINED', 'drained');
    // 2 s simulated at time scale 10: 200 ms real (the task's own grace period, not the seeded 0.2-4 s draw).
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const killed = sim.model.completedTasks.find((t) => t.id === task.task_id.value)!;
    expect(killed.statuses.at(-1)?.message).toBe('Command terminated with signal Killed');
    await sim.stop();
    sim = await startTestCluster({ state: snap.state, taskExitSeconds: { default: 1.5 } });
    expect(new Set([...sim.model.tasks.values()].map((t) => t.stopAfterTermMs))).toEqual(new Set([1500]));
  });
});
