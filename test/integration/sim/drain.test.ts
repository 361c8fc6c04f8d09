/** Spec §4: DRAIN_AGENT / DEACTIVATE_AGENT / REACTIVATE_AGENT, with simulated kills and acknowledgements. */
import { agentIdOf, callApi, getAgents, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

const drain = (agentId: string, extra: Record<string, unknown> = {}) => ({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId }, ...extra } });
const reactivate = (agentId: string) => ({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: agentId } } });
const deactivate = (agentId: string) => ({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } });

describe('draining (spec §4)', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 3, timeScale: 200 });
  });
  afterEach(() => sim.stop());

  const agentView = async (id: string) => (await getAgents(sim.leader)).find((a) => agentIdOf(a) === id) as Record<string, unknown>;

  it('drains: DRAINING + deactivated at once, tasks killed, acknowledged, then DRAINED; REACTIVATE refused until then', async () => {
    const [id] = [...sim.model.agents.keys()] as [string];
    // Processes take 40 s (simulated, 200 ms real) to exit after SIGTERM: time to observe DRAINING.
    for (const t of sim.model.tasksOf(sim.model.agents.get(id)!)) t.stopAfterTermMs = 40_000;
    const r = await callApi(sim.leader, drain(id, { max_grace_period: { seconds: 600 } }));
    expect([r.status, r.text]).toEqual([200, '']);
    const v = await agentView(id);
    expect(v.active).toBe(false);
    expect(v.deactivated).toBe(true);
    expect(v.drain_info).toEqual({ state: 'DRAINING', config: { mark_gone: false, max_grace_period: { nanoseconds: 600000000000 } } });
    expect(v.estimated_drain_start_time).toBeDefined();
    const refused = await callApi(sim.leader, reactivate(id));
    expect([refused.status, refused.text]).toEqual([400, 'Agent is still in the DRAINING state']);
    await waitFor(async () => ((await agentView(id)).drain_info as { state: string }).state === 'DRAINED', 'DRAINED');
    const tasks = sim.model.completedTasks.filter((t) => t.agentId === id);
    expect(tasks).toHaveLength(3);
    for (const t of tasks) {
      expect(t.state).toBe('TASK_KILLED');
      expect(t.statuses.map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
      expect(t.statuses[3]?.reason).toBe('REASON_AGENT_DRAINING');
      // SIGKILL at the end of the grace period when the process outlives it (grace = min(task's, 600 s)).
      const grace = t.killGraceMs ?? 600_000;
      expect(t.statuses[3]?.message).toBe(grace <= 40_000 ? 'Command terminated with signal Killed' : 'Command terminated with signal Terminated');
    }
    const ok = await callApi(sim.leader, reactivate(id));
    expect(ok.status).toBe(200);
    const after = await agentView(id);
    expect([after.active, after.deactivated, after.drain_info]).toEqual([true, false, undefined]);
    const again = await callApi(sim.leader, reactivate(id));
    expect([again.status, again.text]).toEqual([400, 'Agent is not deactivated']);
  });

  it('kills with min(task grace, max_grace_period) in simulated time', async () => {
    const id = [...sim.model.agents.keys()][1] as string;
    const tasks = sim.model.tasksOf(sim.model.agents.get(id)!);
    for (const t of tasks) {
      t.killGraceMs = 7 * 24 * 3600_000; // a week: 50 min real at 200x
      t.stopAfterTermMs = 10_000_000_000;
    }
    const started = Date.now();
    await callApi(sim.leader, drain(id, { max_grace_period: { seconds: 20 } }));
    await waitFor(() => tasks.every((t) => t.state === 'TASK_KILLED'), 'kills', 45_000);
    const realMs = Date.now() - started;
    // 20 s simulated at 200x = 100 ms real; the tasks' own grace would take 50 minutes.
    expect(realMs).toBeGreaterThanOrEqual(95);
    expect(realMs).toBeLessThan(45_000);
  });

  it('uses Mesos default 3 s when neither the task nor the call sets a grace period', async () => {
    const id = [...sim.model.agents.keys()][2] as string;
    const tasks = sim.model.tasksOf(sim.model.agents.get(id)!);
    for (const t of tasks) {
      delete t.killGraceMs;
      t.stopAfterTermMs = 10_000_000;
    }
    const started = Date.now();
    await callApi(sim.leader, drain(id));
    await waitFor(() => tasks.every((t) => t.state === 'TASK_KILLED'), 'kills');
    expect(Date.now() - started).toBeGreaterThanOrEqual(14); // 3 s / 200
    expect(tasks.every((t) => t.statuses.at(-1)?.message === 'Command terminated with signal Killed')).toBe(true);
  });

  it('stays DRAINING while the framework never acknowledges, DRAINED once it does', async () => {
    const id = [...sim.model.agents.keys()][0] as string;
    const fw = [...sim.model.frameworks.keys()][0] as string;
    sim.setFrameworkAcknowledges(fw, false);
    await callApi(sim.leader, drain(id, { max_grace_period: { seconds: 1 } }));
    const agent = sim.model.agents.get(id)!;
    await waitFor(() => sim.model.tasksOf(agent).every((t) => t.state === 'TASK_KILLED'), 'kills');
    await sim.runtime.clock.sleep(2000);
    expect(((await agentView(id)).drain_info as { state: string }).state).toBe('DRAINING');
    sim.setFrameworkAcknowledges(fw, true);
    await waitFor(async () => ((await agentView(id)).drain_info as { state: string }).state === 'DRAINED', 'DRAINED');
  });

  it('an agent without tasks is DRAINED at once; re-drain resets to DRAINING', async () => {
    const sim0 = await startTestCluster({ agents: 1, tasksPerAgent: 0 });
    try {
      const id = [...sim0.model.agents.keys()][0] as string;
      await callApi(sim0.leader, drain(id));
      expect(sim0.model.agents.get(id)?.drain?.state).toBe('DRAINED');
      await callApi(sim0.leader, drain(id, { mark_gone: false }));
      expect(sim0.model.agents.get(id)?.drain?.state).toBe('DRAINED');
    } finally {
      await sim0.stop();
    }
  });

  it('validates: string grace is 400, unknown agent is 400, int64 as string works, DEACTIVATE is idempotent', async () => {
    const id = [...sim.model.agents.keys()][0] as string;
    const str = await callApi(sim.leader, drain(id, { max_grace_period: '10mins' }));
    expect([str.status, str.text]).toEqual([400, "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'max_grace_period'"]);
    const unknown = await callApi(sim.leader, drain('nope-S99'));
    expect([unknown.status, unknown.text]).toEqual([400, 'Unknown agent']);
    const dUnknown = await callApi(sim.leader, deactivate('nope-S99'));
    expect([dUnknown.status, dUnknown.text]).toEqual([400, 'Unknown agent']);
    const rUnknown = await callApi(sim.leader, reactivate('nope-S99'));
    expect([rUnknown.status, rUnknown.text]).toEqual([400, 'Agent is not deactivated']);
    const s = await callApi(sim.leader, drain(id, { max_grace_period: { seconds: '5', nanos: 0 } }));
    expect(s.status).toBe(200);
    expect(sim.model.agents.get(id)?.drain?.maxGraceNs).toBe(5_000_000_000n);
    const other = [...sim.model.agents.keys()][1] as string;
    expect((await callApi(sim.leader, deactivate(other))).status).toBe(200);
    expect((await callApi(sim.leader, deactivate(other))).status).toBe(200);
    const v = await agentView(other);
    expect([v.active, v.deactivated, v.drain_info]).toEqual([false, true, undefined]);
    expect(sim.model.tasksOf(sim.model.agents.get(other)!).every((t) => t.state === 'TASK_RUNNING')).toBe(true);
    expect((await callApi(sim.leader, reactivate(other))).status).toBe(200);
  });

  it('refuses DRAIN_AGENT for an agent whose machine is in the maintenance schedule', async () => {
    const agent = [...sim.model.agents.values()][0]!;
    const sched = { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: agent.hostname, ip: agent.ip }], unavailability: { start: { nanoseconds: 1 } } }] } } };
    expect((await callApi(sim.leader, sched)).status).toBe(200);
    const r = await callApi(sim.leader, drain(agent.id));
    expect(r.status).toBe(400);
    expect(r.text).toBe(`Agent ${agent.id} is part of a maintenance schedule under Machine {"hostname":"${agent.hostname}","ip":"${agent.ip}"}`);
  });

  it('mark_gone drains into GONE: the agent vanishes, tasks TASK_GONE_BY_OPERATOR', async () => {
    const id = [...sim.model.agents.keys()][0] as string;
    await callApi(sim.leader, drain(id, { mark_gone: true, max_grace_period: { seconds: 1 } }));
    await waitFor(async () => (await agentView(id)) === undefined, 'agent gone');
    const tasks = sim.model.completedTasks.filter((t) => t.agentId === id);
    expect(tasks.every((t) => t.state === 'TASK_GONE_BY_OPERATOR')).toBe(true);
    const again = await callApi(sim.leader, drain(id));
    expect([again.status, again.text]).toEqual([400, 'Unknown agent']);
  });

  it('audits every mutating call once with target and outcome', async () => {
    const id = [...sim.model.agents.keys()][0] as string;
    // Never acknowledged: the agent stays DRAINING, so the REACTIVATE below is refused.
    sim.setFrameworkAcknowledges([...sim.model.frameworks.keys()][0] as string, false);
    await callApi(sim.leader, drain(id, { max_grace_period: { seconds: 1 } }));
    await callApi(sim.leader, reactivate(id));
    await callApi(sim.leader, { type: 'GET_AGENTS' });
    const entries = sim.audit();
    expect(entries.map((e) => [e.seq, e.call, e.target, e.status, e.outcome])).toEqual([
      [1, 'DRAIN_AGENT', id, 200, 'applied'],
      [2, 'REACTIVATE_AGENT', id, 400, 'rejected'],
    ]);
    expect(entries[0]?.master).toBe(sim.leader);
    expect(Number.isNaN(Date.parse(entries[0]?.at ?? ''))).toBe(false);
    const res = await fetch(`${sim.admin}/audit`);
    expect(((await res.json()) as { entries: unknown[] }).entries).toHaveLength(2);
  });
});

describe('int64 in responses', () => {
  it('writes registered_time nanoseconds as exact bare JSON numbers', async () => {
    const sim = await startTestCluster({ agents: 1, tasksPerAgent: 0 });
    try {
      const agent = [...sim.model.agents.values()][0]!;
      agent.registeredNs = 1_700_000_000_123_456_789n;
      sim.model.touchAgent(agent);
      const r = await callApi(sim.leader, { type: 'GET_AGENTS' });
      expect(r.text).toContain('"registered_time":{"nanoseconds":1700000000123456789}');
    } finally {
      await sim.stop();
    }
  });
});
