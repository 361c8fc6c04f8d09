/**
 * The world a rehearsal runs in, all on loopback and all its own: the simulator loaded from the snapshot, a
 * Temporal dev server (a temporary database), the worker, and stand-ins for the URLs a run would call. Its
 * configuration is built here from nothing but those: no cluster, credential, Temporal address or notification
 * target of the operator's configuration is ever read, so a rehearsal cannot reach the real cluster. From the
 * operator's configuration it takes the approval policy only (who may approve, how many approvals), to predict
 * the approvals a run would wait for.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseConfig, type Config, type PolicyConfig } from '../config';
import { DEFAULT_TASK_QUEUE } from '../contracts/ids';
import { MasterClient, type MesosCallEvent } from '../mesos';
import { startCluster, type SimCluster } from '../sim';
import { connectClient, connectWorker } from '../temporal/connection';
import { RunbookClient } from '../temporal/control';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { installConciseRuntime } from '../temporal/logger';
import { ClusterRegistry } from '../clusters';
import { createRunbookWorker, type RunbookWorker } from '../worker';
import type { ExitModel } from './exit-model';
import type { Snapshot } from './snapshot';

export interface WorldOptions {
  snapshot: Snapshot;
  /** The cluster name the runbook's input uses: the simulator is configured under it. */
  cluster: string;
  /** Simulated seconds per real second, for the simulator and the runs' own timers alike. */
  speed: number;
  exitModel: ExitModel;
  /** The operator's approval policy (default: anyone approves, one approval). */
  policy?: PolicyConfig;
  seed?: number;
  /** Simulated seconds before a machine's agent returns after STOP_MAINTENANCE (the simulator's default 5). */
  agentReturnSeconds?: number;
  /** A workflow bundle built already (bundleInChildProcess): rehearsals in one process share it (default: built here). */
  workflowBundlePath?: string;
  log?: (line: string) => void;
}

/** A request a stand-in answered in place of a URL the run would have called. */
export interface StandInCall {
  at: number;
  /** The URL of the input it stands in for. */
  url: string;
  purpose: string;
  method: string;
  status: number;
}

/** A loopback server answering, in the run's place, the URLs its input names (a health check, a work webhook). */
export interface StandIns {
  /** The stand-in's URL for `url`, answering `status` (after `delayMs` real ms). */
  add(url: string, purpose: string, answer: { status: number; delayMs?: number }): string;
  readonly calls: StandInCall[];
  readonly replaced: { url: string; purpose: string; standIn: string; status: number }[];
}

export interface World {
  sim: SimCluster;
  /** The rehearsal's own configuration: the simulator and the dev server, nothing else. */
  config: Config;
  temporal: Client;
  server: DevServer;
  taskQueue: string;
  standIns: StandIns;
  /** Every Mesos call the worker made, in the order they ended (what the rehearsal itself reads is not among them). */
  calls: MesosCallEvent[];
  /** The worker's warnings and failed runs, one line each. */
  workerLog: string[];
  /** The rehearsal's own reads of the simulator (gates' reasons), apart from the worker's. */
  mesos: MasterClient;
  /** A control client acting as `identity` (the initiator, an approver). */
  client(identity: string): RunbookClient;
  stop(): Promise<void>;
}

/** The simulator's starting state from a snapshot's answers: its agents, tasks, schedule, quota, weights, flags. */
export function simStateFromSnapshot(snapshot: Snapshot) {
  const r = snapshot.responses;
  return {
    state: r.GET_STATE,
    maintenanceSchedule: r.GET_MAINTENANCE_SCHEDULE,
    maintenanceStatus: r.GET_MAINTENANCE_STATUS,
    quota: r.GET_QUOTA,
    weights: r.GET_WEIGHTS,
    flags: r.GET_FLAGS,
    version: r.GET_VERSION,
  };
}

/**
 * Starts the world. Throws the simulator's RehearsalError for a snapshot it cannot load (every problem with its
 * path), and the dev server's errors when the Temporal CLI cannot be found or built.
 */
export async function startWorld(options: WorldOptions): Promise<World> {
  const log = options.log ?? (() => undefined);
  const stops: { what: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async () => {
    for (const { stop } of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  };
  try {
    const principal = options.snapshot.manifest.principal;
    // The snapshot's principal with a secret of this rehearsal only: reservations are made as on the real cluster.
    const secret = principal ? randomBytes(24).toString('base64url') : undefined;
    const sim = await startCluster({
      host: '127.0.0.1',
      port: 0,
      ...simStateFromSnapshot(options.snapshot),
      timeScale: options.speed,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.agentReturnSeconds !== undefined ? { agentReturnDelaySeconds: options.agentReturnSeconds } : {}),
      taskExitSeconds: options.exitModel,
      ...(principal && secret ? { credentials: [{ principal, secret }] } : {}),
    });
    stops.push({ what: 'the simulator', stop: () => sim.stop() });
    log(`simulator: ${sim.agents.length} agents from the snapshot at ${sim.leader} (speed ${options.speed})`);

    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-rehearsal-'));
    stops.push({ what: 'the data folder', stop: () => rmSync(dataDir, { recursive: true, force: true }) });
    const server = await startDevServer({ dataDir, headless: true, log });
    stops.push({ what: 'the dev server', stop: () => server.stop() });
    log(`Temporal dev server: ${server.address}`);

    const secretVar = `MESOS_RUNBOOKS_REHEARSAL_SECRET_${randomBytes(4).toString('hex').toUpperCase()}`;
    if (secret) {
      process.env[secretVar] = secret;
      stops.push({ what: 'the rehearsal secret', stop: () => void delete process.env[secretVar] });
    }
    const config = parseConfig({
      temporal: { address: server.address, namespace: server.namespace, taskQueue: DEFAULT_TASK_QUEUE },
      clusters: { [options.cluster]: { masters: sim.masters, ...(principal && secret ? { credentials: { kind: 'basic', principal, secret: { env: secretVar } } } : {}) } },
      ...(options.policy ? { policy: options.policy } : {}),
    });

    const workerLog: string[] = [];
    try {
      installConciseRuntime({ level: 'WARN', coreLevel: 'ERROR', print: (line) => workerLog.push(line) });
    } catch {
      // This process has a Temporal Runtime already (a test's): its logger stays.
    }
    const calls: MesosCallEvent[] = [];
    const connection = await connectWorker(config.temporal);
    stops.push({ what: 'the worker connection', stop: () => connection.close() });
    const temporal = await connectClient(config.temporal);
    stops.push({ what: 'the Temporal client', stop: () => temporal.connection.close() });
    const worker: RunbookWorker = await createRunbookWorker({ config, connection, client: temporal, timeScale: options.speed, mesosObserver: (e) => calls.push(e), ...(options.workflowBundlePath ? { workflowBundlePath: options.workflowBundlePath } : {}) });
    const running = worker.run();
    stops.push({ what: 'the worker', stop: () => worker.shutdown().then(() => running) });

    const registry = ClusterRegistry.fromConfig(config);
    stops.push({ what: 'the rehearsal\'s Mesos client', stop: () => registry.close() });
    const standIns = await startStandIns();
    stops.push({ what: 'the stand-ins', stop: () => standIns.close() });
    return {
      sim,
      config,
      temporal,
      server,
      taskQueue: config.temporal.taskQueue,
      standIns,
      calls,
      workerLog,
      mesos: registry.master(options.cluster),
      client: (identity) => new RunbookClient({ client: temporal, taskQueue: config.temporal.taskQueue, identity, clusters: registry }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startStandIns(): Promise<StandIns & { close(): Promise<void> }> {
  const routes = new Map<string, { url: string; purpose: string; status: number; delayMs: number }>();
  const calls: StandInCall[] = [];
  const replaced: StandIns['replaced'] = [];
  const server: Server = createServer((req, res) => {
    const route = routes.get((req.url ?? '').split('?')[0] ?? '');
    req.resume();
    const answer = () => {
      const status = route?.status ?? 404;
      if (route) calls.push({ at: Date.now(), url: route.url, purpose: route.purpose, method: req.method ?? 'GET', status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(route ? 'answered by the rehearsal\n' : 'no such stand-in\n');
    };
    if (route && route.delayMs > 0) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    calls,
    replaced,
    add(url, purpose, answer) {
      const route = `/stand-in/${routes.size + 1}`;
      routes.set(route, { url, purpose, status: answer.status, delayMs: answer.delayMs ?? 0 });
      replaced.push({ url, purpose, standIn: `${base}${route}`, status: answer.status });
      return `${base}${route}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
