/**
 * `mesos-runbooks schedules sync | list | preview | pause | resume | trigger` (docs/schedules.md): keeps Temporal
 * Schedules in step with the configuration's `schedules:`. Sync owns only the schedules it created (the id prefix
 * `mesos-runbooks/`, the memo `managedBy: mesos-runbooks` and the configuration's task queue: two installations on
 * one namespace with their own task queues leave each other's schedules alone); it is idempotent (a fingerprint of what it
 * controls, kept in the action's memo); it keeps a schedule's paused state as an operator left it. Preview reads the
 * server's own matching times, so exclusions, the calendar's AND of day of month and day of week, and the
 * daylight-saving rule are what the server will do.
 */
import { randomUUID } from 'node:crypto';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { runbookEntry, runbookNames } from '../catalog';
import { takesWindow } from '../catalog-fields';
import { formatIssues } from '../common/zod-issues';
import type { ScheduleConfig } from '../config/triggers';
import { SCHEDULE_ID_PREFIX, temporalScheduleId } from '../contracts';
import { baseSpec, desiredSchedule, MANAGED_BY, onceAt, type DesiredSchedule, type DstAddition } from './spec';
import { clockGaps, fixedOffsetZone, localIso, wallTime } from './time';

/** A schedule problem found before anything changes: every one names its field. */
export class ScheduleError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(readonly problems: string[]) {
    super(`schedules: invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScheduleError';
  }
}

export type SyncOp = 'create' | 'update' | 'delete' | 'unchanged';
export interface SyncChange {
  op: SyncOp;
  id: string;
  scheduleId: string;
  summary: string;
  /** The daylight-saving shifts in this schedule's spec (a start in a skipped hour). */
  notes: string[];
}

export interface PreviewWindow {
  id: string;
  runbook: string;
  /** ISO 8601 in the schedule's time zone. */
  start: string;
  end?: string;
  lastStart?: string;
  touches: string;
  note?: string;
}

/** How far ahead the daylight-saving rule adds shifted firings (sync again within a year). */
export const DST_HORIZON_DAYS = 400;

export class ScheduleManager {
  constructor(
    private readonly options: { client: Client; taskQueue: string; schedules: ScheduleConfig[]; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Every configured schedule checked against the catalog: runbook known, input valid for it. */
  validate(): void {
    const problems: string[] = [];
    this.options.schedules.forEach((s, i) => {
      const entry = runbookEntry(s.runbook);
      if (!entry) {
        problems.push(`schedules.${i}.runbook: unknown runbook '${s.runbook}' (available: ${runbookNames().join(', ')})`);
        return;
      }
      const parsed = entry.inputSchema.safeParse(s.input);
      if (!parsed.success) problems.push(...formatIssues(parsed.error).map((p) => `schedules.${i}.input.${p}`));
      if (s.window && takesWindow(entry.inputSchema) && ('notBefore' in s.input || 'notAfter' in s.input || 'window' in s.input)) {
        problems.push(`schedules.${i}.input: give no notBefore/notAfter: each firing passes its own window`);
      }
    });
    if (problems.length) throw new ScheduleError(problems);
  }

  /** What sync would do (and, unless `dryRun`, does). */
  async sync(options: { dryRun: boolean }): Promise<SyncChange[]> {
    this.validate();
    const existing = await this.managed();
    const changes: SyncChange[] = [];
    for (const s of this.options.schedules) {
      const desired = desiredSchedule(s, this.options.taskQueue, await this.dstAdditions(s));
      // The list comes from visibility, which lags a create by up to a second: one just created is read by its id.
      const current = existing.get(desired.scheduleId) ?? (await this.ours(desired.scheduleId));
      const entry = runbookEntry(s.runbook)!;
      const notes = [...desired.additions.map((a) => a.note), ...(s.window && !takesWindow(entry.inputSchema) ? [`${s.runbook} takes no window: its runs get no notBefore/notAfter`] : [])];
      if (!current) {
        changes.push({ op: 'create', id: s.id, scheduleId: desired.scheduleId, summary: desired.summary, notes });
        if (!options.dryRun) await this.options.client.schedule.create(desired.options);
        continue;
      }
      existing.delete(desired.scheduleId);
      const fingerprint = (current.action as { memo?: Record<string, unknown> }).memo?.fingerprint;
      if (fingerprint === desired.fingerprint) {
        changes.push({ op: 'unchanged', id: s.id, scheduleId: desired.scheduleId, summary: desired.summary, notes });
        continue;
      }
      changes.push({ op: 'update', id: s.id, scheduleId: desired.scheduleId, summary: desired.summary, notes });
      if (!options.dryRun) await this.update(desired);
    }
    for (const [scheduleId, d] of existing) {
      const id = String(d.memo?.id ?? scheduleId.slice(SCHEDULE_ID_PREFIX.length));
      changes.push({ op: 'delete', id, scheduleId, summary: 'no longer in the configuration', notes: [] });
      if (!options.dryRun) await this.options.client.schedule.getHandle(scheduleId).delete();
    }
    return changes;
  }

  private async update(desired: DesiredSchedule): Promise<void> {
    await this.options.client.schedule.getHandle(desired.scheduleId).update((prev) => ({
      ...prev,
      spec: desired.options.spec,
      action: desired.options.action as never,
      policies: desired.options.policies!,
      // The paused state and note stay as an operator left them.
    }));
  }

  /**
   * The schedules this project created, by Temporal Schedule id. The list comes from visibility, which lags: a
   * schedule deleted a moment ago may still be listed, and is skipped when reading it by id finds none.
   */
  async managed(): Promise<Map<string, ScheduleDescription>> {
    const found = new Map<string, ScheduleDescription>();
    for await (const summary of this.options.client.schedule.list()) {
      if (!summary.scheduleId.startsWith(SCHEDULE_ID_PREFIX) || summary.memo?.managedBy !== MANAGED_BY || summary.memo?.taskQueue !== this.options.taskQueue) continue;
      try {
        found.set(summary.scheduleId, await this.options.client.schedule.getHandle(summary.scheduleId).describe());
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    return found;
  }

  /** The schedule with this Temporal id if it exists and is ours (read by id: no visibility lag). */
  private async ours(scheduleId: string): Promise<ScheduleDescription | undefined> {
    try {
      const d = await this.options.client.schedule.getHandle(scheduleId).describe();
      return d.memo?.managedBy === MANAGED_BY && d.memo?.taskQueue === this.options.taskQueue ? d : undefined;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** One of ours by its configured id; refused (naming the known ones) otherwise. */
  async describe(id: string): Promise<ScheduleDescription> {
    const d = await this.ours(temporalScheduleId(id));
    if (d) return d;
    const known = this.options.schedules.map((s) => s.id);
    throw new ScheduleError([`id: no schedule '${id}' managed by mesos-runbooks on the server${known.includes(id) ? ' (it is configured: run mesos-runbooks schedules sync)' : ` (configured: ${known.join(', ') || 'none'})`}`]);
  }

  async pause(id: string, note: string): Promise<void> {
    await this.describe(id);
    await this.options.client.schedule.getHandle(temporalScheduleId(id)).pause(note);
  }

  async resume(id: string, note: string): Promise<void> {
    await this.describe(id);
    await this.options.client.schedule.getHandle(temporalScheduleId(id)).unpause(note);
  }

  /** Fires now (its window starts now), under the schedule's overlap policy. */
  async trigger(id: string): Promise<void> {
    await this.describe(id);
    await this.options.client.schedule.getHandle(temporalScheduleId(id)).trigger();
  }

  /**
   * The next `count` windows of one schedule (or of all, merged by time) from `from`, from the server's own matching
   * times: exclusions, calendar semantics and the daylight-saving shifts applied as the server will fire them.
   */
  async preview(options: { id?: string; count: number; from?: number }): Promise<PreviewWindow[]> {
    const configs = options.id ? this.options.schedules.filter((s) => s.id === options.id) : this.options.schedules;
    if (options.id && configs.length === 0) throw new ScheduleError([`id: no schedule '${options.id}' in the configuration (configured: ${this.options.schedules.map((s) => s.id).join(', ') || 'none'})`]);
    const from = options.from ?? this.now();
    const all: (PreviewWindow & { at: number })[] = [];
    for (const s of configs) {
      await this.describe(s.id);
      const times = await this.matchingTimes(temporalScheduleId(s.id), from, options.count);
      const gaps = clockGaps(s.timeZone, from - 86_400_000, (times.at(-1) ?? from) + 86_400_000);
      for (const at of times) {
        const gap = gaps.find((g) => at >= g.at && at < g.at + g.gapMinutes * 60_000);
        all.push({
          at,
          id: s.id,
          runbook: s.runbook,
          start: localIso(s.timeZone, at),
          ...(s.window
            ? { end: localIso(s.timeZone, at + s.window.durationMinutes * 60_000), lastStart: localIso(s.timeZone, at + (s.window.durationMinutes - s.window.cutoffMinutes) * 60_000) }
            : {}),
          touches: touches(s),
          ...(gap ? { note: `daylight saving: this start does not exist on the wall clock (the clock jumps ${gap.gapMinutes} min); opens at the same instant, ${localIso(s.timeZone, at).slice(11, 16)} new time` } : {}),
        });
      }
    }
    return all
      .sort((a, b) => a.at - b.at)
      .slice(0, options.count)
      .map(({ at: _at, ...w }) => w);
  }

  /** The server's matching times of a schedule from `from`, at least `count` of them when there are (up to 3 years ahead). */
  private async matchingTimes(scheduleId: string, from: number, count: number): Promise<number[]> {
    const times: number[] = [];
    const chunk = 62 * 86_400_000;
    for (let start = from; times.length < count && start < from + 3 * 365 * 86_400_000; start += chunk) {
      times.push(...(await this.listMatching(scheduleId, start, start + chunk)).filter((t) => t >= from));
    }
    return times;
  }

  private async listMatching(scheduleId: string, start: number, end: number): Promise<number[]> {
    const { client } = this.options;
    const r = (await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId,
      startTime: msToTs(start),
      endTime: msToTs(end),
    })) as { startTime?: Parameters<typeof tsToMs>[0][] };
    return (r.startTime ?? []).map((t) => tsToMs(t));
  }

  /**
   * The daylight-saving rule for a start in a skipped hour: the server does not fire at a wall-clock time that does
   * not exist, so sync adds a one-off firing at the same instant the old offset gives it (02:30 CET on the
   * spring-forward night = 01:30 UTC = 03:30 CEST). Found by evaluating the schedule's spec in the fixed offset
   * before each jump (a paused probe schedule, deleted at once), over the next {@link DST_HORIZON_DAYS} days.
   */
  async dstAdditions(s: ScheduleConfig): Promise<DstAddition[]> {
    const now = this.now();
    const gaps = clockGaps(s.timeZone, now, now + DST_HORIZON_DAYS * 86_400_000);
    const additions: DstAddition[] = [];
    for (const gap of gaps) {
      const zone = fixedOffsetZone(gap.beforeOffsetMinutes);
      if (!zone) continue; // a zone whose offset before the jump is not whole hours: not adjusted (docs/schedules.md)
      const probeId = `mesos-runbooks-probe/${s.id}/${randomUUID()}`;
      const { client, taskQueue } = this.options;
      await client.schedule.create({
        scheduleId: probeId,
        spec: baseSpec(s, zone),
        action: { type: 'startWorkflow', workflowType: 'none', taskQueue, args: [] },
        state: { paused: true, note: 'daylight-saving probe of mesos-runbooks schedules sync (deleted at once)' },
      });
      try {
        for (const at of await this.listMatching(probeId, gap.at, gap.at + gap.gapMinutes * 60_000)) {
          if (at < gap.at || at >= gap.at + gap.gapMinutes * 60_000) continue;
          const skipped = new Date(at + gap.beforeOffsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
          additions.push(onceAt(at, wallTime(s.timeZone, at), `${skipped} does not exist in ${s.timeZone}: opens ${localIso(s.timeZone, at)}`));
        }
      } finally {
        await client.schedule.getHandle(probeId).delete();
      }
    }
    return additions;
  }
}

/** What a firing's run acts on, in words (the run's target, or the input's agent selection). */
function touches(s: ScheduleConfig): string {
  const entry = runbookEntry(s.runbook);
  const input = s.input as Record<string, unknown>;
  if (input.agents !== undefined) return `agents ${JSON.stringify(input.agents)} (selected at the firing)`;
  try {
    const parsed = entry?.inputSchema.parse(input) as Record<string, unknown> | undefined;
    return parsed && entry ? `${String(parsed.cluster ?? 'default')}: ${entry.target(parsed)}` : '?';
  } catch {
    return '?';
  }
}
