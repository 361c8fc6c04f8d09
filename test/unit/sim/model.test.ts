/** Unit tests of model rules that need no HTTP: machine matching, faults, seeding, relaunch placement. */
import { SimClock } from '../../../src/sim/clock';
import { Faults } from '../../../src/sim/faults';
import { Cluster } from '../../../src/sim/model/cluster';
import { installDrainHooks } from '../../../src/sim/model/drain';
import { machineKey } from '../../../src/sim/model/maintenance';
import { roleError } from '../../../src/sim/model/quota';
import { seedCluster } from '../../../src/sim/model/seed';
import { Rng } from '../../../src/sim/random';

function cluster(seed = 1): { c: Cluster; clock: SimClock } {
  const clock = new SimClock(1000);
  const c = new Cluster('cid', clock, new Rng(seed));
  installDrainHooks(c);
  return { c, clock };
}

describe('model rules', () => {
  it('matches machines like Mesos: hostname case-insensitive, ip exact, presence of each field significant', () => {
    expect(machineKey({ hostname: 'Host.Example', ip: '10.0.0.1' })).toBe(machineKey({ hostname: 'host.example', ip: '10.0.0.1' }));
    expect(machineKey({ hostname: 'h', ip: '10.0.0.1' })).not.toBe(machineKey({ hostname: 'h' }));
    expect(machineKey({ ip: '10.0.0.1' })).not.toBe(machineKey({ hostname: 'h', ip: '10.0.0.1' }));
  });

  it('validates role names like roles::validate', () => {
    expect(roleError('dev')).toBeUndefined();
    expect(roleError('a/b')).toBeUndefined();
    for (const bad of ['', '/a', 'a/', 'a//b', '.', 'a/..', '*', '-a', 'a b']) expect(roleError(bad)).toBeDefined();
  });

  it('seeds deterministically for a seed, with unique agent addresses and ids', () => {
    const a = cluster(5).c;
    const b = cluster(5).c;
    seedCluster(a, { agents: 20, tasksPerAgent: 3, frameworks: 2 });
    seedCluster(b, { agents: 20, tasksPerAgent: 3, frameworks: 2 });
    expect([...a.tasks.keys()]).toEqual([...b.tasks.keys()]);
    expect(new Set([...a.agents.values()].map((x) => x.ip)).size).toBe(20);
    expect([...a.agents.keys()][3]).toBe('cid-S3');
    expect(a.tasks.size).toBe(60);
    const c = cluster(6).c;
    seedCluster(c, { agents: 20, tasksPerAgent: 3, frameworks: 2 });
    expect([...c.tasks.keys()]).not.toEqual([...a.tasks.keys()]);
  });

  it('draws faults reproducibly per seed, only for matching calls', () => {
    const draw = (seed: number) => {
      const f = new Faults(seed);
      f.set({ rules: [{ calls: ['DRAIN_AGENT'], errorRate: 0.5, responseLostRate: 0.5 }] });
      return Array.from({ length: 30 }, () => f.decide('master', 'DRAIN_AGENT', true)).map((d) => `${d.error?.status ?? 0}/${d.responseLost}`);
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    const f = new Faults(1);
    f.set({ rules: [{ calls: ['DRAIN_AGENT'], errorRate: 1 }] });
    expect(f.decide('master', 'GET_HEALTH', false).error).toBeUndefined();
    expect(f.decide('master', 'DRAIN_AGENT', true).error?.status).toBe(503);
  });

  it('relaunches a killed task of a relaunching framework only where it fits, never on a draining agent', async () => {
    const { c, clock } = cluster();
    seedCluster(c, { agents: 2, tasksPerAgent: 1, frameworks: 1 });
    const [a0, a1] = [...c.agents.values()];
    const fw = [...c.frameworks.values()][0]!;
    expect(fw.relaunches).toBe(true);
    a1!.drain = { state: 'DRAINING', markGone: false };
    a1!.deactivated = true;
    const victim = c.tasksOf(a0!)[0]!;
    c.updateTask(victim, 'TASK_KILLED');
    await clock.sleep(3000);
    // The only other agent is draining: the replacement waits for an offer.
    expect(victim.replacedBy).toBe('');
    a1!.drain = undefined;
    a1!.deactivated = false;
    // Awaited, not slept: the retry and the start steps are chained timers, which a loaded machine delays.
    const running = (): boolean => c.tasks.get(victim.replacedBy ?? '')?.state === 'TASK_RUNNING';
    for (let i = 0; i < 600 && !running(); i++) await clock.sleep(100);
    expect(victim.replacedBy).toMatch(/\./);
    const replacement = c.tasks.get(victim.replacedBy!)!;
    expect([replacement.agentId, replacement.state]).toEqual([a1!.id, 'TASK_RUNNING']);
    clock.stop();
  });
});
