import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command, Option } from 'commander';
import { catalog, runbookNames } from '../catalog';
import { ClusterRegistry } from '../clusters';
import { loadConfig, type Config } from '../config';
import { CONTROL_ACTIONS, failureMessage, failureType, type ControlAction, type RunPlan } from '../contracts';
import { resolveTemporalBinary } from '../temporal/cli-binary';
import { connectClient } from '../temporal/connection';
import { RunbookClient, RunbookInputError } from '../temporal/control';
import { resolveServerBinaries } from '../temporal/server-binary';
import { codecServerCommand } from './codec-server';
import { startDevServer } from '../temporal/dev-server';
import { dataDir } from '../temporal/paths';
import { createRunbookWorker, serveUntilSignalled } from '../worker';
import { demoCommand } from './demo';
import { port } from './options';
import { printProgress, watchRun } from './watch';
import { jsonOption, printJson, type CliContext } from './context';
import { freezeCommands, historyCommand, listCommand } from './runs';
import { schedulesCommand } from './schedules';
import { chatopsCommand } from './chatops';
import { rehearseCommand, snapshotCommand } from './rehearse';

/** Exit codes (README "Our CLI"). */
export const EXIT = { ok: 0, failed: 1, refused: 2, notReady: 3 } as const;

/** Who runs this CLI: `--user`, else `MESOS_RUNBOOKS_USER`, else the login name. */
function defaultUser(): string {
  try {
    return process.env.MESOS_RUNBOOKS_USER ?? process.env.USER ?? os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `mesos-runbooks`: start, plan, follow and steer runbooks; run the worker, the dev server or the demo. */
export function program(): Command {
  const cli = new Command('mesos-runbooks')
    .description('Durable runbooks for Apache Mesos operators, on Temporal.')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); default $MESOS_RUNBOOKS_CONFIG, ./mesos-runbooks.yaml, or the running demo\'s')
    .option('-u, --user <name>', "who you are: the initiator of runs you start, the sender of your control messages (default $MESOS_RUNBOOKS_USER or your login name)")
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Exit codes: 0 done; 1 the run failed, or an unexpected error; 2 refused before anything changed (bad input or
configuration, a control message the run refused, no such run, a freeze refused); 3 a plan that is not ready.
--json: every command that answers prints JSON (errors too, on stderr: {"error":{"code","message"}}).

Against the demo (npm run demo), from this folder, the CLI finds the demo's configuration by itself. Try:
  mesos-runbooks runbooks
  mesos-runbooks plan drainAgent -i '{"hostname":"agent-2.sim.local","reason":"look first"}'`,
    );

  const config = (): Config => loadConfig({ file: cli.opts().config, onNote: (note) => process.stderr.write(`${note}\n`) });
  const user = (override?: string): string => override ?? cli.opts().user ?? defaultUser();
  /** A control client for one command, closed after it. */
  async function withClient<T>(fn: (client: RunbookClient, config: Config) => Promise<T>, options: { identity?: string; checkCluster?: boolean } = {}): Promise<T> {
    const cfg = config();
    const temporal = await connectClient(cfg.temporal);
    const clusters = options.checkCluster ? ClusterRegistry.fromConfig(cfg) : undefined;
    try {
      const client = new RunbookClient({ client: temporal, taskQueue: cfg.temporal.taskQueue, identity: options.identity ?? user(), clusters, uiUrl: cfg.temporal.uiUrl });
      return await fn(client, cfg);
    } finally {
      await clusters?.close();
      await temporal.connection.close();
    }
  }

  const ctx: CliContext = { config, user, withClient };

  jsonOption(cli.command('runbooks').description('List the runbooks: what each does, its steps, and an example input (list: also their input fields)')).action((opts: { json: boolean }) => {
    if (opts.json) return printJson([...catalog().values()].map((e) => ({ name: e.name, summary: e.summary, destructive: e.destructive, steps: e.steps, example: e.example })));
    for (const entry of catalog().values()) {
      process.stdout.write(
        `${entry.name}${entry.destructive ? ' (destructive)' : ''}\n  ${entry.summary}\n  steps: ${entry.steps.join(' → ')}\n  example: mesos-runbooks start ${entry.name} -i '${JSON.stringify(entry.example)}'\n\n`,
      );
    }
  });
  cli.addCommand(listCommand());

  const inputOptions = (command: Command) =>
    command
      .option('-i, --input <json>', 'the input as JSON, e.g. \'{"hostname":"agent-2.sim.local","reason":"kernel upgrade"}\'')
      .option('-f, --input-file <file>', 'read the input from a JSON file');

  inputOptions(
    cli
      .command('start')
      .description('Validate an input against the cluster and start a runbook; with --watch, follow it to the end')
      .argument('<runbook>', `one of: ${runbookNames().join(', ')}`),
  )
    .option('-w, --watch', 'print progress until the run ends', false)
    .option('--json', 'print the started run as JSON (with --watch: the events as JSON lines, then the outcome)', false)
    .option('--initiator <who>', 'who starts it (default: --user)')
    .addHelpText(
      'after',
      `
Examples (against the demo):
  mesos-runbooks start drainAgent -i '{"hostname":"agent-2.sim.local","reason":"kernel upgrade","reactivate":true}' --watch
  mesos-runbooks start agentMaintenance -i '{"hostname":"agent-3.sim.local","reason":"disk swap","requireApproval":true}'

The input is checked before anything starts: every bad field is named at once, and the agent must exist in the
cluster. The run's id is <runbook>/<cluster>/<agent id or hostname>: use it (or that form) with watch, status and control.`,
    )
    .action(async (runbook: string, opts: { input?: string; inputFile?: string; watch: boolean; initiator?: string; json: boolean }) => {
      const input = parseInputArg(opts);
      await withClient(
        async (client) => {
          const run = await client.start(runbook, input);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(run)}\n`);
            if (opts.watch) await finish(client, run.workflowId, true);
            return;
          }
          process.stdout.write(`started ${run.workflowId} (run ${run.runId})\n`);
          if (run.url) process.stdout.write(`Web UI: ${run.url}\n`);
          if (!opts.watch) {
            process.stdout.write(`follow it: mesos-runbooks watch ${run.workflowId}\n`);
            return;
          }
          await finish(client, run.workflowId);
        },
        { identity: user(opts.initiator), checkCluster: true },
      );
    });

  inputOptions(
    cli
      .command('plan')
      .description('Dry run: check a runbook against the cluster and list every step it would take, in order; changes nothing')
      .argument('<runbook>', `one of: ${runbookNames().join(', ')}`),
  )
    .option('--json', 'print the plan as JSON', false)
    .addHelpText('after', `\nExample:\n  mesos-runbooks plan agentMaintenance -i '{"hostname":"agent-3.sim.local","reason":"disk swap"}'\n\nExit code 3 when a check fails (the run would stop at preflight).`)
    .action(async (runbook: string, opts: { input?: string; inputFile?: string; json: boolean }) => {
      const input = parseInputArg(opts);
      await withClient(
        async (client) => {
          const plan = await client.plan(runbook, input);
          process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
          if (!plan.ready) process.exitCode = EXIT.notReady;
        },
        { checkCluster: true },
      );
    });

  cli
    .command('watch')
    .description("Follow a run's progress until it ends (or reaches a phase)")
    .argument('<run>', 'the id start printed, or <runbook>/<cluster>/<agent id or hostname>')
    .option('--until <phase>', "return once the run's phase is this (e.g. work, \"awaiting approval\") instead of at its end")
    .option('--json', 'each event as a JSON line, then the outcome as one', false)
    .action(async (ref: string, opts: { until?: string; json: boolean }) => {
      await withClient(async (client) => {
        if (opts.until) {
          const progress = opts.json
            ? await client.follow(ref, (e) => process.stdout.write(`${JSON.stringify(e)}\n`), { until: (p) => p.phase === opts.until })
            : await watchRun(client, ref, { until: (p) => p.phase === opts.until });
          if (progress?.phase !== opts.until) {
            if (opts.json) process.stdout.write(`${JSON.stringify({ phase: progress?.phase, reached: false })}\n`);
            else process.stdout.write(`the run ended in phase ${progress?.phase ?? 'unknown'}, never reaching ${opts.until}\n`);
          }
          return;
        }
        await finish(client, ref, opts.json);
      });
    });

  cli
    .command('status')
    .description('One run: phase, steps, current wait and what you may do; without a run: the open runs')
    .argument('[run]', 'the id start printed, or <runbook>/<cluster>/<agent id or hostname>')
    .option('--cluster <name>', 'only runs on this cluster')
    .option('--runbook <name>', 'only runs of this runbook')
    .option('--phase <phase>', 'only runs in this phase (e.g. "awaiting approval", work, frozen, "paused at window end")')
    .option('--initiator <who>', 'only runs this user (or schedule:<id>) started')
    .option('--all', 'closed runs too', false)
    .option('--json', 'as JSON', false)
    .action(async (ref: string | undefined, opts: { cluster?: string; runbook?: string; phase?: string; initiator?: string; all: boolean; json: boolean }) => {
      await withClient(async (client) => {
        if (ref) {
          const progress = await client.progress(ref);
          process.stdout.write(opts.json ? `${JSON.stringify(progress, null, 2)}\n` : printProgress(progress));
          return;
        }
        const runs = await client.findRuns({ cluster: opts.cluster, runbook: opts.runbook, phase: opts.phase, initiator: opts.initiator, open: !opts.all });
        if (opts.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        else if (runs.length === 0) process.stdout.write(`no ${opts.all ? '' : 'open '}runs${opts.cluster ? ` on ${opts.cluster}` : ''}\n`);
        else {
          // Grouped by cluster, then runbook: what an on-call engineer scans first.
          const sorted = [...runs].sort((a, b) => `${a.cluster}/${a.runbook}`.localeCompare(`${b.cluster}/${b.runbook}`));
          let group = '';
          for (const r of sorted) {
            const g = `${r.cluster ?? '?'} / ${r.runbook}`;
            if (g !== group) process.stdout.write(`${(group = g)}\n`);
            process.stdout.write(`  ${r.workflowId}  ${r.status}${r.phase ? `  phase: ${r.phase}` : ''}${r.initiator ? `  by ${r.initiator}` : ''}  since ${r.startTime}\n`);
          }
        }
      });
    });

  cli
    .command('control')
    .description(`Steer a run: ${CONTROL_ACTIONS.join(', ')}`)
    .argument('<run>', 'the id start printed, or <runbook>/<cluster>/<agent id or hostname>')
    .argument('<action>', `${CONTROL_ACTIONS.join(' | ')}, or a control of the run's runbook (below)`)
    .option('-r, --reason <text>', 'why (required by approve, pause, abort, skip)')
    .option('-m, --minutes <n>', 'with extend: how many more minutes to wait')
    .option('--confirm <target>', 'with approve: the target a destructive step asks you to name (an agent id, a persistence id)')
    .option('--note <text>', 'with complete: what was done')
    .option('--by <who>', 'who sends it, the approver for approve (default: --user)')
    .option('-i, --input <json>', "with a runbook's own control: its input as JSON (--reason fills its reason)")
    .option('--json', 'print the answer as JSON', false)
    .addHelpText('after', () => controlHelp())
    .action(async (ref: string, action: string, opts: { reason?: string; minutes?: string; confirm?: string; note?: string; by?: string; input?: string; json: boolean }) => {
      const own = !(CONTROL_ACTIONS as readonly string[]).includes(action);
      const checked = own ? undefined : controlAction(action, opts);
      const ownInput = own ? ownControlInput(action, opts) : undefined;
      await withClient(
        async (client) => {
          const ack = checked ? await client.send(ref, checked, controlInput(checked, opts, client.identity ?? '')) : await client.sendOwn(ref, action, ownInput!);
          process.stdout.write(opts.json ? `${JSON.stringify(ack)}\n` : `${ack.message} (phase: ${ack.phase})\n`);
        },
        { identity: user(opts.by) },
      );
    });

  cli
    .command('worker')
    .description('Run the worker: serves every runbook on the configured task queue until SIGINT/SIGTERM (then drains)')
    .option('--json', 'print the ready line as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const cfg = config();
      const worker = await createRunbookWorker({ config: cfg, bundleApart: true });
      const ready = { taskQueue: worker.worker.options.taskQueue, address: cfg.temporal.address, clusters: Object.keys(cfg.clusters) };
      process.stderr.write(opts.json ? `${JSON.stringify({ worker: ready })}\n` : `worker serving task queue '${ready.taskQueue}' on ${ready.address} (clusters: ${ready.clusters.join(', ')})\n`);
      await serveUntilSignalled(worker);
    });

  cli
    .command('dev-server')
    .description('Run a Temporal dev server with its Web UI and the search attributes registered; state in .data/ survives restarts')
    .addOption(new Option('--port <port>', 'frontend port').default(7233).argParser(port('--port')))
    .addOption(new Option('--ui-port <port>', 'Web UI port').default(8233).argParser(port('--ui-port')))
    .option('--data-dir <dir>', 'where the SQLite database lives', `${dataDir()}/temporal`)
    .option('--json', 'print the ready line as JSON', false)
    .action(async (opts: { port: number; uiPort: number; dataDir: string; json: boolean }) => {
      const server = await startDevServer({ dataDir: opts.dataDir, port: opts.port, uiPort: opts.uiPort });
      process.stdout.write(opts.json ? `${JSON.stringify({ address: server.address, uiUrl: server.uiUrl, namespace: server.namespace })}\n` : `Temporal at ${server.address}, Web UI ${server.uiUrl} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
    });

  cli
    .command('temporal-cli')
    .description('Find the Temporal CLI (TEMPORAL_CLI, PATH, the cache) or build it from its Go module; print its path')
    .option('--json', 'print {path, source, ms} as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const started = Date.now();
      const found = await resolveTemporalBinary();
      if (opts.json) return printJson({ path: found.path, source: found.source, ms: Date.now() - started });
      process.stdout.write(`${found.path}\n`);
      process.stderr.write(`(${found.source}, ${Date.now() - started} ms)\n`);
    });

  cli
    .command('temporal-server')
    .description('Find (TEMPORAL_SERVER_BIN + TEMPORAL_SQL_TOOL, the cache) or build the Temporal server v1.29.1 and its SQL tool; print their paths')
    .option('--json', 'print {server, sqlTool, source, ms} as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const started = Date.now();
      const found = await resolveServerBinaries();
      if (opts.json) return printJson({ server: found.server, sqlTool: found.sqlTool, source: found.source, ms: Date.now() - started });
      process.stdout.write(`${found.server}\n${found.sqlTool}\n`);
      process.stderr.write(`(${found.source}, ${Date.now() - started} ms)\n`);
    });

  cli.addCommand(historyCommand(ctx));
  for (const command of freezeCommands(ctx)) cli.addCommand(command);
  cli.addCommand(schedulesCommand(ctx));
  cli.addCommand(chatopsCommand(ctx));
  cli.addCommand(snapshotCommand(ctx));
  cli.addCommand(rehearseCommand(ctx));

  cli.addCommand(codecServerCommand(() => cli.opts().config));
  cli.addCommand(demoCommand());
  return cli;
}

/**
 * Follows a run to its end: prints its events, then `finished: <result>` (exit 0) or `failed: <type>: <message>`
 * (exit 1); with `json`, each event as a JSON line, then `{"outcome": ...}`.
 */
async function finish(client: RunbookClient, ref: string, json = false): Promise<void> {
  if (json) await client.follow(ref, (e) => process.stdout.write(`${JSON.stringify(e)}\n`));
  else await watchRun(client, ref);
  try {
    const result = await client.result(ref);
    process.stdout.write(json ? `${JSON.stringify({ outcome: 'finished', result })}\n` : `finished: ${JSON.stringify(result)}\n`);
  } catch (err) {
    const type = failureType(err);
    process.stdout.write(json ? `${JSON.stringify({ outcome: 'failed', type, message: failureMessage(err) })}\n` : `failed: ${type ? `${type}: ` : ''}${failureMessage(err)}\n`);
    process.exitCode = EXIT.failed;
  }
}

/** The control command's help: examples, and each runbook's own control messages with their input. */
function controlHelp(): string {
  const own = [...catalog().values()].flatMap((e) => e.controls.map((c) => `  ${e.name} ${c.name} ${c.usage}`));
  return `
Examples (against the demo, for a run started by hostname or by agent id alike):
  mesos-runbooks control agentMaintenance/default/agent-3.sim.local approve --reason "change OPS-123 approved"
  mesos-runbooks control agentMaintenance/default/agent-3.sim.local complete --note "disk replaced"
  mesos-runbooks control drainAgent/default/agent-2.sim.local extend --minutes 15
  mesos-runbooks control drainAgent/default/agent-2.sim.local abort --reason "wrong agent"
${own.length ? `
A runbook's own control messages (input with --input, its reason with --reason):
${own.join('\n')}
  e.g. mesos-runbooks control rollingMaintenance/default/zone=zone-a machine -i '{"hostname":"agent-3.sim.local","action":"skip"}' --reason "stuck on a batch job"
` : ''}
The run refuses a message that makes no sense in its current phase and says why; nothing changes then (exit 2).`;
}

/** The input of a runbook's own control message: --input (a JSON object) and --reason. */
function ownControlInput(action: string, opts: { reason?: string; input?: string }): Record<string, unknown> {
  const known = [...new Set([...catalog().values()].flatMap((e) => e.controls.map((c) => c.name)))];
  if (!known.includes(action)) {
    throw new RunbookInputError('control', [`action: unknown action '${action}' (allowed: ${[...CONTROL_ACTIONS, ...known].join(', ')})`]);
  }
  let input: unknown = {};
  if (opts.input !== undefined) {
    try {
      input = JSON.parse(opts.input);
    } catch (err) {
      throw new RunbookInputError('control', [`--input: not valid JSON: ${(err as Error).message}`]);
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RunbookInputError('control', ['--input: must be a JSON object, e.g. \'{"hostname":"agent-3.sim.local","action":"skip"}\'']);
  return { ...(input as Record<string, unknown>), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) };
}

function controlAction(action: string, opts: { minutes?: string }): ControlAction {
  if (action === 'extend' && (opts.minutes === undefined || !/^\d+$/.test(opts.minutes))) {
    throw new RunbookInputError('control', ['--minutes: required with extend: a whole number of minutes, e.g. --minutes 15']);
  }
  return action as ControlAction;
}

function controlInput(action: ControlAction, opts: { reason?: string; minutes?: string; confirm?: string; note?: string }, who: string) {
  const by = who ? { by: who } : {};
  switch (action) {
    case 'approve':
      return { approver: who, reason: opts.reason ?? '', ...(opts.confirm ? { confirm: opts.confirm } : {}) };
    case 'extend':
      return { ...by, minutes: Number(opts.minutes) };
    case 'complete':
      return { ...by, ...(opts.note ? { note: opts.note } : {}) };
    case 'resume':
      return by;
    default:
      return { ...by, reason: opts.reason ?? '' };
  }
}

function formatPlan(plan: RunPlan): string {
  const lines = [`${plan.runbook} on ${plan.cluster} (${plan.target}): ${plan.ready ? 'ready' : 'NOT ready'}`, 'Checks:'];
  for (const c of plan.checks) lines.push(`  ${c.ok ? '✔' : '✖'} ${c.name}: ${c.detail}`);
  lines.push('Steps:');
  plan.steps.forEach((step, i) => {
    const how = step.skipBecause ? ` (skipped: ${step.skipBecause})` : step.decidedAtRunTime ? ` (decided at run time: ${step.decidedAtRunTime})` : '';
    lines.push(`  ${i + 1}. ${step.name}: ${step.action}${how}`);
  });
  lines.push('Nothing was changed. Start it with the same input: mesos-runbooks start ' + plan.runbook + " -i '...'");
  return `${lines.join('\n')}\n`;
}

function parseInputArg(opts: { input?: string; inputFile?: string }): unknown {
  if (opts.input && opts.inputFile) throw new RunbookInputError('input', ['give --input or --input-file, not both']);
  const text = opts.inputFile ? readFileSync(opts.inputFile, 'utf8') : (opts.input ?? '{}');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RunbookInputError('input', [`not valid JSON: ${(err as Error).message}`]);
  }
}

const REFUSED = new Set(['INVALID_INPUT', 'CONFIG_INVALID', 'RUN_NOT_FOUND', 'RUN_AMBIGUOUS', 'CONTROL_REFUSED', 'RUN_EXISTS']);

/** Runs the CLI; refusals (bad input, configuration, control) print their message and exit 2, other failures exit 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    // With --json, the error is JSON too (on stderr), so a script can read its code.
    process.stderr.write(argv.includes('--json') ? `${JSON.stringify({ error: { code: code ?? 'ERROR', message } })}\n` : `${message}\n`);
    process.exitCode = code && REFUSED.has(code) ? EXIT.refused : EXIT.failed;
  }
}

