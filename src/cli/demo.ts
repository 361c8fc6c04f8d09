import { rmSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseConfig } from '../config';
import { startCluster } from '../sim';
import { dataDir } from '../temporal/paths';
import { startDevServer } from '../temporal/dev-server';
import { connectClient, runUrl } from '../temporal/connection';
import { freePort, isPortFree } from '../temporal/free-port';
import { startRunbook } from '../temporal/start';
import { createRunbookWorker } from '../worker';
import { watchRun } from './watch';
import { ClusterRegistry } from '../clusters';
import { port, positiveInt, positiveNumber } from './options';

export interface DemoOptions {
  agents: number;
  tasksPerAgent: number;
  timeScale: number;
  exit: boolean;
  port?: number;
  uiPort?: number;
}

/**
 * The quick start: a real Temporal dev server (found or built), an embedded simulated Mesos cluster, the worker,
 * and one drainAgent run, with its progress printed and its Web UI link. Keeps everything running until Ctrl-C,
 * or exits after the run with `--exit`. Each demo gets a fresh Temporal database, so runs of an earlier demo never
 * resume against a freshly seeded simulator.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const demoDir = path.join(dataDir(), 'demo');
    rmSync(demoDir, { recursive: true, force: true });
    say('▶ starting the Temporal dev server (real server, SQLite in .data/demo)...');
    const port = options.port ?? (await preferredPort(7233));
    const uiPort = options.uiPort ?? (await preferredPort(8233));
    const server = await startDevServer({ dataDir: demoDir, port, uiPort, log: (l) => say(`  ${l}`) });
    stops.push(() => server.stop());
    say(`  Temporal Web UI: ${server.uiUrl}`);

    say(`▶ starting a simulated Mesos cluster (${options.agents} agents, ${options.tasksPerAgent} tasks each)...`);
    const cluster = await startCluster({ agents: options.agents, tasksPerAgent: options.tasksPerAgent, timeScale: options.timeScale, seed: 1 });
    stops.push(() => cluster.stop());
    say(`  master: ${cluster.leader}`);

    const config = parseConfig({
      temporal: { address: server.address, namespace: server.namespace, uiUrl: server.uiUrl },
      clusters: { default: { masters: cluster.masters } },
    });
    say('▶ starting the worker (task queue mesos-runbooks)...');
    // The worker's own INFO lines would bury the run's progress; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const worker = await createRunbookWorker({ config });
    const running = worker.run();
    stops.push(() => worker.shutdown());

    const client = await connectClient(config.temporal);
    stops.push(() => client.connection.close());
    const clusters = ClusterRegistry.fromConfig(config);
    stops.push(() => clusters.close());
    const { agents } = await clusters.master('default').getAgents();
    const target = agents[0];
    const input = { cluster: 'default', hostname: target.agent_info.hostname, reason: 'demo: kernel upgrade', maxGracePeriodSeconds: 5, reactivate: true };
    say(`▶ starting drainAgent on ${target.agent_info.hostname} (${target.agent_info.id?.value})`);
    say(`  same as: temporal workflow start --task-queue mesos-runbooks --type drainAgent --input '${JSON.stringify(input)}'`);
    const handle = await startRunbook({ client, taskQueue: config.temporal.taskQueue, runbook: 'drainAgent', input, initiator: 'demo', clusters });
    const link = runUrl(server.uiUrl, server.namespace, handle.workflowId, handle.firstExecutionRunId);
    say(`  run: ${handle.workflowId}`);
    say(`  Web UI: ${link}`);
    const result = await watchRun(handle);
    say(`✔ drainAgent finished: ${JSON.stringify(result)}`);
    say(`  Web UI of the run: ${link}`);
    if (options.exit) {
      await stopAll();
      await running.catch(() => undefined);
      return 0;
    }
    say('Everything keeps running: open the Web UI above, or start more runs with the temporal CLI:');
    say(`  temporal workflow start --address ${server.address} --task-queue mesos-runbooks --type drainAgent --input '{"hostname":"${agents[1]?.agent_info.hostname ?? 'agent-2.sim.local'}","reason":"try it"}'`);
    say('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    say('stopping...');
    await stopAll();
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
