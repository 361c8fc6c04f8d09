/** Issue item 5: several masters, one leader; failover moves leadership, ends streams, keeps the registry. */
import { agentIdOf, callApi, getAgents, startTestCluster, subscribe, waitFor, type SimCluster } from '../../helpers/sim';

describe('high availability', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    sim = await startTestCluster({ masters: 3, agents: 3, tasksPerAgent: 1, timeScale: 1000 });
  });
  afterEach(() => sim.stop());

  it('has one leader; the others answer 307 to it', async () => {
    expect(sim.masters).toHaveLength(3);
    expect(sim.leader).toBe(sim.masters[0]);
    for (const m of sim.masters.slice(1)) {
      const r = await callApi(m, { type: 'GET_STATE' });
      expect(r.status).toBe(307);
      expect(r.headers.location).toBe(`//${sim.leader.slice('http://'.length)}/api/v1`);
    }
  });

  it('fails over: streams end, leadership moves, drain/maintenance/reservations/quota survive', async () => {
    const [a0, a1] = [...sim.model.agents.values()];
    await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a0!.id } } });
    await callApi(sim.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: a1!.hostname, ip: a1!.ip }], unavailability: { start: { nanoseconds: 0 } } }] } } });
    const reserve = await callApi(sim.leader, {
      type: 'RESERVE_RESOURCES',
      reserve_resources: { agent_id: { value: a1!.id }, resources: [{ type: 'SCALAR', name: 'cpus', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] }] },
    });
    expect(reserve.status).toBe(202);
    await callApi(sim.leader, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'dev', limits: { cpus: { value: 4 } } }] } });
    const stream = await subscribe(sim.leader);
    await stream.next((e) => e.type === 'HEARTBEAT', 'heartbeat');
    const old = sim.leader;
    const newLeader = await sim.failover({ electionSeconds: 1, recoverySeconds: 1 });
    await stream.ended;
    expect(newLeader).toBe(sim.masters[1]);
    expect(sim.leader).toBe(newLeader);
    const redirected = await callApi(old, { type: 'GET_HEALTH' });
    expect([redirected.status, redirected.headers.location]).toEqual([307, `//${newLeader.slice(7)}/api/v1`]);
    await waitFor(async () => (await getAgents(newLeader)).length === 3, 'agents re-registered');
    const agents = await getAgents(newLeader);
    const drained = agents.find((a) => agentIdOf(a) === a0!.id)!;
    expect((drained.drain_info as { state: string }).state).toMatch(/DRAIN(ING|ED)/);
    expect(drained.deactivated).toBe(true);
    expect(drained.estimated_drain_start_time).toBeUndefined();
    const reserved = agents.find((a) => agentIdOf(a) === a1!.id)!;
    expect(JSON.stringify(reserved.total_resources)).toContain('"role":"dev"');
    expect((await callApi(newLeader, { type: 'GET_MAINTENANCE_SCHEDULE' })).text).toContain(a1!.hostname);
    expect((await callApi(newLeader, { type: 'GET_QUOTA' })).text).toContain('"role":"dev"');
    const s2 = await subscribe(newLeader);
    expect((await s2.next(() => true, 'SUBSCRIBED')).type).toBe('SUBSCRIBED');
    s2.close();
  });

  it('fails over through the admin API and on a schedule', async () => {
    const r = await fetch(`${sim.admin}/failover`, { method: 'POST', body: JSON.stringify({ to: 2, electionSeconds: 0, recoverySeconds: 0 }) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { leader: string }).leader).toBe(sim.masters[2]);
    sim.setFault({ failoverEverySeconds: 5 });
    const seen = new Set<string>();
    await waitFor(() => {
      seen.add(sim.leader);
      return seen.size >= 3;
    }, 'scheduled failovers');
    sim.setFault({});
  });

  it('lists agents as recovered_agents until they re-register with the new leader (AGENT_ADDED, TASK_ADDED)', async () => {
    const slow = await startTestCluster({ masters: 2, agents: 2, tasksPerAgent: 1, timeScale: 10, agentReregisterSeconds: 3 });
    try {
      const stopped = [...slow.model.agents.keys()][1] as string;
      slow.stopAgent(stopped);
      const leader = await slow.failover({ electionSeconds: 0, recoverySeconds: 0 });
      const r = (await callApi(leader, { type: 'GET_AGENTS' })).json as { get_agents: { agents: unknown[]; recovered_agents: { id: { value: string } }[] } };
      expect(r.get_agents.agents).toEqual([]);
      expect(r.get_agents.recovered_agents.map((a) => a.id.value).sort()).toEqual([...slow.model.agents.keys()].sort());
      expect(((await callApi(leader, { type: 'GET_TASKS' })).json as { get_tasks: { tasks: unknown[] } }).get_tasks.tasks).toEqual([]);
      const s = await subscribe(leader);
      const added = await s.next((e) => e.type === 'AGENT_ADDED', 'AGENT_ADDED', 5000);
      await s.next((e) => e.type === 'TASK_ADDED', 'TASK_ADDED', 5000);
      s.close();
      expect(((added.agent_added as { agent: { agent_info: { id: { value: string } } } }).agent.agent_info.id.value)).not.toBe(stopped);
      expect((await getAgents(leader)).map(agentIdOf)).not.toContain(stopped);
      await slow.restartAgent(stopped);
      expect((await getAgents(leader)).map(agentIdOf)).toContain(stopped);
    } finally {
      await slow.stop();
    }
  });
});
