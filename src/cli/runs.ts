import { Command } from 'commander';
import { catalog } from '../catalog';
import { describeField, inputFields } from '../catalog-fields';
import type { FreezeState } from '../contracts';
import { formatEvent, terminal } from '../progress/format';
import { clock, dateTime } from '../progress/time';
import type { RunHistory } from '../temporal/control';
import { jsonOption, parseUntil, printJson, type CliContext } from './context';

/** `mesos-runbooks list`: the catalog with every runbook's input fields, read from its schema. */
export function listCommand(): Command {
  return jsonOption(new Command('list').description("The runbook catalog: each runbook, whether it is destructive, its steps and its input fields (from its schema)")).action(
    (opts: { json: boolean }) => {
      const entries = [...catalog().values()].map((e) => ({
        name: e.name,
        summary: e.summary,
        destructive: e.destructive,
        steps: e.steps,
        fields: inputFields(e.inputSchema),
        example: e.example,
      }));
      if (opts.json) return printJson(entries);
      for (const e of entries) {
        process.stdout.write(`${e.name}${e.destructive ? ' (destructive)' : ''}: ${e.summary}\n  steps: ${e.steps.join(' → ')}\n  input:\n`);
        for (const f of e.fields) process.stdout.write(`    ${describeField(f)}\n`);
        process.stdout.write(`  example: ${JSON.stringify(e.example)}\n\n`);
      }
    },
  );
}

/** `mesos-runbooks history <run>`: a run's status, times, every event it kept, and its result or failure. */
export function historyCommand(ctx: CliContext): Command {
  return jsonOption(
    new Command('history')
      .description("A run's whole story, also once it ended: status, times, every progress event, result or failure")
      .argument('<run>', 'the id start printed, or <runbook>/<cluster>/<agent id or hostname> (the latest run, open or closed)'),
  ).action(async (ref: string, opts: { json: boolean }) => {
    await ctx.withClient(async (client) => {
      const h = await client.history(ref);
      process.stdout.write(opts.json ? `${JSON.stringify(h, null, 2)}\n` : formatHistory(h));
    });
  });
}

export function formatHistory(h: RunHistory): string {
  const lines = [
    `${h.workflowId} (run ${h.runId}): ${h.status}${h.phase ? `, phase ${h.phase}` : ''}${h.initiator ? `, started by ${h.initiator}` : ''}`,
    `  started ${dateTime(h.startTime)}${h.closeTime ? `, closed ${dateTime(h.closeTime)}` : ''}${h.url ? `\n  Web UI: ${h.url}` : ''}`,
    'events (UTC):',
    ...h.events.map((e) => `  ${e.at.slice(0, 10)} ${clock(e.at)} ${formatEvent(terminal, e)}`),
  ];
  if (h.result !== undefined) lines.push(`result: ${JSON.stringify(h.result)}`);
  if (h.failure) lines.push(`failure: ${h.failure.type ? `${h.failure.type}: ` : ''}${h.failure.message}`);
  return `${lines.join('\n')}\n`;
}

export function formatFreeze(s: FreezeState): string {
  if (s.freeze && Date.parse(s.freeze.until) > Date.now()) {
    return `cluster ${s.cluster} is FROZEN by ${s.freeze.by} until ${dateTime(s.freeze.until)}: ${s.freeze.reason} (since ${dateTime(s.freeze.since)}); no run starts a step until then\n`;
  }
  return `cluster ${s.cluster} is not frozen${s.lifted ? ` (last freeze lifted by ${s.lifted.by} at ${dateTime(s.lifted.at)}${s.lifted.reason ? `: ${s.lifted.reason}` : ''})` : ''}\n`;
}

/** `freeze`, `unfreeze`: stop every run of a cluster before its next step, until a time; and lift it. */
export function freezeCommands(ctx: CliContext): Command[] {
  const freeze = jsonOption(
    new Command('freeze')
      .description('Freeze a cluster: no run on it starts a step (they wait at their next checkpoint) and schedules\' firings wait, until --until or unfreeze')
      .requiredOption('--cluster <name>', 'the cluster')
      .option('--until <time>', 'until when: 2026-12-01T18:00:00Z, or a duration from now: 30m, 2h, 1d (at most 14 days)')
      .option('--reason <text>', 'why (every waiting run shows it)')
      .option('--status', 'only print whether the cluster is frozen', false)
      .addHelpText('after', '\nExamples:\n  mesos-runbooks freeze --cluster default --until 2h --reason "INC-42: network incident"\n  mesos-runbooks freeze --cluster default --status\n  mesos-runbooks unfreeze --cluster default --reason "INC-42 resolved"'),
  ).action(async (opts: { cluster: string; until?: string; reason?: string; status: boolean; json: boolean }) => {
    await ctx.withClient(
      async (client) => {
        if (opts.status) {
          const s = await client.freezeState(opts.cluster);
          return opts.json ? printJson(s) : process.stdout.write(formatFreeze(s));
        }
        const problems = [
          ...(opts.until ? [] : ['--until: required: a time like 2026-12-01T18:00:00Z or a duration like 2h']),
          ...(opts.reason?.trim() ? [] : ['--reason: required: why the cluster is frozen']),
        ];
        if (problems.length) throw Object.assign(new Error(`freeze: ${problems.join('; ')}`), { code: 'INVALID_INPUT' });
        const s = await client.freeze(opts.cluster, { until: parseUntil(opts.until!), reason: opts.reason! });
        if (opts.json) printJson(s);
        else process.stdout.write(formatFreeze(s));
      },
      { checkCluster: true },
    );
  });
  const unfreeze = jsonOption(
    new Command('unfreeze').description('Lift a cluster\'s freeze: waiting runs go on').requiredOption('--cluster <name>', 'the cluster').option('--reason <text>', 'why (recorded)'),
  ).action(async (opts: { cluster: string; reason?: string; json: boolean }) => {
    await ctx.withClient(
      async (client) => {
        const s = await client.unfreeze(opts.cluster, { reason: opts.reason });
        if (opts.json) printJson(s);
        else process.stdout.write(formatFreeze(s));
      },
      { checkCluster: true },
    );
  });
  return [freeze, unfreeze];
}
