/** Issue item 9: --time-scale shortens every duration; reported timestamps stay wall-clock. */
import { callApi, startTestCluster, subscribe, waitFor } from '../../helpers/sim';

describe('time scale', () => {
  it('lets a 10-minute grace period pass in about a second at --time-scale 600, with wall-clock timestamps', async () => {
    const sim = await startTestCluster({ agents: 1, tasksPerAgent: 1, timeScale: 600, relaunchTasks: false });
    try {
      const agent = [...sim.model.agents.values()][0]!;
      const task = sim.model.tasksOf(agent)[0]!;
      task.killGraceMs = 600_000;
      task.stopAfterTermMs = 3_600_000; // ignores SIGTERM: killed at the end of the grace period
      const t0 = Date.now();
      await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agent.id }, max_grace_period: { seconds: 600 } } });
      // Unscaled, the kill would come after 600 s: the bounds leave a loaded machine 45 s of slack either way.
      await waitFor(() => task.state === 'TASK_KILLED', 'kill', 45_000);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(45_000);
      // Simulated timestamps would be 600 s ahead; wall-clock ones are within the test's own duration.
      const killed = task.statuses.at(-1)!;
      expect(Math.abs(killed.timestamp * 1000 - Date.now())).toBeLessThan(45_000);
      const agents = (await callApi(sim.leader, { type: 'GET_AGENTS' })).text;
      const ns = /"estimated_drain_start_time":\{"nanoseconds":(\d+)\}/.exec(agents)?.[1];
      expect(Math.abs(Number(BigInt(ns ?? '0') / 1_000_000n) - t0)).toBeLessThan(45_000);
    } finally {
      await sim.stop();
    }
  });

  it('scales the heartbeat interval', async () => {
    const sim = await startTestCluster({ agents: 1, tasksPerAgent: 0, timeScale: 150, heartbeatIntervalSeconds: 15 });
    try {
      const s = await subscribe(sim.leader);
      const t0 = Date.now();
      await waitFor(() => s.events.filter((e) => e.type === 'HEARTBEAT').length >= 3, 'two periodic heartbeats', 5000);
      // 2 × 15 s / 150 = 200 ms.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect((s.events[0]?.subscribed as { heartbeat_interval_seconds: number }).heartbeat_interval_seconds).toBe(15);
      s.close();
    } finally {
      await sim.stop();
    }
  });
});
