/** Spec §3: SUBSCRIBE — SUBSCRIBED snapshot, heartbeats, and exactly the events real Mesos sends. */
import { callApi, startTestCluster, subscribe, waitFor, type SimCluster } from '../../helpers/sim';

describe('SUBSCRIBE (spec §3)', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    // relaunchTasks off: these tests count the events of the drained tasks only.
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000, heartbeatIntervalSeconds: 5, relaunchTasks: false });
  });
  afterEach(() => sim.stop());

  it('sends SUBSCRIBED with the state and interval, a HEARTBEAT at once, then one per interval', async () => {
    const s = await subscribe(sim.leader);
    try {
      expect(s.status).toBe(200);
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers['transfer-encoding']).toBe('chunked');
      expect(s.headers['content-length']).toBeUndefined();
      const first = await s.next(() => true, 'SUBSCRIBED');
      expect(first.type).toBe('SUBSCRIBED');
      const sub = first.subscribed as { heartbeat_interval_seconds: number; get_state: { get_agents: { agents: unknown[] }; get_tasks: { tasks: unknown[] } } };
      expect(sub.heartbeat_interval_seconds).toBe(5);
      expect(sub.get_state.get_agents.agents).toHaveLength(3);
      expect(sub.get_state.get_tasks.tasks).toHaveLength(6);
      expect(s.events[1]).toEqual({ type: 'HEARTBEAT' });
      await waitFor(() => s.events.filter((e) => e.type === 'HEARTBEAT').length >= 3, 'periodic heartbeats');
    } finally {
      s.close();
    }
  });

  it('refuses Accept: application/recordio with 406 and never gzips the stream', async () => {
    const bad = await callApi(sim.leader, { type: 'SUBSCRIBE' }, { accept: 'application/recordio' });
    expect(bad.status).toBe(406);
    const s = await subscribe(sim.leader, { 'accept-encoding': 'gzip' });
    try {
      expect(s.headers['content-encoding']).toBeUndefined();
      await s.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    } finally {
      s.close();
    }
  });

  it('publishes TASK_UPDATED only on state changes, no events for drain state; AGENT_REMOVED on START_MAINTENANCE', async () => {
    const s = await subscribe(sim.leader);
    try {
      await s.next((e) => e.type === 'HEARTBEAT', 'first heartbeat');
      const agent = [...sim.model.agents.values()][0]!;
      await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agent.id }, max_grace_period: { seconds: 1 } } });
      await waitFor(() => agent.drain?.state === 'DRAINED', 'DRAINED');
      await waitFor(() => s.events.filter((e) => e.type === 'TASK_UPDATED').length >= 4, 'task updates');
      const updates = s.events.filter((e) => e.type === 'TASK_UPDATED').map((e) => (e.task_updated as { state: string }).state);
      expect(updates.sort()).toEqual(['TASK_KILLED', 'TASK_KILLED', 'TASK_KILLING', 'TASK_KILLING']);
      const u = s.events.find((e) => e.type === 'TASK_UPDATED')!.task_updated as Record<string, unknown>;
      expect(Object.keys(u).sort()).toEqual(['framework_id', 'state', 'status']);
      expect(s.events.some((e) => !['SUBSCRIBED', 'HEARTBEAT', 'TASK_UPDATED'].includes(e.type as string))).toBe(false);

      const other = [...sim.model.agents.values()][1]!;
      const m = { hostname: other.hostname, ip: other.ip };
      await callApi(sim.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [m], unavailability: { start: { nanoseconds: 0 } } }] } } });
      await callApi(sim.leader, { type: 'START_MAINTENANCE', start_maintenance: { machines: [m] } });
      const removed = await s.next((e) => e.type === 'AGENT_REMOVED', 'AGENT_REMOVED');
      expect(removed).toEqual({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: other.id } } });
    } finally {
      s.close();
    }
  });

  it('sends no AGENT_REMOVED when an agent is marked gone or unreachable; AGENT_ADDED when it returns', async () => {
    const s = await subscribe(sim.leader);
    try {
      await s.next((e) => e.type === 'HEARTBEAT', 'heartbeat');
      const [a, b] = [...sim.model.agents.values()];
      expect((await callApi(sim.leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: a!.id } } })).status).toBe(200);
      sim.makeUnreachable(b!.id);
      const lost = await s.next((e) => e.type === 'TASK_UPDATED' && (e.task_updated as { state: string }).state === 'TASK_UNREACHABLE', 'TASK_UNREACHABLE');
      expect(lost).toBeDefined();
      expect(s.events.some((e) => e.type === 'AGENT_REMOVED')).toBe(false);
      await sim.restartAgent(b!.id);
      const added = await s.next((e) => e.type === 'AGENT_ADDED', 'AGENT_ADDED');
      expect(((added.agent_added as { agent: { agent_info: { id: { value: string } } } }).agent.agent_info.id.value)).toBe(b!.id);
      expect(s.events.filter((e) => e.type === 'TASK_ADDED')).toHaveLength(2);
    } finally {
      s.close();
    }
  });

  it('TEARDOWN publishes FRAMEWORK_REMOVED; unknown framework is 400', async () => {
    const s = await subscribe(sim.leader);
    try {
      await s.next((e) => e.type === 'HEARTBEAT', 'heartbeat');
      const fw = [...sim.model.frameworks.keys()][0]!;
      const bad = await callApi(sim.leader, { type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } });
      expect([bad.status, bad.text]).toEqual([400, 'No framework found with specified ID']);
      expect((await callApi(sim.leader, { type: 'TEARDOWN', teardown: { framework_id: { value: fw } } })).status).toBe(200);
      const ev = await s.next((e) => e.type === 'FRAMEWORK_REMOVED', 'FRAMEWORK_REMOVED');
      expect(((ev.framework_removed as { framework_info: { id: { value: string } } }).framework_info.id.value)).toBe(fw);
      expect(sim.model.tasks.size).toBe(0);
    } finally {
      s.close();
    }
  });

  it('a relaunching framework (marathon) starts replacements elsewhere: TASK_ADDED then STARTING/RUNNING', async () => {
    const sim2 = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000 });
    try {
      const s = await subscribe(sim2.leader);
      await s.next((e) => e.type === 'HEARTBEAT', 'heartbeat');
      const drained = [...sim2.model.agents.values()][0]!;
      const deactivated = [...sim2.model.agents.values()][1]!;
      await callApi(sim2.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: deactivated.id } } });
      await callApi(sim2.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: drained.id }, max_grace_period: { seconds: 1 } } });
      await waitFor(() => s.events.filter((e) => e.type === 'TASK_UPDATED' && (e.task_updated as { state: string }).state === 'TASK_RUNNING').length === 2, 'replacements running');
      const added = s.events.filter((e) => e.type === 'TASK_ADDED').map((e) => (e.task_added as { task: { agent_id: { value: string }; state: string } }).task);
      expect(added).toHaveLength(2);
      const third = [...sim2.model.agents.values()][2]!;
      expect(added.map((t) => [t.agent_id.value, t.state])).toEqual([
        [third.id, 'TASK_STAGING'],
        [third.id, 'TASK_STAGING'],
      ]);
      expect(sim2.model.tasksOf(third).filter((t) => t.state === 'TASK_RUNNING')).toHaveLength(4);
      const ports = sim2.model.tasksOf(third).map((t) => t.resources.find((r) => r.name === 'ports')?.ranges?.range[0]?.begin);
      expect(new Set(ports).size).toBe(4);
      s.close();
    } finally {
      await sim2.stop();
    }
  });

  it('closes the oldest stream beyond the subscriber cap', async () => {
    const sim3 = await startTestCluster({ agents: 1, tasksPerAgent: 0, maxSubscribers: 2 });
    try {
      const first = await subscribe(sim3.leader);
      const second = await subscribe(sim3.leader);
      await first.next((e) => e.type === 'HEARTBEAT', 'first heartbeat');
      const third = await subscribe(sim3.leader);
      await first.ended;
      await third.next((e) => e.type === 'SUBSCRIBED', 'third subscribed');
      expect(sim3.runtime.masters[0]?.streams.size).toBe(2);
      second.close();
      third.close();
    } finally {
      await sim3.stop();
    }
  });
});
