import { planThenRun as planAndRun, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// Plan = run: plan mode evaluates the same step list against the state it reads, so a plan names exactly the steps a
// real run from the same state reports, in the same order, with the same skip decisions (except the steps it marks
// as decided at run time).
describe('plan = run', () => {
  let env: RunbookEnv;
  let pool: { id: string; hostname: string }[];
  beforeAll(async () => {
    env = await runbookEnv({ agents: 5, tasksPerAgent: 2 });
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  const planThenRun = (runbook: string, input: Record<string, unknown>) => planAndRun(env, runbook, input);

  it('drainAgent with reactivate, from a running agent', async () => {
    const agent = pool.shift()!;
    const { plan } = await planThenRun('drainAgent', { agentId: agent.id, reason: 'plan = run', maxGracePeriodSeconds: 0, reactivate: true });
    expect(plan.steps.map((s) => [s.name, s.skipBecause ? 'skip' : s.decidedAtRunTime ? 'runtime' : 'run'])).toEqual([
      ['preflight', 'run'],
      ['lease', 'run'],
      ['approval', 'skip'],
      ['drain', 'run'],
      ['wait for DRAINED', 'run'],
      ['reactivate', 'runtime'],
    ]);
  });

  it('drainAgent on an agent already DRAINED with the same config: the plan and the run both skip the drain', async () => {
    const agent = pool.shift()!;
    const first = await env.start('drainAgent', { agentId: agent.id, reason: 'first', maxGracePeriodSeconds: 0 });
    await first.result();
    const drainsBefore = env.sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agent.id).length;
    const { plan } = await planThenRun('drainAgent', { agentId: agent.id, reason: 'again', maxGracePeriodSeconds: 0, reactivate: true });
    expect(plan.steps.find((s) => s.name === 'drain')?.skipBecause).toBe('already DRAINED');
    expect(env.sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agent.id)).toHaveLength(drainsBefore);
  });

  it('agentMaintenance, the whole sequence', async () => {
    const agent = pool.shift()!;
    const { plan } = await planThenRun('agentMaintenance', { hostname: agent.hostname, reason: 'plan = run', maxGracePeriodSeconds: 0, workDurationSeconds: 0 });
    expect(plan.steps.filter((s) => s.decidedAtRunTime).map((s) => s.name)).toEqual(['stop maintenance', 'reactivate', 'verify']);
  });
});
