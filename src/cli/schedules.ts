import { Command } from 'commander';
import { connectClient } from '../temporal/connection';
import { ScheduleManager, type SyncChange } from '../schedules/manage';
import { localIso } from '../schedules/time';
import { positiveInt } from './options';
import { jsonOption, printJson, type CliContext } from './context';

const MARK: Record<SyncChange['op'], string> = { create: '+', update: '~', delete: '-', unchanged: '=' };

/** `mesos-runbooks schedules ...`: the configuration's `schedules:` as Temporal Schedules (docs/schedules.md). */
export function schedulesCommand(ctx: CliContext): Command {
  const withManager = async <T>(fn: (m: ScheduleManager) => Promise<T>): Promise<T> => {
    const cfg = ctx.config();
    const client = await connectClient(cfg.temporal);
    try {
      return await fn(new ScheduleManager({ client, taskQueue: cfg.temporal.taskQueue, schedules: cfg.schedules }));
    } finally {
      await client.connection.close();
    }
  };
  const cmd = new Command('schedules').description("Keep Temporal Schedules in step with the configuration's schedules: recurring runbooks and maintenance windows");

  jsonOption(
    cmd
      .command('sync')
      .description('Create, update and delete the Temporal Schedules this tool owns so they match the configuration; prints the diff (idempotent; no prompt)')
      .option('--dry-run', 'only print the diff', false),
  ).action(async (opts: { dryRun: boolean; json: boolean }) => {
    await withManager(async (m) => {
      const changes = await m.sync({ dryRun: opts.dryRun });
      if (opts.json) return printJson({ dryRun: opts.dryRun, changes });
      for (const c of changes) {
        process.stdout.write(`${MARK[c.op]} ${c.op} ${c.id} (${c.scheduleId}): ${c.summary}\n`);
        for (const n of c.notes) process.stdout.write(`    ${n}\n`);
      }
      const count = (op: SyncChange['op']) => changes.filter((c) => c.op === op).length;
      process.stdout.write(`sync: ${count('create')} created, ${count('update')} updated, ${count('delete')} deleted, ${count('unchanged')} unchanged${opts.dryRun ? ' (dry run: nothing changed)' : ''}\n`);
    });
  });

  jsonOption(cmd.command('list').description('The schedules this tool owns: state, next firings, recent firings')).action(async (opts: { json: boolean }) => {
    await withManager(async (m) => {
      const managed = [...(await m.managed()).values()];
      const rows = managed.map((d) => ({
        id: String(d.memo?.id ?? d.scheduleId),
        scheduleId: d.scheduleId,
        paused: d.state.paused,
        note: d.state.note,
        timeZone: d.spec.timezone,
        next: d.info.nextActionTimes.slice(0, 3).map((t) => localIso(d.spec.timezone ?? 'UTC', t.getTime())),
        recent: d.info.recentActions.slice(-3).map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) process.stdout.write('no schedules managed by mesos-runbooks (configure schedules: and run mesos-runbooks schedules sync)\n');
      for (const r of rows) {
        process.stdout.write(`${r.id}${r.paused ? ` PAUSED (${r.note ?? ''})` : ''}  next: ${r.next.join(', ') || 'none'}${r.recent.length ? `  last: ${r.recent.at(-1)!.scheduledAt}` : ''}\n`);
      }
    });
  });

  jsonOption(
    cmd
      .command('preview')
      .description("The next windows, one a line starting with its ISO 8601 start in the schedule's time zone, from the server's own firing times (exclusions and daylight saving applied), with what each would touch")
      .argument('[id]', 'one schedule (default: all, merged by time)')
      .option('-n, --count <n>', 'how many windows', positiveInt('--count'), 10)
      .option('--from <time>', 'start from this ISO 8601 time instead of now'),
  ).action(async (id: string | undefined, opts: { count: number; from?: string; json: boolean }) => {
    const from = opts.from === undefined ? undefined : Date.parse(opts.from);
    if (from !== undefined && Number.isNaN(from)) throw Object.assign(new Error(`--from: '${opts.from}' is not an ISO 8601 time, e.g. 2027-03-01T00:00:00Z`), { code: 'INVALID_INPUT' });
    await withManager(async (m) => {
      const windows = await m.preview({ id, count: opts.count, from });
      if (opts.json) return printJson(windows);
      for (const w of windows) {
        process.stdout.write(`${w.start}  ${w.id}  ${w.runbook}${w.end ? `  until ${w.end} (last start ${w.lastStart})` : ''}  touches ${w.touches}${w.note ? `  [${w.note}]` : ''}\n`);
      }
    });
  });

  for (const [name, description] of [
    ['pause', 'Pause a schedule (no firings until resume), with a note saying why'],
    ['resume', 'Resume a paused schedule'],
    ['trigger', "Fire a schedule now (its window starts now), under its overlap policy"],
  ] as const) {
    jsonOption(
      cmd
        .command(name)
        .description(description)
        .argument('<id>', 'the schedule id of the configuration')
        .option('--note <text>', 'why (shown with the schedule)'),
    ).action(async (id: string, opts: { note?: string; json: boolean }) => {
      await withManager(async (m) => {
        const note = opts.note ?? `${name}d by ${ctx.user()}`;
        if (name === 'pause') await m.pause(id, note);
        else if (name === 'resume') await m.resume(id, note);
        else await m.trigger(id);
        if (opts.json) printJson({ id, action: name, note });
        else process.stdout.write(`${id}: ${name === 'trigger' ? 'fired' : `${name}d (${note})`}\n`);
      });
    });
  }
  return cmd;
}
