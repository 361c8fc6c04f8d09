import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { startCluster, type SimCluster } from '../../../src/sim';
import { startCountingProxy, type CountingProxy } from '../../helpers/counting-proxy';
import { eventually, settled, startWatchEnv, uniqueName, watchActivityAttempt, type WatchEnv } from './setup';

// The shared watcher on the real Temporal dev server, against the simulator over real HTTP; GET_AGENTS counted by
// a loopback proxy in front of the master.
describe('convergence: one watcher per cluster', () => {
  const base = uniqueName('cw').toLowerCase();
  /** Default tuning (5 s baseline): for counting requests. */
  const counted = `${base}-count`;
  /** A 10-minute baseline: a run notified within seconds can only have been woken by an event. */
  const events = `${base}-events`;
  /** A watcher that continues as new after two Updates. */
  const renewed = `${base}-can`;
  let sim: SimCluster;
  let countProxy: CountingProxy;
  let eventsProxy: CountingProxy;
  let env: WatchEnv;
  /** Agent ids as seeded, fixed before any test changes the cluster. */
  let agentIds: string[];

  beforeAll(async () => {
    sim = await startCluster({ agents: 8, tasksPerAgent: 2, timeScale: 20, seed: 5 });
    countProxy = await startCountingProxy(sim.leader);
    eventsProxy = await startCountingProxy(sim.leader);
    env = await startWatchEnv('convergence', { [counted]: [countProxy.url], [events]: [eventsProxy.url], [renewed]: [sim.leader] });
    agentIds = [...sim.model.agents.values()].map((a) => a.id);
    await env.startWatcher(events, { baselineIntervalMs: 600_000 });
    // A run that waits all along keeps the watcher's activity running, so later registrations do not start it
    // (its first read is immediate): after that first read, only an event can trigger a read on this cluster.
    // Counted before the run registers: the watcher's first read may come before the activity is seen as started, and
    // may be shared with the registration's own check (one GET_AGENTS for both), so at least one read after this point.
    const before = eventsProxy.count('GET_AGENTS');
    await env.startWaiting(events, { kind: 'agentDrained', agentId: agentIds[7]! }, 3_600_000);
    await eventually(async () => (await watchActivityAttempt(env.watcher(events))) !== undefined, 'the watcher activity to start');
    await eventually(() => eventsProxy.count('GET_AGENTS') >= before + 1, 'the watcher\'s first read');
  });

  afterAll(async () => {
    await env?.close();
    await countProxy?.close();
    await eventsProxy?.close();
    await sim?.stop();
  });


  it('a run waiting for agentDrained is signalled by an event-triggered read soon after the simulator drains the agent', async () => {
    const agentId = agentIds[0]!;
    const run = await env.startWaiting(events, { kind: 'agentDrained', agentId });
    await eventually(async () => (await env.waits(events)).some((w) => w.workflowId === run.workflowId), 'the wait to be registered');
    const readsBefore = eventsProxy.count('GET_AGENTS');

    await env.clusters.master(events).drainAgent({ agentId, maxGracePeriodSeconds: 1 });
    let drainedAt = 0;
    await eventually(() => (sim.model.agents.get(agentId)?.drain?.state === 'DRAINED' ? (drainedAt = Date.now()) : false), 'the simulator to reach DRAINED', 20_000, 2);

    const result = await run.result();
    expect(result).toMatchObject({ met: true, observation: { agentId, drainState: 'DRAINED', deactivated: true, registered: true } });
    // The baseline of this cluster is 10 minutes: only the burst after the last TASK_KILLED can explain this.
    expect(result.metAt! - drainedAt).toBeLessThan(30_000); // typically ~0.1 s (docs/benchmarks.md); slack for a loaded machine
    expect(result.metAt! - drainedAt).toBeGreaterThanOrEqual(0);
    // A short burst, not a flood: at most the burst's 4 reads (+1 for the run's own check at its deadline, not reached).
    expect(eventsProxy.count('GET_AGENTS') - readsBefore).toBeLessThanOrEqual(5);
    // The run cancelled its registration, and the watcher dropped the wait it had signalled.
    await eventually(async () => !(await env.waits(events)).some((w) => w.workflowId === run.workflowId), 'the wait to be removed');
  });

  it('agentRemoved and agentOnMachine: an agent marked gone, then back on its machine under a new id', async () => {
    const old = sim.model.agents.get(agentIds[1]!)!;
    const removed = await env.startWaiting(events, { kind: 'agentRemoved', agentId: old.id });
    const back = await env.startWaiting(events, { kind: 'agentOnMachine', hostname: old.hostname.toUpperCase(), ip: old.ip, excludeAgentId: old.id });
    await eventually(async () => (await env.waits(events)).length >= 2, 'both waits to be registered');

    await env.clusters.master(events).markAgentGone({ agentId: old.id });
    const gone = await removed.result();
    expect(gone).toMatchObject({ met: true, observation: { agentId: old.id, registered: false } });
    expect(await back.query<string>('phase')).toBe('waiting');

    const newId = await sim.restartAgent(old.id);
    expect(newId).toBeDefined();
    expect(newId).not.toBe(old.id);
    const returned = await back.result();
    expect(returned).toMatchObject({ met: true, observation: { agentId: newId, ip: old.ip, registered: true, active: true } });
    // Noticed through AGENT_ADDED (the baseline is 10 minutes).
    expect(returned.metAt! - returned.startedAt).toBeLessThan(60_000);
  });

  it('20 runs waiting on one cluster cost the master one GET_AGENTS per 5 s, and share one watcher', async () => {
    const ids = agentIds.slice(2, 7);
    const beforeRegistering = countProxy.count('GET_AGENTS');
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => env.startWaiting(counted, { kind: 'agentDrained', agentId: ids[i % ids.length]! }, 600_000)));
    await eventually(async () => (await env.waits(counted)).length === 20 || undefined, '20 waits registered', 60_000, 200);
    await eventually(async () => (await Promise.all(runs.map(settled))).every(Boolean), 'every run registered', 60_000, 200);
    // Registrations share reads: no run reads itself; the watcher reads new waits at most once per 1.5 s.
    expect(countProxy.count('GET_AGENTS') - beforeRegistering).toBeLessThan(10);
    const watcherRuns = await env.client.workflow.count(`WorkflowId = 'cluster-watcher/${counted}'`);
    expect(watcherRuns.count).toBe(1);

    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 12_000)); // the measurement window itself
    const elapsed = Date.now() - t0;
    const reads = countProxy.count('GET_AGENTS', t0);
    // No event concerns these waits (nothing drains): bursts 0, so at most one read per 5 s (+1 for the window edge).
    expect(reads).toBeLessThanOrEqual(Math.floor(elapsed / 5_000) + 1);
    expect(reads).toBeGreaterThanOrEqual(2); // it does poll
    expect(countProxy.count('SUBSCRIBE')).toBe(1); // one event stream for the whole cluster

    // Draining one agent signals exactly the runs waiting for it; the others keep waiting.
    const target = ids[0]!;
    const waitingForTarget = runs.filter((_, i) => ids[i % ids.length] === target);
    expect(waitingForTarget).toHaveLength(4);
    await env.clusters.master(counted).drainAgent({ agentId: target, maxGracePeriodSeconds: 0 });
    const results = await Promise.all(waitingForTarget.map((r) => r.result()));
    for (const r of results) expect(r).toMatchObject({ met: true, observation: { agentId: target, drainState: 'DRAINED' } });
    expect(await runs.find((r) => !waitingForTarget.includes(r))!.query<string>('phase')).toBe('waiting');
    await eventually(async () => (await env.waits(counted)).length === 16 || undefined, '16 waits left');

    // Cancelled runs remove their waits (waitFor cancels its registration even when the run is cancelled).
    const others = runs.filter((r) => !waitingForTarget.includes(r));
    await Promise.all(others.map((r) => r.cancel()));
    await eventually(async () => (await env.waits(counted)).length === 0 || undefined, 'every wait removed', 30_000, 200);
    expect(await watchActivityAttempt(env.watcher(counted))).toBeLessThanOrEqual(1);
  });

  it('the watcher continues as new carrying its waits, and the new run serves them', async () => {
    // A short heartbeat timeout: the SDK sends heartbeats (and learns of cancellation) every 80 % of it.
    const first = await env.startWatcher(renewed, { maxUpdatesPerRun: 2, baselineIntervalMs: 600_000, heartbeatTimeout: '5 seconds' });
    const a = await env.startWaiting(renewed, { kind: 'agentDrained', agentId: agentIds[3]! });
    await eventually(() => settled(a), 'the first run to wait');
    const b = await env.startWaiting(renewed, { kind: 'agentDrained', agentId: agentIds[4]! });
    await eventually(() => settled(b), 'the second run to wait');
    const firstRun = env.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
    await eventually(async () => (await firstRun.describe()).status.name === 'CONTINUED_AS_NEW', 'the watcher to continue as new', 30_000);
    expect((await env.waits(renewed)).map((w) => w.workflowId).sort()).toEqual([a.workflowId, b.workflowId].sort());

    await env.clusters.master(renewed).drainAgent({ agentId: agentIds[3]!, maxGracePeriodSeconds: 0 });
    await expect(a.result()).resolves.toMatchObject({ met: true, observation: { agentId: agentIds[3], drainState: 'DRAINED' } });
    expect(await b.query<string>('phase')).toBe('waiting');
    await b.cancel();
  });

  it('cancelWait removes a wait', async () => {
    const agentId = agentIds[6]!;
    const run = await env.client.workflow.start('registerThenCancelRun', {
      taskQueue: env.taskQueue,
      workflowId: uniqueName('cancel'),
      args: [{ cluster: events, condition: { kind: 'agentDrained', agentId } }],
    });
    const phase = await eventually(async () => {
      const p = await run.query<string>('phase');
      return p.startsWith('registered:') ? p : undefined;
    }, 'the run to register');
    const waitId = phase.slice('registered:'.length);
    expect((await env.waits(events)).map((w) => w.waitId)).toContain(waitId);
    await run.signal('release');
    await expect(run.result()).resolves.toEqual({ waitId, metBeforeCancel: false });
    await eventually(async () => !(await env.waits(events)).some((w) => w.waitId === waitId), 'the wait to be cancelled');
  });

  it('the watcher refuses a malformed wait, naming the field; a run with a malformed condition fails at once', async () => {
    const handle = env.watcher(events);
    const bad = { waitId: 'w1', workflowId: 'x', runId: 'r', condition: { kind: 'agentDrained', agentId: '' } };
    const err = await handle.executeUpdate('registerWait', { args: [{ waits: [bad] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain('waits.0.condition.agentId: must be a non-empty agent id');
    const err2 = await handle.executeUpdate('registerWait', { args: [{ waits: [{ ...bad, condition: { kind: 'agentVanished', agentId: 'S1' } }] }] }).catch((e: unknown) => e);
    expect(String((err2 as WorkflowUpdateFailedError).cause?.message)).toContain('waits.0.condition.kind: must be one of agentDrained');
    expect((await env.waits(events)).some((w) => w.waitId === 'w1')).toBe(false);

    const run = await env.client.workflow.start('waitingRun', {
      taskQueue: env.taskQueue,
      workflowId: uniqueName('bad'),
      args: [{ cluster: events, condition: { kind: 'agentOnMachine', hostname: 'h' }, timeoutMs: 1000 }],
    });
    const failure = await run.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_INPUT');
    expect(cause.message).toContain('ip: must be an ip string');
  });

  it('a condition that already holds is met by the run\'s own check; two waits in one run get distinct ids', async () => {
    const active = agentIds[7]!;
    const run = await env.client.workflow.start('twoWaitsRun', {
      taskQueue: env.taskQueue,
      workflowId: uniqueName('two'),
      args: [{ cluster: events, first: { kind: 'agentActive', agentId: active }, second: { kind: 'agentRemoved', agentId: 'no-such-agent' }, timeoutMs: 30_000 }],
    });
    const [a, b] = await run.result();
    expect(a).toMatchObject({ met: true, observation: { agentId: active, active: true } });
    expect(b).toMatchObject({ met: true, observation: { agentId: 'no-such-agent', registered: false } });
  });

  it('a wait that times out reports the last direct check', async () => {
    const agentId = agentIds[6]!;
    const run = await env.startWaiting(events, { kind: 'agentDrained', agentId }, 1_500);
    const result = await run.result();
    expect(result).toMatchObject({ met: false, observation: { agentId, drainState: 'NONE', registered: true } });
    expect(result.endedAt - result.startedAt).toBeGreaterThanOrEqual(1_500);
  });
});
