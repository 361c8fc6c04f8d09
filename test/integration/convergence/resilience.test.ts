import { startCluster, type SimCluster } from '../../../src/sim';
import { startCountingProxy, type CountingProxy } from '../../helpers/counting-proxy';
import { eventually, startWatchEnv, uniqueName, watchActivityAttempt, type WatchEnv } from './setup';

// The watcher keeps serving its waits through a master failover and a broken event stream, without failing: the
// client re-subscribes to the current leader, and polling stays authoritative.
describe('convergence: the watcher survives failover and a dropped stream', () => {
  const base = uniqueName('cr').toLowerCase();
  const ha = `${base}-ha`;
  const dropped = `${base}-drop`;
  let haSim: SimCluster;
  let sim: SimCluster;
  let proxy: CountingProxy;
  let env: WatchEnv;
  let haAgents: string[];
  let agents: string[];

  beforeAll(async () => {
    haSim = await startCluster({ masters: 3, agents: 3, tasksPerAgent: 2, timeScale: 20, seed: 3, electionSeconds: 0.5, recoverySeconds: 0.2 });
    sim = await startCluster({ agents: 3, tasksPerAgent: 2, timeScale: 20, seed: 4 });
    proxy = await startCountingProxy(sim.leader);
    haAgents = [...haSim.model.agents.keys()];
    agents = [...sim.model.agents.keys()];
    env = await startWatchEnv('convergence-resilience', { [ha]: haSim.masters, [dropped]: [proxy.url] });
    // Long baselines: a run noticed within seconds was woken by an event of the (re-opened) stream.
    await env.startWatcher(ha, { baselineIntervalMs: 600_000 });
    await env.startWatcher(dropped, { baselineIntervalMs: 600_000 });
  });

  afterAll(async () => {
    await env?.close();
    await proxy?.close();
    await haSim?.stop();
    await sim?.stop();
  });

  it('a master failover: the wait is still signalled, by the new leader\'s events, and the activity never failed', async () => {
    const sentinel = await env.startWaiting(ha, { kind: 'agentDrained', agentId: haAgents[2]! }, 600_000);
    await eventually(async () => (await watchActivityAttempt(env.watcher(ha))) !== undefined, 'the watcher activity to start');
    const run = await env.startWaiting(ha, { kind: 'agentDrained', agentId: haAgents[0]! });
    await eventually(async () => (await env.waits(ha)).length === 2 || undefined, 'both waits registered');
    const oldLeader = haSim.leader;

    const newLeader = await haSim.failover();
    expect(newLeader).not.toBe(oldLeader);
    // Wait until the watcher has re-subscribed to the new leader (its stream ended with the failover).
    await eventually(() => haSim.runtime.masters.find((m) => m.url === newLeader)!.streams.size > 0, 'a subscriber on the new leader', 30_000);

    await env.clusters.master(ha).drainAgent({ agentId: haAgents[0]!, maxGracePeriodSeconds: 1 });
    const result = await run.result();
    expect(result).toMatchObject({ met: true, observation: { agentId: haAgents[0], drainState: 'DRAINED' } });
    expect(await watchActivityAttempt(env.watcher(ha))).toBe(1);
    expect(await sentinel.query<string>('phase')).toBe('waiting');
  });

  it('a dropped event stream: the watcher re-subscribes and events wake runs again; the activity never failed', async () => {
    const sentinel = await env.startWaiting(dropped, { kind: 'agentDrained', agentId: agents[2]! }, 600_000);
    await eventually(() => proxy.count('SUBSCRIBE') >= 1, 'the watcher to subscribe');
    await eventually(async () => (await env.waits(dropped)).length === 1 || undefined, 'the sentinel wait');

    expect(proxy.dropStreams()).toBe(1);
    await eventually(() => proxy.count('SUBSCRIBE') >= 2, 'the watcher to re-subscribe', 30_000);

    const run = await env.startWaiting(dropped, { kind: 'agentDrained', agentId: agents[0]! });
    await eventually(async () => (await env.waits(dropped)).length === 2 || undefined, 'the wait registered');
    await env.clusters.master(dropped).drainAgent({ agentId: agents[0]!, maxGracePeriodSeconds: 1 });
    let drainedAt = 0;
    await eventually(() => (sim.model.agents.get(agents[0]!)?.drain?.state === 'DRAINED' ? (drainedAt = Date.now()) : false), 'DRAINED', 20_000, 2);
    const result = await run.result();
    expect(result).toMatchObject({ met: true, observation: { drainState: 'DRAINED' } });
    expect(result.metAt! - drainedAt).toBeLessThan(30_000); // the baseline is 10 minutes: an event woke it
    expect(await watchActivityAttempt(env.watcher(dropped))).toBe(1);
    expect(await sentinel.query<string>('phase')).toBe('waiting');
  });
});
