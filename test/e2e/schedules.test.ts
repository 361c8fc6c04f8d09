import { parseConfig } from '../../src/config';
import { WINDOW_PAUSED_PHASE, temporalScheduleId, type Progress } from '../../src/contracts';
import { ScheduleManager } from '../../src/schedules/manage';
import { clockGaps, wallTime } from '../../src/schedules/time';
import { RunbookClient } from '../../src/temporal/control';
import { windowedWork } from '../helpers/kit-runbooks';
import { addTestRunbook } from '../helpers/catalog-extra';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { uniqueName } from '../helpers/temporal';
import type { ScheduledFiringResult } from '../../workflows/scheduled-firing';

// The configuration's schedules as Temporal Schedules on the real dev server: sync (diff, dry run, idempotent, owns
// only what it created), preview from the server's own firing times (exclusions, 2nd Tuesday, the daylight-saving
// rule), a window's firing resuming the schedule's run paused at its last window's end, and firings waiting while
// the cluster is frozen.
describe('schedules', () => {
  let env: RunbookEnv;
  const tag = uniqueName('s').toLowerCase().replace(/[^a-z0-9-]/g, '');
  beforeAll(async () => {
    addTestRunbook(windowedWork);
    env = await runbookEnv({ agents: 3, tasksPerAgent: 0 }, { workflowsPath: require.resolve('../helpers/kit-runbooks') });
  });
  afterAll(async () => {
    await new ScheduleManager({ client: env.client, taskQueue: env.taskQueue, schedules: [] }).sync({ dryRun: false }).catch(() => undefined);
    await env?.stop();
  });

  const host = () => [...env.sim.model.agents.values()][0]!.hostname;
  const manager = (schedules: unknown[]) =>
    new ScheduleManager({ client: env.client, taskQueue: env.taskQueue, schedules: parseConfig({ clusters: { x: { masters: ['http://127.0.0.1:1'] } }, schedules }).schedules });
  const drainSchedule = (id: string, cron: string) => ({ id, runbook: 'drainAgent', input: { cluster: env.cluster, hostname: host(), reason: 'weekly drain' }, cron, timeZone: 'Europe/Berlin', exclude: ['2030-12-25'] });

  it('sync prints the diff, changes nothing with --dry-run, is idempotent, and leaves schedules it did not create alone', async () => {
    const a = `${tag}-a`;
    const b = `${tag}-b`;
    await env.client.schedule.create({ scheduleId: temporalScheduleId(`${tag}-foreign`), spec: { cronExpressions: ['0 3 * * *'] }, action: { type: 'startWorkflow', workflowType: 'none', taskQueue: env.taskQueue, args: [] }, state: { paused: true } });
    const dry = await manager([drainSchedule(a, '0 2 * * 0'), drainSchedule(b, '0 4 * * 0')]).sync({ dryRun: true });
    expect(dry.map((c) => [c.op, c.id])).toEqual([['create', a], ['create', b]]);
    expect([...(await manager([]).managed()).keys()]).toEqual([]);

    const first = await manager([drainSchedule(a, '0 2 * * 0'), drainSchedule(b, '0 4 * * 0')]).sync({ dryRun: false });
    expect(first.map((c) => c.op)).toEqual(['create', 'create']);
    const again = await manager([drainSchedule(a, '0 2 * * 0'), drainSchedule(b, '0 4 * * 0')]).sync({ dryRun: false });
    expect(again.map((c) => c.op)).toEqual(['unchanged', 'unchanged']);

    const d = await env.client.schedule.getHandle(temporalScheduleId(a)).describe();
    expect(d.policies).toMatchObject({ overlap: 'SKIP', pauseOnFailure: true, catchupWindow: 600_000 });
    expect(d.spec.skip?.[0]).toMatchObject({ year: [{ start: 2030, end: 2030, step: 1 }], dayOfMonth: [{ start: 25, end: 25, step: 1 }] });

    // A delete is found through the list (visibility), which shows a new schedule about a second after its create.
    const listed = async () => [...(await manager([]).managed()).keys()].sort();
    await eventually('both schedules listed', async () => (await listed()).length === 2);

    const changed = await manager([drainSchedule(a, '30 2 * * 0')]).sync({ dryRun: false });
    expect(changed.map((c) => [c.op, c.id])).toEqual([['update', a], ['delete', b]]);
    await eventually('the deleted schedule gone from the list', async () => (await listed()).length === 1);
    expect(await listed()).toEqual([temporalScheduleId(a)]);
    // The foreign schedule with our prefix but without our marker is still there.
    await expect(env.client.schedule.getHandle(temporalScheduleId(`${tag}-foreign`)).describe()).resolves.toBeDefined();
    await env.client.schedule.getHandle(temporalScheduleId(`${tag}-foreign`)).delete();
  });

  it('bad schedules are refused before anything changes, each problem naming its field', async () => {
    expect(() => parseConfig({ clusters: { x: { masters: ['http://127.0.0.1:1'] } }, schedules: [{ id: 'Bad Id', runbook: 'drainAgent', cron: '0 2 *', timeZone: 'Mars/Olympus', window: { durationMinutes: 60, cutoffMinutes: 90 }, exclude: ['25.12.2026'] }] })).toThrow(
      /schedules\.0\.id: lower-case letters[\s\S]*schedules\.0\.cron: five fields[\s\S]*schedules\.0\.timeZone: an IANA time zone[\s\S]*schedules\.0\.window: cutoffMinutes must be less than durationMinutes[\s\S]*schedules\.0\.exclude\.0: a date YYYY-MM-DD/,
    );
    await expect(manager([{ id: `${tag}-x`, runbook: 'nope', cron: '0 2 * * 0' }, { id: `${tag}-y`, runbook: 'drainAgent', input: { hostname: 'h', reactivate: 'yes' }, cron: '0 2 * * 0' }]).sync({ dryRun: false })).rejects.toThrow(
      /schedules\.0\.runbook: unknown runbook 'nope' \(available: [\s\S]*schedules\.1\.input\.reason: required[\s\S]*schedules\.1\.input\.reactivate: must be true or false/,
    );
    const keys = [...(await manager([]).managed()).keys()];
    expect(keys.filter((k) => k.endsWith(`${tag}-x`) || k.endsWith(`${tag}-y`))).toEqual([]);
  });

  it("preview lists the server's own windows: the 2nd Tuesday, exclusions, and the daylight-saving rule (a skipped start opens at the same instant, a repeated one once)", async () => {
    const now = Date.now();
    const gap = clockGaps('Europe/Berlin', now, now + 400 * 86_400_000)[0]!;
    const gapDay = new Date(gap.at).toISOString().slice(0, 10); // the spring-forward Sunday (local = UTC date at 01:00Z)
    const dayAfter = new Date(gap.at + 86_400_000).toISOString().slice(0, 10);
    const id = `${tag}-dst`;
    const tuesday = `${tag}-tue`;
    const m = manager([
      { id, runbook: 'windowedWork', input: { cluster: env.cluster, hostname: host(), reason: 'nightly' }, calendar: { hour: 2, minute: 30 }, timeZone: 'Europe/Berlin', window: { durationMinutes: 120, cutoffMinutes: 30 }, exclude: [dayAfter], paused: true },
      { id: tuesday, runbook: 'windowedWork', input: { cluster: env.cluster, hostname: host(), reason: 'rack r1' }, calendar: { dayOfMonth: { start: 8, end: 14 }, dayOfWeek: 'TUESDAY', hour: 22 }, timeZone: 'Europe/Berlin', window: { durationMinutes: 360, cutoffMinutes: 60 }, paused: true },
    ]);
    const changes = await m.sync({ dryRun: false });
    expect(changes.find((c) => c.id === id)?.notes.join('\n')).toContain(`${gapDay} 02:30 does not exist in Europe/Berlin: opens ${gapDay}T03:30:00+02:00`);

    const windows = await m.preview({ id, count: 4, from: gap.at - 2 * 86_400_000 });
    const starts = windows.map((w) => w.start);
    expect(starts[0]).toMatch(/T02:30:00\+01:00$/);
    expect(starts).toContain(`${gapDay}T03:30:00+02:00`);
    expect(starts.some((s) => s.startsWith(dayAfter))).toBe(false); // excluded
    const shifted = windows.find((w) => w.start.startsWith(gapDay))!;
    expect(shifted).toMatchObject({ end: `${gapDay}T05:30:00+02:00`, lastStart: `${gapDay}T05:00:00+02:00`, touches: `${env.cluster}: ${host()}` });
    expect(shifted.note).toMatch(/daylight saving/);

    // The fall-back night: 02:30 happens twice on the wall clock; the window opens once, at the second (standard time).
    let fallBack = gap.at + 100 * 86_400_000;
    while (!(wallTime('Europe/Berlin', fallBack).offsetMinutes === 60 && wallTime('Europe/Berlin', fallBack - 3600_000).offsetMinutes === 120)) fallBack += 3600_000;
    const fallDay = new Date(fallBack).toISOString().slice(0, 10);
    const autumn = await m.preview({ id, count: 3, from: fallBack - 86_400_000 });
    expect(autumn.filter((w) => w.start.startsWith(fallDay)).map((w) => w.start)).toEqual([`${fallDay}T02:30:00+01:00`]);

    const tuesdays = await m.preview({ id: tuesday, count: 3 });
    expect(tuesdays).toHaveLength(3);
    for (const w of tuesdays) {
      const day = Number(w.start.slice(8, 10));
      expect(day >= 8 && day <= 14).toBe(true);
      expect(new Date(w.start).getUTCDay()).toBe(2); // 22:00 in Berlin is 20:00 or 21:00 UTC: the same Tuesday
      expect(w.start).toMatch(/T22:00:00\+0[12]:00$/);
    }
  });

  it("a window's firing passes the window; the next firing resumes the run paused at its window's end instead of starting another", async () => {
    const id = `${tag}-win`;
    const m = manager([{ id, runbook: 'windowedWork', input: { cluster: env.cluster, hostname: host(), reason: 'rolling' }, calendar: { minute: { start: 0, end: 59 }, hour: { start: 0, end: 23 } }, timeZone: 'UTC', window: { durationMinutes: 2, cutoffMinutes: 1 }, paused: true }]);
    await m.sync({ dryRun: false });
    const handle = env.client.schedule.getHandle(temporalScheduleId(id));
    // A firing of 10 minutes ago (backfilled): its window is over, so its run pauses at the window's end at once.
    const past = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
    await handle.backfill([{ start: new Date(past), end: new Date(past + 30_000), overlap: 'ALLOW_ALL' as never }]);
    const runs = new RunbookClient({ client: env.client, taskQueue: env.taskQueue });
    let runId = '';
    await eventually('the backfilled firing started a run', async () => {
      const found = await runs.findRuns({ runbook: 'windowedWork', initiator: `schedule:${id}` });
      runId = found[0]?.workflowId ?? '';
      return found.length === 1;
    });
    const run = env.client.workflow.getHandle(runId);
    const paused = await progressUntil(run, (p) => p.phase === WINDOW_PAUSED_PHASE);
    expect(paused.steps.find((s) => s.name === 'unit 1')?.status).toBe('pending');
    await eventually('visibility shows the paused phase', async () => (await runs.findRuns({ runbook: 'windowedWork', phase: WINDOW_PAUSED_PHASE, initiator: `schedule:${id}` })).length === 1);

    await handle.trigger();
    await expect(run.result()).resolves.toBeDefined();
    const done = await run.query<Progress>('progress');
    expect(done.events?.find((e) => e.kind === 'waitEnded' && e.outcome === 'resumed')).toMatchObject({ by: `schedule:${id}` });
    expect((await runs.findRuns({ runbook: 'windowedWork', initiator: `schedule:${id}`, open: false })).map((r) => r.workflowId)).toEqual([runId]);
    const d = await handle.describe();
    const firings = d.info.recentActions.map((a) => a.action.workflow.workflowId);
    const results = await Promise.all(firings.map((w) => env.client.workflow.getHandle(w).result() as Promise<ScheduledFiringResult>));
    expect(results.map((r) => r.action).sort()).toEqual(['resumed', 'started']);
    expect(results.find((r) => r.action === 'started')!.window).toMatchObject({ notBefore: new Date(past).toISOString(), notAfter: new Date(past + 120_000).toISOString(), minRemainingMinutes: 1 });
  });

  it('a firing waits while the cluster is frozen, and starts its run once it is lifted', async () => {
    const id = `${tag}-frz`;
    const m = manager([{ id, runbook: 'windowedWork', input: { cluster: env.cluster, hostname: host(), reason: 'frozen firing' }, cron: '0 3 1 1 *', timeZone: 'UTC', paused: true }]);
    await m.sync({ dryRun: false });
    const ops = new RunbookClient({ client: env.client, taskQueue: env.taskQueue, identity: 'oncall', clusters: env.clusters });
    await ops.freeze(env.cluster, { until: new Date(Date.now() + 3600_000).toISOString(), reason: 'change freeze' });
    const handle = env.client.schedule.getHandle(temporalScheduleId(id));
    await handle.trigger();
    let firing = '';
    await eventually('the firing started', async () => ((firing = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId ?? ''), firing !== ''));
    const runs = new RunbookClient({ client: env.client, taskQueue: env.taskQueue });
    // It stays open and starts nothing while frozen (its subscription is how it learns of the lift).
    await eventually('the firing subscribed to the freeze', async () => (await env.client.workflow.getHandle(firing).fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes) ?? false);
    expect((await env.client.workflow.getHandle(firing).describe()).status.name).toBe('RUNNING');
    expect(await runs.findRuns({ runbook: 'windowedWork', initiator: `schedule:${id}`, open: false })).toEqual([]);
    await ops.unfreeze(env.cluster);
    await expect(env.client.workflow.getHandle(firing).result()).resolves.toMatchObject({ action: 'started' });
  });
});
