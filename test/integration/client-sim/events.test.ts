/**
 * SUBSCRIBE through the typed client against the simulator: SUBSCRIBED then HEARTBEAT, then the events of drains,
 * maintenance, mark-gone, teardown and leader failover, as shared/spec/mesos-semantics.md §3 describes them.
 */
import { MasterClient, type Agent, type MasterEvent, type MasterEventStream } from '../../../src/mesos';
import type { SimCluster } from '../../../src/sim';
import { clientFor, idOf, machineOf, startSim, until } from './helpers';

/** Master call types this file exercises through the client (checked by coverage.test.ts). */
export const EXERCISED_EVENT_CALLS = ['SUBSCRIBE'] as const;

type Of<T extends MasterEvent['type']> = Extract<MasterEvent, { type: T }>;

/** A SUBSCRIBE stream pumped in the background into `events`. */
class Recorder {
  readonly events: MasterEvent[] = [];
  error: unknown;
  readonly done: Promise<void>;

  constructor(readonly stream: MasterEventStream) {
    this.done = (async () => {
      try {
        for await (const e of stream) this.events.push(e);
      } catch (err) {
        this.error = err;
      }
    })();
  }

  of<T extends MasterEvent['type']>(type: T): Of<T>[] {
    return this.events.filter((e): e is Of<T> => e.type === type);
  }

  /** Waits for an event of `type` after index `from` that satisfies `pred`. */
  next<T extends MasterEvent['type']>(type: T, pred: (e: Of<T>) => boolean = () => true, from = 0, what: string = type): Promise<Of<T>> {
    return until(() => {
      if (this.error) throw this.error;
      return this.events.slice(from).find((e): e is Of<T> => e.type === type && pred(e as Of<T>));
    }, what);
  }

  async close(): Promise<void> {
    this.stream.close();
    await this.done;
  }
}

describe('SUBSCRIBE through the client', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  let rec: Recorder;
  let agents: Agent[];
  const SECOND = 1_000_000_000n;

  const tasksOn = async (id: string): Promise<{ task: string; framework: string }[]> =>
    (await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === id).map((t) => ({ task: t.task_id.value, framework: t.framework_id.value }));

  beforeAll(async () => {
    sim = await startSim({ masters: 2, agents: 5, tasksPerAgent: 2, frameworks: 2, timeScale: 100, heartbeatIntervalSeconds: 15, agentReregisterSeconds: 10 });
    mesos = clientFor(sim);
    agents = (await mesos.getAgents()).agents;
    rec = new Recorder(mesos.subscribe({ backoff: { initialMs: 20, maxMs: 200 } }));
  });
  afterAll(async () => {
    await rec.close();
    await mesos.close();
    await sim.stop();
  });

  it('starts with SUBSCRIBED (the GET_STATE snapshot, exact int64) and a HEARTBEAT right after it', async () => {
    await until(() => rec.events.length >= 2, 'two events');
    const [first, second] = rec.events;
    expect(first?.type).toBe('SUBSCRIBED');
    expect(second?.type).toBe('HEARTBEAT');
    const sub = first as Of<'SUBSCRIBED'>;
    expect(sub.subscribed.heartbeat_interval_seconds).toBe(15);
    const snap = sub.subscribed.get_state;
    expect(snap.get_agents.agents.map(idOf).sort()).toEqual(agents.map(idOf).sort());
    expect(snap.get_tasks.tasks).toHaveLength(10);
    expect(snap.get_frameworks.frameworks).toHaveLength(2);
    const a = snap.get_agents.agents[0] as Agent;
    expect(a.registered_time?.nanoseconds).toBe(sim.model.agents.get(idOf(a))?.registeredNs);
  });

  it('sends periodic HEARTBEATs (every 15 simulated seconds)', async () => {
    await until(() => rec.of('HEARTBEAT').length >= 3, 'periodic heartbeats');
  });

  it('DRAIN_AGENT: TASK_UPDATED TASK_KILLING then TASK_KILLED (REASON_AGENT_DRAINING), replacements TASK_ADDED; no AGENT_REMOVED', async () => {
    const id = idOf(agents[0] as Agent);
    const tasks = await tasksOn(id);
    const from = rec.events.length;
    await mesos.drainAgent({ agentId: id, maxGracePeriodSeconds: 1 });
    for (const { task, framework } of tasks) {
      const killing = await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task && e.task_updated.state === 'TASK_KILLING', from);
      const killed = await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task && e.task_updated.state === 'TASK_KILLED', from);
      expect(rec.events.indexOf(killing)).toBeLessThan(rec.events.indexOf(killed));
      expect(killed.task_updated.framework_id.value).toBe(framework);
      expect(killed.task_updated.status.reason).toBe('REASON_AGENT_DRAINING');
      expect(killing.task_updated.status.reason).toBe('REASON_AGENT_DRAINING');
      expect(killed.task_updated.status.agent_id?.value).toBe(id);
    }
    // Marathon replaces its killed tasks elsewhere.
    const added = await rec.next('TASK_ADDED', (e) => e.task_added.task.agent_id.value !== id, from);
    expect(added.task_added.task.state).toBe('TASK_STAGING');
    await until(async () => (await mesos.getAgents()).agents.find((a) => idOf(a) === id)?.drain_info?.state === 'DRAINED', 'DRAINED');
    expect(rec.of('AGENT_REMOVED')).toEqual([]);
  });

  it('START_MAINTENANCE: TASK_UPDATED TASK_LOST and AGENT_REMOVED; STOP_MAINTENANCE: AGENT_ADDED for the returning machine', async () => {
    const a = agents[1] as Agent;
    const machine = machineOf(a);
    const tasks = await tasksOn(idOf(a));
    const from = rec.events.length;
    await mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: BigInt(Date.now()) * 1_000_000n } } }] });
    await mesos.startMaintenance({ machines: [machine] });
    const removed = await rec.next('AGENT_REMOVED', (e) => e.agent_removed.agent_id.value === idOf(a), from);
    expect(removed.agent_removed.agent_id.value).toBe(idOf(a));
    for (const { task } of tasks) {
      const lost = await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task && e.task_updated.state === 'TASK_LOST', from);
      expect([lost.task_updated.state, lost.task_updated.status.reason]).toEqual(['TASK_LOST', 'REASON_AGENT_REMOVED']);
    }
    const afterRemove = rec.events.length;
    await mesos.stopMaintenance({ machines: [machine] });
    const back = await rec.next('AGENT_ADDED', (e) => e.agent_added.agent.agent_info.hostname === machine.hostname, afterRemove);
    expect(idOf(back.agent_added.agent)).not.toBe(idOf(a));
    expect(back.agent_added.agent.active).toBe(true);
    expect(machineOf(back.agent_added.agent)).toEqual(machine);
    expect(typeof back.agent_added.agent.registered_time?.nanoseconds).toBe('bigint');
  });

  it('DRAIN_AGENT with mark_gone: TASK_GONE_BY_OPERATOR, the agent vanishes, and no AGENT_REMOVED', async () => {
    const id = idOf(agents[2] as Agent);
    const tasks = await tasksOn(id);
    const from = rec.events.length;
    await mesos.drainAgent({ agentId: id, markGone: true });
    for (const { task } of tasks) {
      const gone = await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task && e.task_updated.state !== 'TASK_KILLING', from);
      expect(gone.task_updated.state).toBe('TASK_GONE_BY_OPERATOR');
    }
    await until(async () => !(await mesos.getAgents()).agents.some((a) => idOf(a) === id), 'the agent to be gone');
    // Anything published for the mark-gone precedes the FRAMEWORK_REMOVED of the next test; it is checked there.
  });

  it('TEARDOWN: FRAMEWORK_REMOVED (and by then no AGENT_REMOVED was sent for the gone agent)', async () => {
    const fws = (await mesos.getFrameworks()).frameworks;
    const victim = fws.find((f) => f.framework_info.name !== 'marathon');
    const fid = victim?.framework_info.id?.value as string;
    const from = rec.events.length;
    await mesos.teardown({ frameworkId: fid });
    const ev = await rec.next('FRAMEWORK_REMOVED', (e) => e.framework_removed.framework_info.id?.value === fid, from);
    expect(ev.framework_removed.framework_info.name).toBe(victim?.framework_info.name);
    const goneId = idOf(agents[2] as Agent);
    expect(rec.of('AGENT_REMOVED').map((e) => e.agent_removed.agent_id.value)).not.toContain(goneId);
  });

  it('MARK unreachable: TASK_UPDATED TASK_UNREACHABLE without AGENT_REMOVED', async () => {
    const id = idOf(agents[3] as Agent);
    const tasks = await tasksOn(id);
    expect(tasks.length).toBeGreaterThan(0);
    const from = rec.events.length;
    sim.makeUnreachable(id);
    for (const { task } of tasks) {
      const u = await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task && e.task_updated.state === 'TASK_UNREACHABLE', from);
      expect(u.task_updated.state).toBe('TASK_UNREACHABLE');
    }
    expect(rec.of('AGENT_REMOVED').map((e) => e.agent_removed.agent_id.value)).not.toContain(id);
  });

  it('an agent process that restarts before it is unreachable re-registers silently (no AGENT_ADDED, no AGENT_REMOVED)', async () => {
    const id = idOf(agents[4] as Agent);
    const from = rec.events.length;
    sim.stopAgent(id);
    expect(await sim.restartAgent(id)).toBe(id);
    await until(async () => (await mesos.getAgents()).agents.find((a) => idOf(a) === id)?.active === true, 'the agent to be active again');
    // A sentinel: events are ordered, so anything the restart published precedes the drain's TASK_UPDATEDs.
    const [task] = await tasksOn(id);
    await mesos.drainAgent({ agentId: id });
    await rec.next('TASK_UPDATED', (e) => e.task_updated.status.task_id.value === task?.task, from, 'the sentinel TASK_UPDATED');
    const about = rec.events.slice(from).filter(
      (e) => (e.type === 'AGENT_ADDED' && idOf(e.agent_added.agent) === id) || (e.type === 'AGENT_REMOVED' && e.agent_removed.agent_id.value === id),
    );
    expect(about).toEqual([]);
    await until(async () => (await mesos.getAgents()).agents.find((a) => idOf(a) === id)?.drain_info?.state === 'DRAINED', 'DRAINED');
  });

  it('TASK_UPDATED is sent only when a task\'s state changes (same-state updates are collapsed)', () => {
    const last = new Map<string, string>();
    for (const e of rec.events) {
      if (e.type === 'SUBSCRIBED') {
        last.clear();
        for (const t of e.subscribed.get_state.get_tasks.tasks) last.set(t.task_id.value, t.state);
      }
      if (e.type === 'TASK_ADDED') last.set(e.task_added.task.task_id.value, e.task_added.task.state);
      if (e.type !== 'TASK_UPDATED') continue;
      const id = e.task_updated.status.task_id.value;
      expect(`${id} ${e.task_updated.state}`).not.toBe(`${id} ${last.get(id) ?? ''}`);
      last.set(id, e.task_updated.state);
    }
    expect(rec.of('TASK_UPDATED').length).toBeGreaterThan(5);
  });

  it('follows a failover: the stream ends, the client re-subscribes to the new leader (fresh SUBSCRIBED), agents re-register with AGENT_ADDED', async () => {
    const subscribedBefore = rec.of('SUBSCRIBED').length;
    const from = rec.events.length;
    const registered = (await mesos.getAgents()).agents.map(idOf);
    const liveTasks = (await mesos.getTasks()).tasks.map((t) => t.task_id.value);
    const newLeader = await sim.failover();
    const sub = await rec.next('SUBSCRIBED', () => true, from, 'a fresh SUBSCRIBED');
    expect(rec.of('SUBSCRIBED').length).toBe(subscribedBefore + 1);
    expect(rec.events[rec.events.indexOf(sub) + 1]?.type ?? 'HEARTBEAT').toBe('HEARTBEAT');
    expect(mesos.leader).toBe(newLeader);
    // Right after failover, agents are recovered (not yet re-registered). Each comes back with AGENT_ADDED and its
    // tasks with TASK_ADDED (spec §3), unless it re-registered before this subscription (then the snapshot has it).
    const snap = sub.subscribed.get_state;
    const inSnapshot = new Set(snap.get_agents.agents.map(idOf));
    const recoveredInSnapshot = new Set(snap.get_agents.recovered_agents.map((a) => a.id?.value));
    for (const id of registered) {
      if (inSnapshot.has(id)) continue;
      expect(recoveredInSnapshot.has(id)).toBe(true);
      await rec.next('AGENT_ADDED', (e) => idOf(e.agent_added.agent) === id, from, `AGENT_ADDED ${id}`);
    }
    const tasksInSnapshot = new Set(snap.get_tasks.tasks.map((t) => t.task_id.value));
    for (const t of liveTasks) {
      if (!tasksInSnapshot.has(t)) await rec.next('TASK_ADDED', (e) => e.task_added.task.task_id.value === t, from, `TASK_ADDED ${t}`);
    }
    const now = await mesos.getAgents();
    expect(now.recovered_agents).toEqual([]);
    expect(now.agents.map(idOf).sort()).toEqual([...registered].sort());
    // The drain state of the DRAINED agent survived in the registry; estimated_drain_start_time did not (spec §4).
    const drained = now.agents.find((a) => idOf(a) === idOf(agents[0] as Agent));
    expect(drained?.drain_info?.state).toBe('DRAINED');
    expect(drained?.drain_info?.config.max_grace_period?.nanoseconds).toBe(1n * SECOND);
    expect(drained?.estimated_drain_start_time).toBeUndefined();
    expect(rec.error).toBeUndefined();
  });
});

describe('SUBSCRIBE resilience through the client', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 2, tasksPerAgent: 1, maxSubscribers: 1 });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('a dropped stream is re-opened with a fresh SUBSCRIBED', async () => {
    sim.setFault({ rules: [{ calls: ['SUBSCRIBE'], dropStreamAfterMs: 100 }] });
    const rec = new Recorder(mesos.subscribe({ backoff: { initialMs: 10, maxMs: 50 } }));
    try {
      await until(() => rec.of('SUBSCRIBED').length >= 2, 'a second SUBSCRIBED after the drop');
      expect(rec.error).toBeUndefined();
    } finally {
      sim.setFault({ rules: [] });
      await rec.close();
    }
  });

  it('beyond --max_operator_event_stream_subscribers the oldest stream is closed (without reconnect its iteration ends)', async () => {
    const old = new Recorder(mesos.subscribe({ reconnect: false }));
    try {
      await old.next('SUBSCRIBED');
      const fresh = new Recorder(mesos.subscribe({ reconnect: false }));
      try {
        await fresh.next('SUBSCRIBED');
        // The oldest stream ends: without reconnect its iteration finishes.
        await old.done;
        expect(old.error).toBeUndefined();
        expect(old.of('SUBSCRIBED')).toHaveLength(1);
        await fresh.next('HEARTBEAT');
      } finally {
        await fresh.close();
      }
    } finally {
      await old.close();
    }
  });
});
