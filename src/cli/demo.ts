import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { ClusterRegistry } from '../clusters';
import { demoConfigFile, parseConfig } from '../config';
import { failureMessage, failureType, runbookWorkflowId } from '../contracts';
import { startCluster } from '../sim';
import { connectClient } from '../temporal/connection';
import { RunbookClient } from '../temporal/control';
import { startDevServer } from '../temporal/dev-server';
import { freePort, isPortFree } from '../temporal/free-port';
import { installConciseRuntime } from '../temporal/logger';
import { createRunbookWorker } from '../worker';
import { port, positiveInt, positiveNumber } from './options';
import { watchRun } from './watch';

export interface DemoOptions {
  agents: number;
  tasksPerAgent: number;
  timeScale: number;
  exit: boolean;
  port?: number;
  uiPort?: number;
}

/** How long the demo gives itself to stop after Ctrl-C before it exits anyway. */
const STOP_BUDGET_MS = 9_000;

/**
 * The quick start: a real Temporal dev server (found or built), an embedded simulated Mesos cluster, the worker,
 * and one drainAgent run, with its progress printed and its Web UI link. It writes its configuration where our CLI
 * finds it (`.data/demo/mesos-runbooks.yaml`) and prints the next steps, each runnable as printed in a new shell.
 * Keeps everything running until Ctrl-C (then the worker drains before the dev server stops), or exits after the
 * run with `--exit`. Each demo gets a fresh Temporal database, so runs of an earlier demo never resume against a
 * freshly seeded simulator.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stops: Array<{ what: string; stop: () => Promise<void> }> = [];
  const stopAll = async () => {
    for (const { what, stop } of stops.reverse()) {
      say(`  stopping ${what}...`);
      await stop().catch((err: unknown) => say(`  (${what}: ${err instanceof Error ? err.message : String(err)})`));
    }
  };
  const configFile = demoConfigFile();
  try {
    const demoDir = path.dirname(configFile);
    rmSync(demoDir, { recursive: true, force: true });
    say('▶ starting the Temporal dev server (real server, SQLite in .data/demo)...');
    const port = options.port ?? (await preferredPort(7233));
    const uiPort = options.uiPort ?? (await preferredPort(8233));
    const server = await startDevServer({ dataDir: demoDir, port, uiPort, log: (l) => say(`  ${l}`) });
    stops.push({ what: 'the Temporal dev server', stop: () => server.stop() });
    say(`  Temporal Web UI: ${server.uiUrl}`);

    say(`▶ starting a simulated Mesos cluster (${options.agents} agents, ${options.tasksPerAgent} tasks each)...`);
    const cluster = await startCluster({ agents: options.agents, tasksPerAgent: options.tasksPerAgent, timeScale: options.timeScale, seed: 1 });
    stops.push({ what: 'the simulated cluster', stop: () => cluster.stop() });
    say(`  master: ${cluster.leader}`);

    const raw = { temporal: { address: server.address, namespace: server.namespace, uiUrl: server.uiUrl }, clusters: { default: { masters: cluster.masters } } };
    const config = parseConfig(raw);
    mkdirSync(demoDir, { recursive: true });
    writeFileSync(configFile, `# Written by \`npm run demo\` while it runs; removed when it stops.\n${YAML.stringify(raw)}`);
    stops.push({ what: 'the demo configuration', stop: async () => rmSync(configFile, { force: true }) });

    say('▶ starting the worker (task queue mesos-runbooks)...');
    // One line per failed run or activity attempt, not a stack trace; the worker's INFO lines would bury the progress.
    installConciseRuntime({ level: 'WARN', print: (line) => say(`  ${line}`) });
    const worker = await createRunbookWorker({ config });
    const running = worker.run();
    stops.push({ what: 'the worker (it drains first)', stop: () => worker.shutdown() });

    const temporal = await connectClient(config.temporal);
    stops.push({ what: 'the Temporal client', stop: () => temporal.connection.close() });
    const clusters = ClusterRegistry.fromConfig(config);
    stops.push({ what: 'the Mesos client', stop: () => clusters.close() });
    const client = new RunbookClient({ client: temporal, taskQueue: config.temporal.taskQueue, identity: 'demo', clusters, uiUrl: config.temporal.uiUrl });
    const { agents } = await clusters.master('default').getAgents();
    const hostnames = agents.map((a) => a.agent_info.hostname).sort();
    const target = hostnames[0]!;
    const input = { cluster: 'default', hostname: target, reason: 'demo: kernel upgrade', maxGracePeriodSeconds: 5, reactivate: true };
    say(`▶ starting drainAgent on ${target}`);
    const run = await client.start('drainAgent', input);
    say(`  run: ${run.workflowId}`);
    say(`  Web UI: ${run.url}  (tab "User Metadata" shows its current details)`);
    await watchRun(client, run.workflowId);
    try {
      say(`✔ drainAgent finished: ${JSON.stringify(await client.result(run.workflowId))}`);
    } catch (err) {
      say(`✖ drainAgent failed: ${failureType(err) ?? 'FAILED'}: ${failureMessage(err)}`);
    }
    if (options.exit) {
      await stopAll();
      await running.catch(() => undefined);
      return 0;
    }
    const next = hostnames[1] ?? 'agent-2.sim.local';
    const nextInput = JSON.stringify({ hostname: next, reason: 'try it', maxGracePeriodSeconds: 5, reactivate: true });
    say('');
    say('Everything keeps running. Next, in a new shell:');
    say(`  the Web UI:       ${server.uiUrl}  (a run's page, tab "User Metadata": its current details)`);
    say('  our CLI, from this folder (it finds this demo\'s configuration by itself):');
    say('    npx mesos-runbooks runbooks');
    say(`    npx mesos-runbooks plan agentMaintenance -i '${JSON.stringify({ hostname: next, reason: 'disk swap' })}'`);
    say(`    npx mesos-runbooks start drainAgent -i '${nextInput}' --watch`);
    // Elsewhere `npx` would look for the package on the registry: the CLI by its path, with the configuration named.
    const cliPath = path.resolve(__dirname, '../../bin/mesos-runbooks.js');
    say(`  from any folder:  export MESOS_RUNBOOKS_CONFIG=${configFile}; node ${cliPath} status --all`);
    say('  the temporal CLI:');
    // The README's examples take agent-3 and agent-4; this one the last agent.
    const viaTemporal = hostnames.at(-1) ?? next;
    say(
      `    ${server.binary.path} workflow start --address ${server.address} --task-queue ${config.temporal.taskQueue} --type drainAgent --workflow-id ${runbookWorkflowId('drainAgent', 'default', viaTemporal)} --input '${JSON.stringify({ hostname: viaTemporal, reason: 'from the temporal CLI', maxGracePeriodSeconds: 5 })}'`,
    );
    say('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    // `npm run demo` forwards the terminal's Ctrl-C, so the signal comes twice: a second one must not kill this
    // process before it has stopped the dev server (a process group of its own, which Ctrl-C does not reach).
    const again = () => say('  already stopping (the dev server is stopped last, within 10 s)');
    process.on('SIGINT', again);
    process.on('SIGTERM', again);
    say('stopping (the worker drains, then the dev server stops)...');
    const budget = setTimeout(() => {
      say(`  still stopping after ${STOP_BUDGET_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, STOP_BUDGET_MS);
    budget.unref();
    await stopAll();
    await running.catch(() => undefined);
    say('stopped');
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    return 1;
  }
}

async function preferredPort(port: number): Promise<number> {
  return (await isPortFree('127.0.0.1', port)) ? port : freePort();
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the demo: Temporal dev server + simulated Mesos cluster + worker + one drainAgent run')
    .addOption(new Option('--agents <n>', 'simulated agents').default(5).argParser(positiveInt('--agents')))
    .addOption(new Option('--tasks-per-agent <n>', 'tasks per agent').default(3).argParser(positiveInt('--tasks-per-agent')))
    .addOption(new Option('--time-scale <x>', 'simulated seconds per real second').default(1).argParser(positiveNumber('--time-scale')))
    .addOption(new Option('--port <port>', 'Temporal frontend port (default 7233 when free, else any)').argParser(port('--port')))
    .addOption(new Option('--ui-port <port>', 'Temporal Web UI port (default 8233 when free, else any)').argParser(port('--ui-port')))
    .option('--exit', 'exit after the run instead of waiting for Ctrl-C (smoke test)', false)
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(opts);
    });
}
