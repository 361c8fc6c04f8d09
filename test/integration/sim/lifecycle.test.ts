/** Issue item 6 and spec §9/§10: agent stop/restart, unreachable, MARK_AGENT_GONE, new agents. */
import { request } from 'undici';
import { agentIdOf, callApi, getAgents, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

describe('agent lifecycle', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000 });
  });
  afterEach(() => sim.stop());
  const view = async (id: string) => (await getAgents(sim.leader)).find((a) => agentIdOf(a) === id);

  it('a stopped agent stays listed but inactive, its endpoint is closed; a restart recovers under the old id with its drain state', async () => {
    const a = [...sim.model.agents.values()][0]!;
    const url = `http://${a.ip}:${a.port}`;
    // The processes outlive SIGTERM for an hour (simulated): the drain cannot finish before the stop below.
    for (const t of sim.model.tasksOf(a)) {
      t.stopAfterTermMs = 3_600_000;
      t.killGraceMs = 3_600_000;
    }
    await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a.id }, max_grace_period: { seconds: 3600 } } });
    sim.stopAgent(a.id);
    const v = (await view(a.id))!;
    expect([v.active, (v.drain_info as { state: string }).state]).toEqual([false, 'DRAINING']);
    await expect(request(`${url}/api/v1`, { method: 'POST', body: '{}' })).rejects.toThrow();
    for (const t of sim.model.tasksOf(a)) t.stopAfterTermMs = 10;
    expect(await sim.restartAgent(a.id)).toBe(a.id);
    expect((await callApi(url, { type: 'GET_HEALTH' })).status).toBe(200);
    await waitFor(async () => ((await view(a.id))?.drain_info as { state: string }).state === 'DRAINED', 'drained after restart');
    const after = (await view(a.id))!;
    expect([after.active, after.deactivated]).toEqual([false, true]);
    expect(after.reregistered_time).toBeDefined();
  });

  it('a stopped agent becomes unreachable after 75 s (simulated) and leaves GET_AGENTS', async () => {
    const a = [...sim.model.agents.values()][1]!;
    sim.stopAgent(a.id);
    await waitFor(() => a.status === 'unreachable', 'unreachable');
    expect(await view(a.id)).toBeUndefined();
    const tasks = (await callApi(sim.leader, { type: 'GET_TASKS' })).json as { get_tasks: { unreachable_tasks: { agent_id: { value: string } }[] } };
    expect(tasks.get_tasks.unreachable_tasks.filter((t) => t.agent_id.value === a.id)).toHaveLength(2);
    expect((await callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: a.id } } })).status).toBe(200);
    const react = await callApi(sim.leader, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: a.id } } });
    expect([react.status, react.text]).toEqual([409, 'Agent removed while processing the call']);
  });

  it('MARK_AGENT_GONE: 404 unknown, 200 and idempotent; the machine returns as a new agent on restart', async () => {
    const a = [...sim.model.agents.values()][2]!;
    const unknown = await callApi(sim.leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'x-S9' } } });
    expect([unknown.status, unknown.text]).toEqual([404, "Agent 'x-S9' not found"]);
    expect((await callApi(sim.leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: a.id } } })).status).toBe(200);
    expect((await callApi(sim.leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: a.id } } })).status).toBe(200);
    expect(await view(a.id)).toBeUndefined();
    expect(sim.model.completedTasks.filter((t) => t.agentId === a.id).map((t) => t.state)).toEqual(['TASK_GONE_BY_OPERATOR', 'TASK_GONE_BY_OPERATOR']);
    const newId = await sim.restartAgent(a.id);
    expect(newId).toBeDefined();
    expect(newId).not.toBe(a.id);
    const v = (await view(newId as string))!;
    expect([v.active, v.deactivated, v.drain_info]).toEqual([true, false, undefined]);
  });

  it('drives the lifecycle through the admin API', async () => {
    const a = [...sim.model.agents.values()][0]!;
    const stop = await fetch(`${sim.admin}/agents/${a.id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    expect(a.status).toBe('disconnected');
    const restart = await fetch(`${sim.admin}/agents/${a.id}/restart`, { method: 'POST' });
    expect(((await restart.json()) as { agentId: string }).agentId).toBe(a.id);
    expect(a.status).toBe('registered');
    const missing = await fetch(`${sim.admin}/agents/nope/stop`, { method: 'POST' });
    expect(missing.status).toBe(404);
    const state = (await (await fetch(`${sim.admin}/state`)).json()) as { agents: { id: string; status: string }[] };
    expect(state.agents.find((x) => x.id === a.id)?.status).toBe('registered');
  });

  it('a restarted agent answers 503 while it recovers (agentRecoverySeconds)', async () => {
    const sim2 = await startTestCluster({ agents: 1, tasksPerAgent: 0, timeScale: 1, agentRecoverySeconds: 3600 });
    try {
      const a = [...sim2.model.agents.values()][0]!;
      const url = `http://${a.ip}:${a.port}`;
      expect((await callApi(url, { type: 'GET_HEALTH' })).status).toBe(200);
      sim2.stopAgent(a.id);
      await sim2.restartAgent(a.id);
      const r = await callApi(url, { type: 'GET_HEALTH' });
      expect([r.status, r.text]).toEqual([503, 'Agent has not finished recovery']);
    } finally {
      await sim2.stop();
    }
  });
});
