import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { UpdateReservationsResult } from '../../runbooks/updateReservations';
import type { CompensationReport } from '../../workflows/kit/compensation';
import { RunbookInputError } from '../../src/temporal/control';
import { planThenRun, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// updateReservations end to end: the real dev server, the worker, a simulated cluster with Basic auth (the runbook's
// reservations carry the cluster's configured principal, as Mesos requires).
describe('updateReservations', () => {
  let env: RunbookEnv;
  let pool: { id: string; hostname: string }[];
  beforeAll(async () => {
    env = await runbookEnv({ agents: 8, tasksPerAgent: 1, frameworks: 1 }, { credentials: { principal: 'ops', secret: 'ops-secret' } });
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  const nextAgent = () => pool.shift()!;
  const MUTATING = new Set(['RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME']);
  const calls = (agentId: string) => env.sim.audit().filter((e) => MUTATING.has(e.call) && e.target === agentId);
  /** The role's dynamic reservation of a resource on the agent (and its principals), as GET_AGENTS shows it. */
  const reserved = async (agentId: string, role: string, name: string) => {
    const agent = (await env.mesos.getAgents()).agents.find((a) => a.agent_info.id?.value === agentId)!;
    const mine = agent.total_resources.filter((r) => r.name === name && r.reservations.length === 1 && r.reservations[0]!.role === role && !r.disk);
    return { amount: mine.reduce((s, r) => s + (r.scalar?.value ?? 0), 0), principals: [...new Set(mine.map((r) => r.reservations[0]!.principal))] };
  };
  const failureOf = async (promise: Promise<unknown>) => {
    const err = (await promise.catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err.cause as ApplicationFailure;
  };

  it('reserves, then releases, only the difference, with the cluster\'s principal', async () => {
    const agent = nextAgent();
    const handle = await env.start('updateReservations', { hostname: agent.hostname, role: 'dev', resources: { cpus: 2, mem: 1024 }, reason: 'team dev' });
    const result = (await handle.result()) as UpdateReservationsResult;
    expect(result).toMatchObject({ agentId: agent.id, role: 'dev', reserved: { cpus: 2, mem: 1024 } });
    expect(result.changes).toEqual([expect.stringMatching(/^dev: 0 cores → 2 cores of cpus \(RESERVE 2 cores\)/), expect.stringMatching(/^dev: 0 MB → 1024 MB of mem/)]);
    expect(await reserved(agent.id, 'dev', 'cpus')).toEqual({ amount: 2, principals: ['ops'] });
    expect(calls(agent.id).map((e) => `${e.call} ${e.outcome}`)).toEqual(['RESERVE_RESOURCES applied', 'RESERVE_RESOURCES applied']);

    const down = await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 0.5, mem: 0 }, reason: 'shrink' });
    await down.result();
    expect(await reserved(agent.id, 'dev', 'cpus')).toEqual({ amount: 0.5, principals: ['ops'] });
    expect((await reserved(agent.id, 'dev', 'mem')).amount).toBe(0);
    expect(calls(agent.id).slice(2).map((e) => e.call)).toEqual(['UNRESERVE_RESOURCES', 'UNRESERVE_RESOURCES']);
  });

  it('an input already converged ends done with no mutating call', async () => {
    const agent = nextAgent();
    await (await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 1 }, reason: 'first' })).result();
    const before = calls(agent.id).length;
    const again = await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 1, gpus: 0 }, reason: 'again' });
    const result = (await again.result()) as UpdateReservationsResult;
    expect(result.changes).toEqual([]);
    const progress = await again.query<{ steps: { name: string; status: string; note?: string }[] }>('progress');
    expect(progress.steps.slice(3)).toEqual([
      expect.objectContaining({ name: 'cpus reservation', status: 'skipped', note: 'dev has 1 core of cpus reserved: nothing to do' }),
      expect.objectContaining({ name: 'gpus reservation', status: 'skipped', note: 'dev has 0 GPUs of gpus reserved: nothing to do' }),
    ]);
    expect(calls(agent.id)).toHaveLength(before);
  });

  it('refuses a bad input before the run starts, naming every field', async () => {
    const before = env.sim.audit().length;
    const err = (await env.runbooks.start('updateReservations', { cluster: env.cluster, hostname: 'agent-1.sim.local', role: '*', resources: { cpus: -1, gpus: 0.5, ports: 3 }, fromRole: '*', reason: ' ' }).catch((e: unknown) => e)) as RunbookInputError;
    expect(err).toBeInstanceOf(RunbookInputError);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^reason: required/),
        'role: must be a role, not "*" (unreserved resources have no role)',
        'resources.cpus: must be 0 or more cores',
        'resources.gpus: must be a whole number of GPUs',
        "resources: unknown field(s) 'ports'",
        `fromRole: must differ from role ('*')`,
      ]),
    );
    const noAgent = (await env.runbooks.start('updateReservations', { cluster: env.cluster, hostname: 'nope.sim.local', role: 'dev', resources: {}, reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
    expect(noAgent.problems).toEqual(['resources: give at least one of cpus (cores), mem (MB), disk (MB), gpus (whole GPUs)', expect.stringMatching(/^hostname: no registered agent has hostname 'nope.sim.local'/)]);
    expect(env.sim.audit().length).toBe(before);
  });

  it('a lost 202 does not reserve twice: the retry reads the reservation and sends nothing', async () => {
    const agent = nextAgent();
    env.sim.setFault({ rules: [{ calls: ['RESERVE_RESOURCES'], api: 'master', responseLostRate: 1 }] });
    try {
      await (await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 3 }, reason: 'lost answer' })).result();
    } finally {
      env.sim.setFault({ rules: [] });
    }
    expect(calls(agent.id).map((e) => `${e.call} ${e.outcome}`)).toEqual(['RESERVE_RESOURCES applied-response-lost']);
    expect((await reserved(agent.id, 'dev', 'cpus')).amount).toBe(3);
  });

  it('a 409 mid-way (a task took the memory) ends with Mesos\'s text and the tasks; the cpus reserved before are released', async () => {
    const agent = nextAgent();
    const handle = await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 2, mem: 30000 }, requireApproval: true, reason: 'mid-way failure' });
    await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    const taskId = env.sim.launchTask({ agentId: agent.id, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 20000 } }], name: 'hog' });
    await env.runbooks.approve(handle.workflowId, { reason: 'go' });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('RESOURCES_IN_USE');
    expect(failure.message).toMatch(/RESERVE 30000 MB of mem for dev refused by Mesos \(409: .*does not contain mem:30000\); held by .*hog\./);
    expect(failure.message).toContain(taskId);
    const report = failure.details?.[0] as CompensationReport;
    expect(report.steps).toEqual([
      { step: 'restore mem reservation', outcome: 'skipped', note: 'dev has 0 MB of mem reserved: nothing to do' },
      { step: 'restore cpus reservation', outcome: 'done', note: expect.stringMatching(/dev: 2 cores → 0 cores of cpus .*UNRESERVE/) },
    ]);
    expect(calls(agent.id).map((e) => `${e.call} ${e.outcome}`)).toEqual(['RESERVE_RESOURCES applied', 'RESERVE_RESOURCES rejected', 'UNRESERVE_RESOURCES applied']);
    expect((await reserved(agent.id, 'dev', 'cpus')).amount).toBe(0);
    env.sim.finishTask(taskId);
  });

  it('moves reservations from another role with RESERVE and a source (no unreserve in between)', async () => {
    const agent = nextAgent();
    await env.mesos.reserveResources({ agentId: agent.id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, reservations: [{ type: 'DYNAMIC', role: 'qa', principal: 'ops' }] }] });
    await (await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 3 }, fromRole: 'qa', reason: 'move' })).result();
    expect((await reserved(agent.id, 'dev', 'cpus')).amount).toBe(3);
    expect((await reserved(agent.id, 'qa', 'cpus')).amount).toBe(1);
    expect(calls(agent.id).map((e) => e.call)).toEqual(['RESERVE_RESOURCES', 'RESERVE_RESOURCES']);
  });

  it('refuses a disk target below the role\'s volumes before any call', async () => {
    const agent = nextAgent();
    const disk = (v: number, extra: Record<string, unknown> = {}) => ({ name: 'disk', type: 'SCALAR', scalar: { value: v }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }], ...extra });
    await env.mesos.reserveResources({ agentId: agent.id, resources: [disk(300)] });
    await env.mesos.createVolumes({ agentId: agent.id, volumes: [disk(200, { disk: { persistence: { id: 'keep', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } })] });
    const before = calls(agent.id).length;
    const failure = await failureOf((await env.start('updateReservations', { agentId: agent.id, role: 'dev', resources: { disk: 50 }, reason: 'too low' })).result());
    expect(failure.type).toBe('PREFLIGHT_FAILED');
    expect(failure.message).toMatch(/reservations feasible: disk: 50 MB is below the 200 MB of dev's persistent volumes/);
    expect(calls(agent.id)).toHaveLength(before);
  });

  it('plans without changing anything, and the run does what the plan said', async () => {
    const agent = nextAgent();
    await env.mesos.reserveResources({ agentId: agent.id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] }] });
    const { plan } = await planThenRun(env, 'updateReservations', { agentId: agent.id, role: 'dev', resources: { cpus: 2.5, mem: 0 }, reason: 'plan = run' });
    expect(plan.checks.map((c) => `${c.name}: ${c.ok}`)).toEqual(['agent registered: true', 'reservations feasible: true']);
    expect(plan.steps.map((s) => [s.name, s.skipBecause ?? s.action])).toEqual([
      ['preflight', '2 check(s): all pass'],
      ['lease', expect.stringContaining(`take the lease on ${agent.id}`)],
      ['approval', expect.stringContaining('not required')],
      ['cpus reservation', expect.stringMatching(/→ 2.5 cores: dev: 1 core → 2.5 cores of cpus \(RESERVE 1.5 cores\)$/)],
      ['mem reservation', 'dev has 0 MB of mem reserved: nothing to do'],
    ]);
    expect((await reserved(agent.id, 'dev', 'cpus')).amount).toBe(2.5);
  });
});
