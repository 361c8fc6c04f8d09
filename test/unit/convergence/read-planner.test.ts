import { LiveTasks } from '../../../src/convergence/live-tasks';
import { ReadPlanner } from '../../../src/convergence/read-planner';

/** Drives a planner over simulated time, reading whenever a read is due; returns the read times and kinds. */
function simulate(planner: ReadPlanner, untilMs: number, events: Record<number, string[]> = {}, resolveAt: Record<number, string[]> = {}) {
  const reads: { at: number; kind: string }[] = [];
  for (let now = 0; now <= untilMs; now += 10) {
    if (events[now]) planner.event(now, events[now]);
    if (resolveAt[now]) planner.resolved(resolveAt[now]);
    const kind = planner.due(now);
    if (kind) {
      planner.read(now, kind);
      reads.push({ at: now, kind });
    }
  }
  return reads;
}

describe('ReadPlanner', () => {
  it('reads at once, then at most once per baseline interval', () => {
    const reads = simulate(new ReadPlanner({ baselineIntervalMs: 5_000 }), 30_000);
    expect(reads.map((r) => r.at)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
    expect(reads.every((r) => r.kind === 'baseline')).toBe(true);
  });

  it('an event plans a burst of reads at +100, +250, +500, +1000 ms', () => {
    const reads = simulate(new ReadPlanner(), 4_000, { 1_000: ['w1'] });
    expect(reads).toEqual([
      { at: 0, kind: 'baseline' },
      { at: 1_100, kind: 'burst' },
      { at: 1_250, kind: 'burst' },
      { at: 1_500, kind: 'burst' },
      { at: 2_000, kind: 'burst' },
    ]);
  });

  it('a burst read postpones the next baseline read (still at most one baseline per interval)', () => {
    const reads = simulate(new ReadPlanner(), 8_000, { 1_000: ['w1'] });
    expect(reads.at(-1)).toEqual({ at: 7_000, kind: 'baseline' });
  });

  it('stops a burst as soon as the waits it was for are resolved', () => {
    const planner = new ReadPlanner();
    const reads = simulate(planner, 3_000, { 1_000: ['w1'] }, { 1_150: ['w1'] });
    expect(reads.filter((r) => r.kind === 'burst').map((r) => r.at)).toEqual([1_100]);
    expect(planner.plannedCount).toBe(0);
  });

  it('keeps a burst while another wait it concerns is pending', () => {
    const reads = simulate(new ReadPlanner(), 3_000, { 1_000: ['w1', 'w2'] }, { 1_150: ['w1'] });
    expect(reads.filter((r) => r.kind === 'burst').map((r) => r.at)).toEqual([1_100, 1_250, 1_500, 2_000]);
  });

  it('caps burst reads per window however many events arrive', () => {
    const events: Record<number, string[]> = {};
    for (let t = 100; t < 5_000; t += 50) events[t] = [`w${t}`];
    const planner = new ReadPlanner({ burst: { maxReads: 10, windowMs: 5_000 } });
    const reads = simulate(planner, 4_990, events);
    expect(reads.filter((r) => r.kind === 'burst')).toHaveLength(10);
    expect(planner.stats.burstReadsCapped).toBeGreaterThan(0);
    // In any 5 s window at most 10 burst reads, over a longer run too.
    const long = simulate(new ReadPlanner(), 20_000, Object.fromEntries(Array.from({ length: 390 }, (_, i) => [100 + i * 50, [`e${i}`]])));
    const bursts = long.filter((r) => r.kind === 'burst').map((r) => r.at);
    for (const t of bursts) expect(bursts.filter((u) => u >= t && u < t + 5_000).length).toBeLessThanOrEqual(10);
  });

  it('merges close reads of different events', () => {
    const reads = simulate(new ReadPlanner(), 3_000, { 1_000: ['a'], 1_010: ['b'] });
    expect(reads.filter((r) => r.kind === 'burst').map((r) => r.at)).toEqual([1_100, 1_250, 1_500, 2_000]);
  });

  it('retain forgets bursts for waits that no longer exist; nextAt says when to wake', () => {
    const planner = new ReadPlanner();
    expect(planner.nextAt()).toBe(-Infinity);
    planner.read(0, 'baseline');
    expect(planner.nextAt()).toBe(5_000);
    planner.event(1_000, ['gone']);
    expect(planner.nextAt()).toBe(1_100);
    planner.retain(new Set(['other']));
    expect(planner.plannedCount).toBe(0);
    expect(planner.nextAt()).toBe(5_000);
  });
});

describe('LiveTasks', () => {
  it('reports the terminal update of an agent\'s last live task', () => {
    const tasks = new LiveTasks();
    tasks.reset([
      { taskId: 't1', agentId: 'S1', state: 'TASK_RUNNING' },
      { taskId: 't2', agentId: 'S1', state: 'TASK_RUNNING' },
      { taskId: 't3', agentId: 'S2', state: 'TASK_FINISHED' },
    ]);
    expect(tasks.liveCount('S1')).toBe(2);
    expect(tasks.liveCount('S2')).toBe(0);
    expect(tasks.update({ taskId: 't1', state: 'TASK_KILLING' })).toEqual({ agentId: 'S1', lastLiveEnded: false });
    expect(tasks.update({ taskId: 't1', state: 'TASK_KILLED' })).toEqual({ agentId: 'S1', lastLiveEnded: false });
    expect(tasks.update({ taskId: 't2', agentId: 'S1', state: 'TASK_GONE_BY_OPERATOR' })).toEqual({ agentId: 'S1', lastLiveEnded: true });
    expect(tasks.liveCount('S1')).toBe(0);
  });

  it('an unknown task with an agent id counts as that agent\'s last; one without is ignored', () => {
    const tasks = new LiveTasks();
    expect(tasks.update({ taskId: 'x', agentId: 'S9', state: 'TASK_LOST' })).toEqual({ agentId: 'S9', lastLiveEnded: true });
    expect(tasks.update({ taskId: 'y', state: 'TASK_LOST' })).toEqual({ lastLiveEnded: false });
  });
});
