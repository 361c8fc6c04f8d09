import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ClusterRegistry } from '../../src/clusters';
import { parseConfig } from '../../src/config';
import { startCluster, type SimCluster } from '../../src/sim';
import { startPostgres, type Postgres } from '../../src/temporal/postgres';
import { startTemporalServer, type TemporalServer } from '../../src/temporal/server';
import { dataConverterFor } from '../../src/temporal/codec';
import { freePort } from '../../src/temporal/free-port';
import { RunbookClient } from '../../src/temporal/control';
import { eventually, progressUntil } from '../helpers/runbook-env';

// The production stack on loopback: Temporal server v1.29.1 (built from its Go module) on Debian's PostgreSQL, two
// worker processes on one task queue, a simulated Mesos cluster. One worker is killed (SIGKILL) while several runs
// wait; the other finishes them all, each Mesos change applied once. Then the server itself is killed and started
// again while runs wait; they resume.
const root = path.resolve(__dirname, '../..');
const cluster = 'stack';
const taskQueue = 'mesos-runbooks-stack';
const MUTATING = ['DRAIN_AGENT', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'REACTIVATE_AGENT'];

interface WorkerProcess {
  child: ChildProcess;
  identity: string;
  stderr: () => string;
  metricsUrl: string;
}

interface Run {
  runbook: 'drainAgent' | 'agentMaintenance';
  agent: { id: string; hostname: string };
  handle: WorkflowHandle;
}

let dir: string;
let postgres: Postgres;
let server: TemporalServer;
let sim: SimCluster;
let client: Client;
let clusters: ClusterRegistry;
let baseConfig: Record<string, unknown>;
// Production settings: payloads encrypted (the key by reference, from the environment), metrics served.
const workerEnv = { ...process.env, MR_STACK_PAYLOAD_KEY: randomBytes(32).toString('base64') };
const encryption = { keyId: 'stack-1', key: { env: 'MR_STACK_PAYLOAD_KEY' } };
const workers: WorkerProcess[] = [];
let agents: { id: string; hostname: string }[];

async function startWorker(): Promise<WorkerProcess> {
  const port = await freePort();
  const configFile = path.join(dir, `worker-${workers.length}.json`);
  writeFileSync(configFile, JSON.stringify({ ...baseConfig, observability: { metrics: { bindAddress: `127.0.0.1:${port}` } } }));
  const child = spawn(process.execPath, [path.join(root, 'bin/mesos-runbooks.js'), '--config', configFile, 'worker'], { env: workerEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  await eventually('the worker process to serve', () => /worker serving task queue/.test(stderr) || child.exitCode !== null, 90_000);
  if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${stderr}`);
  const worker = { child, identity: `${child.pid}@${os.hostname()}`, stderr: () => stderr, metricsUrl: `http://127.0.0.1:${port}/metrics` };
  workers.push(worker);
  return worker;
}

async function stopWorker(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise((r) => worker.child.once('exit', r));
  worker.child.kill(signal);
  await exited;
}

function framework() {
  return [...sim.model.frameworks.values()][0];
}

/** Applied (not rejected) mutating calls whose target names the agent or its machine. */
function appliedCounts(agent: { id: string; hostname: string }): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of sim.audit()) {
    if (!MUTATING.includes(e.call) || e.outcome === 'rejected' || e.call === 'UPDATE_MAINTENANCE_SCHEDULE') continue;
    if (!(e.target?.includes(agent.id) || e.target?.split(',').some((m) => m.split('/')[0] === agent.hostname))) continue;
    counts[e.call] = (counts[e.call] ?? 0) + 1;
  }
  return counts;
}

function expectedCounts(run: Run): Record<string, number> {
  return run.runbook === 'drainAgent' ? { DRAIN_AGENT: 1, REACTIVATE_AGENT: 1 } : { DRAIN_AGENT: 1, START_MAINTENANCE: 1, STOP_MAINTENANCE: 1 };
}

/** Schedule updates that added the machine: one per agentMaintenance run, however often its steps were retried. */
function scheduleAdds(agent: { hostname: string }): number {
  let inSchedule = false;
  let adds = 0;
  for (const e of sim.audit()) {
    if (e.call !== 'UPDATE_MAINTENANCE_SCHEDULE' || e.outcome === 'rejected') continue;
    const now = (e.target ?? '').split(',').some((m) => m.split('/')[0] === agent.hostname);
    if (now && !inSchedule) adds++;
    inSchedule = now;
  }
  return adds;
}

async function startRuns(plan: Run['runbook'][]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const runbook of plan) {
    const agent = agents.shift()!;
    const input =
      runbook === 'drainAgent'
        ? { cluster, agentId: agent.id, reason: 'stack test', maxGracePeriodSeconds: 1, reactivate: true }
        : { cluster, agentId: agent.id, reason: 'stack test', maxGracePeriodSeconds: 1, workDurationSeconds: 0 };
    const started = await new RunbookClient({ client, taskQueue, clusters }).start(runbook, input, { idSuffix: `stack-${Date.now().toString(36)}` });
    const handle = client.workflow.getHandle(started.workflowId);
    runs.push({ runbook, agent, handle });
  }
  return runs;
}

/** What a finished run returned, in short: agentMaintenance's outcome, drainAgent's final state. */
function summary(result: unknown): string {
  const r = result as { outcome?: string; finalState?: string };
  return r.outcome ?? r.finalState ?? JSON.stringify(result);
}

function finished(run: Run): string {
  return run.runbook === 'drainAgent' ? 'REACTIVATED' : 'completed';
}

/** The identities of the workers that completed workflow tasks of the run so far. */
async function workflowTaskWorkers(handle: WorkflowHandle): Promise<Set<string>> {
  const history = await handle.fetchHistory();
  return new Set((history.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter((i): i is string => Boolean(i)));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-stack-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  postgres = await startPostgres({ dataDir: path.join(dir, 'postgres'), log: () => undefined });
  server = await startTemporalServer({
    postgres,
    dataDir: path.join(dir, 'temporal'),
    // New search attributes are visible at once (as on the dev server) instead of after the cache's refresh.
    dynamicConfig: { 'system.forceSearchAttributesCacheRefreshOnRead': true },
    log: () => undefined,
  });
  sim = await startCluster({ agents: 8, tasksPerAgent: 2, seed: 7, timeScale: 20, agentReturnDelaySeconds: 2 });
  agents = [...sim.model.agents.values()].sort((a, b) => a.seq - b.seq).map((a) => ({ id: a.id, hostname: a.hostname }));
  baseConfig = { temporal: { address: server.address, namespace: server.namespace, taskQueue, encryption }, clusters: { [cluster]: { masters: sim.masters } } };
  const config = parseConfig(baseConfig);
  clusters = ClusterRegistry.fromConfig(config);
  const dataConverter = dataConverterFor(config.temporal.encryption, workerEnv);
  client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace, dataConverter });
}, 240_000);

afterAll(async () => {
  for (const worker of workers) await stopWorker(worker, 'SIGTERM');
  await client?.connection.close();
  await clusters?.close();
  await sim?.stop();
  await server?.stop();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the production stack: Temporal on PostgreSQL, two workers', () => {
  it('a worker killed (SIGKILL) while runs wait: the other finishes every run, each Mesos change applied once', async () => {
    sim.setFrameworkAcknowledges(framework().id, false); // holds the agents in DRAINING
    // The first runs start while worker A is alone, so A surely holds them when it dies; the later ones go to either.
    const a = await startWorker();
    const early = await startRuns(['drainAgent', 'agentMaintenance']);
    for (const run of early) await progressUntil(run.handle, (p) => p.phase === 'wait for DRAINED', 90_000);
    const b = await startWorker();
    const late = await startRuns(['agentMaintenance', 'drainAgent']);
    const runs = [...early, ...late];
    for (const run of late) await progressUntil(run.handle, (p) => p.phase === 'wait for DRAINED', 90_000);
    for (const run of early) expect(await workflowTaskWorkers(run.handle)).toEqual(new Set([a.identity]));

    await stopWorker(a, 'SIGKILL');
    sim.setFrameworkAcknowledges(framework().id, true);
    const results = await Promise.all(runs.map((r) => r.handle.result()));
    expect(results.map(summary)).toEqual(runs.map(finished));
    for (const run of runs) {
      expect({ run: run.runbook, calls: appliedCounts(run.agent) }).toEqual({ run: run.runbook, calls: expectedCounts(run) });
      if (run.runbook === 'agentMaintenance') expect({ agent: run.agent.hostname, adds: scheduleAdds(run.agent) }).toEqual({ agent: run.agent.hostname, adds: 1 });
    }
    // The runs A held were finished by B.
    for (const run of early) expect(await workflowTaskWorkers(run.handle)).toEqual(new Set([a.identity, b.identity]));
    expect(b.child.exitCode).toBeNull();
    // What the server stored is ciphertext; B's metrics count the runs it finished.
    const completed = (await runs[0].handle.fetchHistory()).events!.find((e) => e.workflowExecutionCompletedEventAttributes)!;
    const payload = completed.workflowExecutionCompletedEventAttributes!.result!.payloads![0];
    expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const page = await (await fetch(b.metricsUrl)).text();
    const finishedHere = [...page.matchAll(/^mesos_runbooks_runs_finished_total\{[^}]*outcome="completed"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(finishedHere).toBeGreaterThanOrEqual(early.length);
    expect(page).toMatch(/^temporal_workflow_completed\{/m);
  }, 300_000);

  it('the server killed and started again while runs wait: the runs resume and finish, each change applied once', async () => {
    const survivor = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
    sim.setFrameworkAcknowledges(framework().id, false);
    const runs = await startRuns(['agentMaintenance', 'drainAgent']);
    for (const run of runs) await progressUntil(run.handle, (p) => p.phase === 'wait for DRAINED', 90_000);

    const pidBefore = server.pid;
    await server.restart('SIGKILL');
    expect(server.pid).not.toBe(pidBefore);
    sim.setFrameworkAcknowledges(framework().id, true);
    const results = await Promise.all(runs.map((r) => r.handle.result()));
    expect(results.map(summary)).toEqual(runs.map(finished));
    for (const run of runs) expect({ run: run.runbook, calls: appliedCounts(run.agent) }).toEqual({ run: run.runbook, calls: expectedCounts(run) });
    expect(scheduleAdds(runs[0].agent)).toBe(1);
    // The same worker process served across the server restart (it reconnected by itself).
    expect(survivor.child.exitCode).toBeNull();
    for (const run of runs) expect(await workflowTaskWorkers(run.handle)).toEqual(new Set([survivor.identity]));
  }, 300_000);
});
