import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { catalog } from '../../runbooks/catalog';
import type { RunPlan } from '../../workflows/plan';
import { ClusterRegistry } from '../clusters';
import { loadConfig } from '../config';
import { resolveTemporalBinary } from '../temporal/cli-binary';
import { resolveServerBinaries } from '../temporal/server-binary';
import { codecServerCommand } from './codec-server';
import { startDevServer } from '../temporal/dev-server';
import { connectClient, runUrl } from '../temporal/connection';
import { dataDir } from '../temporal/paths';
import { startRunbook, RunbookInputError } from '../temporal/start';
import { createRunbookWorker } from '../worker';
import { demoCommand } from './demo';
import { port } from './options';
import { watchRun } from './watch';

/** `mesos-runbooks`: start and follow runbooks, run the worker, the dev server or the demo. */
export function program(): Command {
  const cli = new Command('mesos-runbooks')
    .description('Durable runbooks for Apache Mesos operators, on Temporal.')
    .option('-c, --config <file>', 'configuration file (YAML or JSON); default $MESOS_RUNBOOKS_CONFIG or ./mesos-runbooks.yaml')
    .showHelpAfterError();

  cli
    .command('runbooks')
    .description('List the runbooks and what they do')
    .action(() => {
      for (const entry of Object.values(catalog)) {
        process.stdout.write(`${entry.name}${entry.destructive ? ' (destructive)' : ''}\n  ${entry.summary}\n`);
      }
    });

  cli
    .command('start')
    .description('Validate an input and start a runbook; with --watch, follow its progress to the end')
    .argument('<runbook>', `one of: ${Object.keys(catalog).join(', ')}`)
    .option('-i, --input <json>', 'the input as JSON, e.g. \'{"hostname":"agent-1","reason":"kernel upgrade"}\'')
    .option('-f, --input-file <file>', 'read the input from a JSON file')
    .option('-w, --watch', 'print progress until the run ends', false)
    .option('--initiator <who>', 'who starts it (recorded as the Initiator search attribute)', process.env.USER)
    .addHelpText(
      'after',
      `
Examples:
  mesos-runbooks start drainAgent -i '{"hostname":"agent-1.example.com","reason":"disk replacement","reactivate":true}' --watch
  mesos-runbooks start drainAgent -i '{"cluster":"prod","agentId":"0b3f...-S3","maxGracePeriodSeconds":60,"reason":"OPS-123"}'

The input is checked before anything starts: every bad field is named, and the agent must exist in the cluster.`,
    )
    .action(async (runbook: string, opts: { input?: string; inputFile?: string; watch: boolean; initiator?: string }) => {
      const config = loadConfig({ file: cli.opts().config });
      const input = parseInputArg(opts);
      const clusters = ClusterRegistry.fromConfig(config);
      const client = await connectClient(config.temporal);
      try {
        const handle = await startRunbook({ client, taskQueue: config.temporal.taskQueue, runbook, input, initiator: opts.initiator, clusters });
        process.stdout.write(`started ${handle.workflowId} (run ${handle.firstExecutionRunId})\n`);
        const link = runUrl(config.temporal.uiUrl, config.temporal.namespace, handle.workflowId, handle.firstExecutionRunId);
        if (link) process.stdout.write(`Web UI: ${link}\n`);
        if (opts.watch) {
          const result = await watchRun(handle);
          process.stdout.write(`finished: ${JSON.stringify(result)}\n`);
        }
      } finally {
        await clusters.close();
        await client.connection.close();
      }
    });

  cli
    .command('plan')
    .description('Dry run: check a runbook against the cluster and list every step it would take; changes nothing')
    .argument('<runbook>', `one of: ${Object.keys(catalog).join(', ')}`)
    .option('-i, --input <json>', 'the input as JSON')
    .option('-f, --input-file <file>', 'read the input from a JSON file')
    .action(async (runbook: string, opts: { input?: string; inputFile?: string }) => {
      const config = loadConfig({ file: cli.opts().config });
      const input = { ...(parseInputArg(opts) as Record<string, unknown>), dryRun: true };
      const clusters = ClusterRegistry.fromConfig(config);
      const client = await connectClient(config.temporal);
      try {
        const handle = await startRunbook({ client, taskQueue: config.temporal.taskQueue, runbook, input, clusters, idSuffix: `plan-${Date.now()}` });
        const plan = (await handle.result()) as RunPlan;
        process.stdout.write(formatPlan(plan));
        process.exitCode = plan.ready ? 0 : 3;
      } finally {
        await clusters.close();
        await client.connection.close();
      }
    });

  cli
    .command('watch')
    .description("Follow a run's progress until it ends")
    .argument('<workflowId>', 'e.g. agentMaintenance/default/<agent id>')
    .action(async (workflowId: string) => {
      const config = loadConfig({ file: cli.opts().config });
      const client = await connectClient(config.temporal);
      try {
        const result = await watchRun(client.workflow.getHandle(workflowId));
        process.stdout.write(`finished: ${JSON.stringify(result)}\n`);
      } finally {
        await client.connection.close();
      }
    });

  cli
    .command('control')
    .description('Send a control Update to a run: approve, pause, resume, abort, complete, extend, skip')
    .argument('<workflowId>', 'the run')
    .argument('<action>', 'approve | pause | resume | abort | complete | extend | skip')
    .option('-r, --reason <text>', 'why (required by approve, pause, abort, skip)')
    .option('-m, --minutes <n>', 'with extend: how many more minutes to wait')
    .option('--by <who>', 'who sends it (the approver for approve)', process.env.USER)
    .addHelpText(
      'after',
      `
Examples:
  mesos-runbooks control agentMaintenance/prod/<agent> approve --reason "change OPS-123 approved" --by alice
  mesos-runbooks control agentMaintenance/prod/<agent> complete
  mesos-runbooks control drainAgent/prod/<agent> extend --minutes 15
  mesos-runbooks control drainAgent/prod/<agent> abort --reason "wrong agent"

The run refuses an Update that makes no sense in its current phase and says why; nothing changes then.`,
    )
    .action(async (workflowId: string, action: string, opts: { reason?: string; minutes?: string; by?: string }) => {
      const args = controlArgs(action, opts);
      const config = loadConfig({ file: cli.opts().config });
      const client = await connectClient(config.temporal);
      try {
        const ack = await client.workflow.getHandle(workflowId).executeUpdate<{ phase: string; message: string }, [unknown]>(action, { args: [args] });
        process.stdout.write(`${ack.message} (phase: ${ack.phase})\n`);
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw Object.assign(new Error(`${action} refused: ${cause ?? (err as Error).message}`), { code: 'INVALID_INPUT' });
      } finally {
        await client.connection.close();
      }
    });

  cli
    .command('worker')
    .description('Run the worker: serves every runbook on the configured task queue until SIGINT/SIGTERM')
    .action(async () => {
      const config = loadConfig({ file: cli.opts().config });
      const { worker, run } = await createRunbookWorker({ config });
      process.stderr.write(`worker serving task queue '${worker.options.taskQueue}' on ${config.temporal.address}\n`);
      await run();
    });

  cli
    .command('dev-server')
    .description('Run a Temporal dev server with its Web UI and the search attributes registered; state in .data/ survives restarts')
    .addOption(new Option('--port <port>', 'frontend port').default(7233).argParser(port('--port')))
    .addOption(new Option('--ui-port <port>', 'Web UI port').default(8233).argParser(port('--ui-port')))
    .option('--data-dir <dir>', 'where the SQLite database lives', `${dataDir()}/temporal`)
    .action(async (opts: { port: number; uiPort: number; dataDir: string }) => {
      const server = await startDevServer({ dataDir: opts.dataDir, port: opts.port, uiPort: opts.uiPort });
      process.stdout.write(`Temporal at ${server.address}, Web UI ${server.uiUrl} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
    });

  cli
    .command('temporal-cli')
    .description('Find the Temporal CLI (TEMPORAL_CLI, PATH, the cache) or build it from its Go module; print its path')
    .action(async () => {
      const started = Date.now();
      const found = await resolveTemporalBinary();
      process.stdout.write(`${found.path}\n`);
      process.stderr.write(`(${found.source}, ${Date.now() - started} ms)\n`);
    });

  cli
    .command('temporal-server')
    .description('Find (TEMPORAL_SERVER_BIN + TEMPORAL_SQL_TOOL, the cache) or build the Temporal server v1.29.1 and its SQL tool; print their paths')
    .action(async () => {
      const started = Date.now();
      const found = await resolveServerBinaries();
      process.stdout.write(`${found.server}\n${found.sqlTool}\n`);
      process.stderr.write(`(${found.source}, ${Date.now() - started} ms)\n`);
    });

  cli.addCommand(codecServerCommand(() => cli.opts().config));
  cli.addCommand(demoCommand());
  return cli;
}

const CONTROL_ACTIONS = ['approve', 'pause', 'resume', 'abort', 'complete', 'extend', 'skip'];

function controlArgs(action: string, opts: { reason?: string; minutes?: string; by?: string }): Record<string, unknown> {
  if (!CONTROL_ACTIONS.includes(action)) {
    throw new RunbookInputError('control', [`action: unknown action '${action}' (allowed: ${CONTROL_ACTIONS.join(', ')})`]);
  }
  if (action === 'approve') return { approver: opts.by ?? '', reason: opts.reason ?? '' };
  if (action === 'extend') return { minutes: Number(opts.minutes), by: opts.by };
  return { reason: opts.reason, by: opts.by };
}

function formatPlan(plan: RunPlan): string {
  const lines = [`${plan.runbook} on ${plan.cluster} (${plan.target}): ${plan.ready ? 'ready' : 'NOT ready'}`, 'Checks:'];
  for (const c of plan.checks) lines.push(`  ${c.ok ? '✔' : '✖'} ${c.name}: ${c.detail}`);
  lines.push('Steps:');
  plan.steps.forEach((step, i) => lines.push(`  ${i + 1}. ${step.name}: ${step.action}${step.skipBecause ? ` (skipped: ${step.skipBecause})` : ''}`));
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

/** Runs the CLI; bad input and configuration errors print their message and exit 2, other failures exit 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = code === 'INVALID_INPUT' || code === 'CONFIG_INVALID' ? 2 : 1;
  }
}
