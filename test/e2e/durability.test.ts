import type { AgentMaintenanceResult } from '../../runbooks/agentMaintenance';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { workerProcess } from '../helpers/worker-process';

// Every step survives a worker crash, a master failover and a lost response: each mutating call is applied once.
const MUTATING = ['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'REACTIVATE_AGENT'];

function appliedCounts(env: RunbookEnv, hostname: string, agentId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of env.sim.audit()) {
    if (!MUTATING.includes(e.call) || e.outcome === 'rejected') continue;
    if (!(e.target?.includes(agentId) || e.target?.includes(hostname))) continue;
    counts[e.call] = (counts[e.call] ?? 0) + 1;
  }
  return counts;
}

describe('durability of agentMaintenance', () => {
  let env: RunbookEnv;
  let pool: { id: string; hostname: string }[];
  const framework = () => [...env.sim.model.frameworks.values()][0];

  beforeAll(async () => {
    env = await runbookEnv({ agents: 6, tasksPerAgent: 2, masters: 3 });
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());
  afterEach(() => {
    env.sim.setFault({ rules: [] });
    env.sim.setFrameworkAcknowledges(framework().id, true);
  });

  it('a worker killed (SIGKILL) mid-drain and restarted: the run completes, each mutating call applied once', async () => {
    await env.worker!.shutdown();
    const worker = workerProcess(env);
    const agent = pool.shift()!;
    env.sim.setFrameworkAcknowledges(framework().id, false); // holds the agent in DRAINING while the worker dies
    await worker.start();
    try {
      const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'crash test', maxGracePeriodSeconds: 1, workDurationSeconds: 0 });
      await progressUntil(handle, (p) => p.phase === 'wait for DRAINED', 60_000);
      await worker.kill('SIGKILL');
      env.sim.setFrameworkAcknowledges(framework().id, true);
      await eventually('DRAINED while no worker runs', () => env.sim.model.agents.get(agent.id)?.drain?.state === 'DRAINED');
      await worker.start();
      const result = (await handle.result()) as AgentMaintenanceResult;
      expect(result.outcome).toBe('completed');
      expect(appliedCounts(env, agent.hostname, agent.id)).toEqual({ DRAIN_AGENT: 1, UPDATE_MAINTENANCE_SCHEDULE: 1, START_MAINTENANCE: 1, STOP_MAINTENANCE: 1 });
    } finally {
      await worker.stop();
      // back to an in-process worker for the other tests
      const { createRunbookWorker } = await import('../../src/worker');
      env.worker = await createRunbookWorker({ config: env.config, connection: env.connection, taskQueue: env.taskQueue, client: env.client });
      void env.worker.run();
    }
  }, 180_000);

  it('a master failover mid-run: the run follows the new leader, each mutating call applied once', async () => {
    const agent = pool.shift()!;
    env.sim.setFrameworkAcknowledges(framework().id, false);
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'failover test', maxGracePeriodSeconds: 1, workDurationSeconds: 0 });
    await progressUntil(handle, (p) => p.phase === 'wait for DRAINED');
    const before = env.sim.leader;
    const after = await env.sim.failover();
    expect(after).not.toBe(before);
    env.sim.setFrameworkAcknowledges(framework().id, true);
    const result = (await handle.result()) as AgentMaintenanceResult;
    expect(result.outcome).toBe('completed');
    expect(appliedCounts(env, agent.hostname, agent.id)).toEqual({ DRAIN_AGENT: 1, UPDATE_MAINTENANCE_SCHEDULE: 1, START_MAINTENANCE: 1, STOP_MAINTENANCE: 1 });
    expect(new Set(env.sim.audit().filter((e) => e.target?.includes(agent.hostname)).map((e) => e.master))).toEqual(new Set([after]));
  }, 120_000);

  it('mutating calls applied but their responses lost: no double application', async () => {
    const agent = pool.shift()!;
    env.sim.setFault({ rules: [{ calls: ['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE'], api: 'master', responseLostRate: 1 }] });
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'lost responses', maxGracePeriodSeconds: 1, workDurationSeconds: 0 });
    const result = (await handle.result()) as AgentMaintenanceResult;
    expect(result.outcome).toBe('completed');
    const lost = env.sim.audit().filter((e) => (e.target?.includes(agent.hostname) || e.target?.includes(agent.id)) && e.outcome === 'applied-response-lost');
    expect(lost.map((e) => e.call).sort()).toEqual(['DRAIN_AGENT', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'UPDATE_MAINTENANCE_SCHEDULE']);
    expect(appliedCounts(env, agent.hostname, agent.id)).toEqual({ DRAIN_AGENT: 1, UPDATE_MAINTENANCE_SCHEDULE: 1, START_MAINTENANCE: 1, STOP_MAINTENANCE: 1 });
  }, 120_000);

  it('pause holds the run before its next step; resume lets it go on', async () => {
    const agent = pool.shift()!;
    env.sim.setFrameworkAcknowledges(framework().id, false);
    const handle = await env.start('agentMaintenance', { agentId: agent.id, reason: 'pause test', maxGracePeriodSeconds: 1, workDurationSeconds: 0 });
    await progressUntil(handle, (p) => p.phase === 'wait for DRAINED');
    await handle.executeUpdate('pause', { args: [{ reason: 'lunch', by: 'carol' }] });
    env.sim.setFrameworkAcknowledges(framework().id, true);
    const paused = await progressUntil(handle, (p) => p.phase === 'paused');
    expect(paused.paused).toMatchObject({ by: 'carol', reason: 'lunch' });
    expect(paused.operatorActions).toContain('resume');
    expect(appliedCounts(env, agent.hostname, agent.id)).toEqual({ DRAIN_AGENT: 1 });
    await handle.executeUpdate('resume', { args: [{ by: 'carol' }] });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'completed' });
  }, 120_000);
});
