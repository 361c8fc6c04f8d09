/**
 * Fleet benchmark (issue 11): rollingMaintenance of N simulated agents, drainAgent per machine, batch 10,
 * maxConcurrent 50, on a real Temporal dev server (headless, in a temporary folder), the worker in a process of its
 * own (so its peak RSS is its own), the simulator over HTTP behind a counting proxy.
 *
 * - Wall time of the roll against the ideal critical path: the same batches, in the same order, under the same
 *   rule (a batch starts when it fits whole under maxConcurrent), each machine out exactly as long as Mesos took
 *   to drain it (DRAIN_AGENT accepted → the agent DRAINED, seen in the simulator's model every 20 ms). The rest is
 *   orchestration, broken down per machine: before the drain (the child's start, validation, preflight, lease), from
 *   DRAINED to REACTIVATE_AGENT (the watcher noticing, the run's reaction), to the child's close, and from a child's
 *   close to the next batch's start (the roll's reaction).
 * - The largest history of any workflow run (visibility's HistoryLength), per type.
 * - The worker's peak RSS (/proc VmHWM) with its workflow cache size.
 * - Master requests per 5 s during the roll, by call type.
 * - The planner (selection + batches) for 10,000 agents, from a parsed GET_AGENTS (decoding is the client's,
 *   benchmarked in the client section).
 *
 * Writes the "## Fleet" section of docs/benchmarks.md (other sections are kept).
 * Env: BENCH_WORKER_LOG=<file> keeps the worker's log; BENCH_WORKER_BIN=<file> runs another CLI entry as the worker.
 * Run: npx tsx bench/fleet.ts [--agents 200,1000] [--cache 100] [--worker-heap-mb 160] [--worker-semi-space-mb N] [--worker-cpu-prof <dir>] [--no-floor] [--no-write]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { selectAgents } from '../src/agents/selection';
import { ipFromPid } from '../src/agents/vocabulary';
import { ClusterRegistry } from '../src/clusters';
import { parseConfig } from '../src/config';
import type { Progress } from '../src/contracts';
import { planBatches, type RollMachine } from '../src/fleet/planner';
import { GetAgentsSchema } from '../src/mesos';
import { startCluster, type SimCluster } from '../src/sim';
import { RunbookClient } from '../src/temporal/control';
import { startDevServer } from '../src/temporal/dev-server';
import { startCountingProxy, type CountingProxy } from '../test/helpers/counting-proxy';
import { runFloor, type FloorResult } from './lib/floor';
import { verdict, writeBenchmarkSection } from './lib/report';

const { values } = parseArgs({ options: { agents: { type: 'string' }, cache: { type: 'string' }, 'worker-heap-mb': { type: 'string' }, 'worker-cpu-prof': { type: 'string' }, 'worker-semi-space-mb': { type: 'string' }, 'no-floor': { type: 'boolean' }, 'no-write': { type: 'boolean' } } });
/** A whole-number option (0 or more), or its default; anything else stops the bench with the option's name. */
function wholeNumber(option: string, text: string | undefined, fallback: number): number {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`bench/fleet.ts: --${option} ${text}: give a whole number (0 or more)\n`);
    process.exit(2);
  }
  return n;
}
const SIZES = (values.agents ?? '200,1000').split(',').map((a) => wholeNumber('agents', a, 0));
const CACHE = wholeNumber('cache', values.cache, 100);
/** The worker's V8 old-space limit (--max-old-space-size), per heap: docker-compose.yml's 160 unless given (0: Node's default for the machine's memory). */
const WORKER_HEAP_MB = wholeNumber('worker-heap-mb', values['worker-heap-mb'], 160) || undefined;
/** V8's young generation per isolate (--max-semi-space-size, MB; Node's default 16): the worker's two threads each have one. */
const WORKER_SEMI_SPACE_MB = wholeNumber('worker-semi-space-mb', values['worker-semi-space-mb'], 0) || undefined;
const BATCH = 10;
const MAX_CONCURRENT = 50;
const CLUSTER = 'bench';
const TASK_QUEUE = 'bench-fleet';
const ROOT = path.resolve(__dirname, '..');

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

/** The V8 flags of the roll's worker and of the floor's. */
function workerNodeOptions(): string {
  return [process.env.NODE_OPTIONS, WORKER_HEAP_MB ? `--max-old-space-size=${WORKER_HEAP_MB}` : '', WORKER_SEMI_SPACE_MB ? `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}` : ''].filter(Boolean).join(' ');
}

/** The environment of the roll's worker and of the floor's: as docker-compose.yml runs the worker (glibc's allocator kept to 2 arenas). */
function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: workerNodeOptions(), MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
}

/** The worker, a process of its own: `mesos-runbooks worker` with the bench's configuration file. */
async function startWorker(configFile: string): Promise<ChildProcess> {
  const profile = values['worker-cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['worker-cpu-prof']}`] : [];
  const child = spawn(process.execPath, [...profile, process.env.BENCH_WORKER_BIN ?? path.join(ROOT, 'bin/mesos-runbooks.js'), '--config', configFile, 'worker', '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: workerEnv(),
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('"worker"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${err.slice(-2000)}`)));
  });
  child.stderr!.removeAllListeners('data');
  // The worker's log, when asked for (BENCH_WORKER_LOG=<file>): why a roll stopped moving, say.
  if (process.env.BENCH_WORKER_LOG) child.stderr!.pipe(createWriteStream(process.env.BENCH_WORKER_LOG));
  else child.stderr!.resume();
  return child;
}

/** VmRSS / VmHWM of a process, kB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of the line)
}

/** The ideal makespan: batches in order, a batch starts when it fits whole under `max`, machines take `durations`. */
export function idealMakespan(batches: number[][], max: number): number {
  const running: number[] = []; // end times
  let now = 0;
  let end = 0;
  for (const batch of batches) {
    running.sort((a, b) => a - b);
    while (running.length > 0 && running.length + batch.length > Math.max(max, batch.length)) now = Math.max(now, running.shift()!);
    for (const d of batch) {
      running.push(now + d);
      end = Math.max(end, now + d);
    }
  }
  return end;
}

interface SizeResult {
  agents: number;
  wallMs: number;
  idealMs: number;
  drainMedianMs: number;
  beforeDrainMs: number;
  drainedToReactivateMs: number;
  reactivateToCloseMs: number;
  parentReactionMs: number;
  largest: { type: string; workflowId: string; events: number }[];
  continuedAsNew: number;
  peakRssKb: number;
  idleRssKb: number;
  requestsPer5s: { type: string; median: number; max: number }[];
  outcome: string;
  /** CPU seconds used during the roll: the dev server, the worker, this process (the simulator, the proxy, the bench). */
  cpu: { server: number; worker: number; sim: number };
  /** A drainAgent child's activities (from one child's history). */
  childActivities: number;
  /** The Temporal floor: the same batches and timings, a bare child per machine (bench/lib/floor-workflows.ts). */
  floors: FloorResult[];
}

async function runSize(agents: number): Promise<SizeResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-fleet-${agents}-`));
  const server = await startDevServer({ dataDir: dir, headless: true, log: () => undefined });
  let sim: SimCluster | undefined;
  let proxy: CountingProxy | undefined;
  let worker: ChildProcess | undefined;
  let connection: Connection | undefined;
  let clusters: ClusterRegistry | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    sim = await startCluster({ agents, tasksPerAgent: 2, frameworks: 2, timeScale: 1, seed: 7, heartbeatIntervalSeconds: 15 });
    proxy = await startCountingProxy(sim.masters[0]!);
    const configFile = path.join(dir, 'mesos-runbooks.json');
    const configInput = {
      clusters: { [CLUSTER]: { masters: [proxy.url] } },
      temporal: { address: server.address, taskQueue: TASK_QUEUE, worker: { maxCachedWorkflows: CACHE } },
    };
    writeFileSync(configFile, JSON.stringify(configInput));
    worker = await startWorker(configFile);
    const idleRssKb = memoryOf(worker.pid!).rss;
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    clusters = ClusterRegistry.fromConfig(parseConfig(configInput));
    const runbooks = new RunbookClient({ client, taskQueue: TASK_QUEUE, identity: 'bench', clusters });

    // The simulator's side: when each agent became DRAINED (its model, every 20 ms), the worker's memory every 500 ms.
    const drainedAt = new Map<string, number>();
    timers.push(
      setInterval(() => {
        for (const a of sim!.model.agents.values()) if (a.drain?.state === 'DRAINED' && !drainedAt.has(a.id)) drainedAt.set(a.id, Date.now());
      }, 20),
    );
    let peakRssKb = 0;
    timers.push(setInterval(() => (peakRssKb = Math.max(peakRssKb, memoryOf(worker!.pid!).rss)), 500));

    const auditMark = sim.audit().length;
    const cpuAtStart = { server: cpuSecondsOf(server.pid), worker: cpuSecondsOf(worker.pid!), sim: cpuSecondsOf(process.pid) };
    const started = Date.now();
    const run = await runbooks.start(
      'rollingMaintenance',
      { cluster: CLUSTER, agents: { all: true }, batchSize: BATCH, maxConcurrent: MAX_CONCURRENT, reason: 'bench: kernel upgrade', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 5, reactivate: true } },
      { idSuffix: `bench-${agents}` },
    );
    const handle = client.workflow.getHandle(run.workflowId);
    let lastReport = Date.now();
    const done = handle.result();
    for (;;) {
      const finished = await Promise.race([done.then(() => true), sleep(10_000).then(() => false)]);
      if (finished) break;
      if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode}) during the roll${process.env.BENCH_WORKER_LOG ? `; its log: ${process.env.BENCH_WORKER_LOG}` : ' (BENCH_WORKER_LOG=<file> keeps its log)'}`);
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const p = await handle.query<Progress>('progress').catch(() => undefined);
        const s = (p?.details as { summary?: { batchesDone: number; batchesRunning: number; batchesPending: number } } | undefined)?.summary;
        say(`  ${sec(Date.now() - started)}: ${s ? `${s.batchesDone} batches done, ${s.batchesRunning} running, ${s.batchesPending} pending` : p?.phase}; worker RSS ${mb(memoryOf(worker.pid!).rss)}`);
      }
    }
    const result = (await done) as { done: number; failed: number; skipped: number; quarantined: number };
    const wallMs = Date.now() - started;
    const cpu = { server: cpuSecondsOf(server.pid) - cpuAtStart.server, worker: cpuSecondsOf(worker.pid!) - cpuAtStart.worker, sim: cpuSecondsOf(process.pid) - cpuAtStart.sim };
    say(`  CPU during the roll: dev server ${cpu.server.toFixed(1)} s, worker ${cpu.worker.toFixed(1)} s, simulator + bench ${cpu.sim.toFixed(1)} s (${os.cpus().length} cores x ${sec(wallMs)})`);
    peakRssKb = Math.max(peakRssKb, memoryOf(worker.pid!).hwm);
    for (const t of timers) clearInterval(t);
    const outcome = `${result.done} done, ${result.failed} failed, ${result.skipped} skipped, ${result.quarantined} quarantined`;
    say(`  ${agents} agents: ${outcome} in ${sec(wallMs)}`);

    // The plan as run (batches of hostnames), and each machine's timings.
    const progress = await handle.query<Progress>('progress');
    const plan = (progress.details as { batches: { machines: { hostname: string; agentId: string }[] }[] }).batches;
    const audit = sim.audit().slice(auditMark);
    const atOf = (call: string) => {
      const m = new Map<string, number>();
      for (const e of audit) if (e.call === call && e.outcome !== 'rejected' && e.target && !m.has(e.target)) m.set(e.target, Date.parse(e.at));
      return m;
    };
    const drainCall = atOf('DRAIN_AGENT');
    const reactivateCall = atOf('REACTIVATE_AGENT');
    const children = new Map<string, { start: number; close: number; events: number }>();
    const largestByType = new Map<string, { workflowId: string; events: number }>();
    let continuedAsNew = 0;
    for await (const w of client.workflow.list({ query: '' })) {
      const events = w.historyLength ?? 0;
      const best = largestByType.get(w.type);
      if (!best || events > best.events) largestByType.set(w.type, { workflowId: w.workflowId, events });
      if (w.status.name === 'CONTINUED_AS_NEW') continuedAsNew += 1;
      if (w.status.name === 'RUNNING') {
        // Visibility updates HistoryLength when a run closes; an open one (the entity workflows) is described.
        const d = await client.workflow.getHandle(w.workflowId, w.runId).describe();
        const open = d.historyLength ?? 0;
        if (open > (largestByType.get(w.type)?.events ?? 0)) largestByType.set(w.type, { workflowId: w.workflowId, events: open });
      }
      if (w.type === 'drainAgent' && w.closeTime) children.set(w.workflowId.slice(run.workflowId.length + 1), { start: w.startTime.getTime(), close: w.closeTime.getTime(), events });
    }
    const durations = plan.map((b) => b.machines.map((m) => (drainedAt.get(m.agentId) ?? NaN) - (drainCall.get(m.agentId) ?? NaN)));
    const idealMs = idealMakespan(durations, MAX_CONCURRENT);
    const perMachine = plan.flatMap((b) => b.machines).map((m) => ({ m, child: children.get(m.hostname) }));
    const beforeDrain = perMachine.map(({ m, child }) => (drainCall.get(m.agentId) ?? NaN) - (child?.start ?? NaN));
    const drainedToReactivate = perMachine.map(({ m }) => (reactivateCall.get(m.agentId) ?? NaN) - (drainedAt.get(m.agentId) ?? NaN));
    const reactivateToClose = perMachine.map(({ m, child }) => (child?.close ?? NaN) - (reactivateCall.get(m.agentId) ?? NaN));
    // The roll's reaction: from the child close that made room to the next batch's first child start.
    const batchStarts = plan.map((b) => Math.min(...b.machines.map((m) => children.get(m.hostname)?.start ?? Infinity)));
    const closes = [...children.values()].map((c) => c.close).sort((a, b) => a - b);
    const reactions = batchStarts.slice(MAX_CONCURRENT / BATCH).map((s) => s - Math.max(...closes.filter((c) => c <= s)));

    // Master requests per 5 s during the roll, by call type.
    const buckets = new Map<string, number[]>();
    const nBuckets = Math.max(1, Math.floor(wallMs / 5000));
    for (const c of proxy.calls) {
      if (c.at < started || c.at >= started + nBuckets * 5000) continue;
      const b = buckets.get(c.type) ?? new Array<number>(nBuckets).fill(0);
      b[Math.floor((c.at - started) / 5000)]! += 1;
      buckets.set(c.type, b);
    }
    const requestsPer5s = [...buckets.entries()].map(([type, b]) => ({ type, median: median(b), max: Math.max(...b) })).sort((a, b) => b.median - a.median || b.max - a.max);

    // The Temporal floor on the same server, the roll's worker stopped: a bare child per machine with 1 activity,
    // then with as many activities as a drainAgent child ran.
    const oneChild = [...children.keys()][0];
    let childActivities = 0;
    if (oneChild) {
      const history = await client.workflow.getHandle(`${run.workflowId}/${oneChild}`).fetchHistory();
      childActivities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
    }
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    const floors: FloorResult[] = [];
    for (const activities of values['no-floor'] ? [] : [...new Set([1, childActivities].filter((a) => a > 0))]) {
      say(`  Temporal floor: ${agents} bare children, ${activities} activit${activities === 1 ? 'y' : 'ies'} each...`);
      const f = await runFloor({ address: server.address, serverPid: server.pid, batches: durations, maxConcurrent: MAX_CONCURRENT, activities, maxCachedWorkflows: CACHE, env: workerEnv(), cpuOf: cpuSecondsOf, memoryOf });
      say(`    ${sec(f.wallMs)} (${(f.wallMs / idealMs).toFixed(2)}x the ideal ${sec(idealMs)}); CPU dev server ${f.cpu.server.toFixed(1)} s, worker ${f.cpu.worker.toFixed(1)} s; worker RSS ready ${mb(f.idleRssKb)}, peak ${mb(f.peakRssKb)}`);
      floors.push(f);
    }

    return {
      agents,
      wallMs,
      idealMs,
      drainMedianMs: median(durations.flat()),
      beforeDrainMs: median(beforeDrain),
      drainedToReactivateMs: median(drainedToReactivate),
      reactivateToCloseMs: median(reactivateToClose),
      parentReactionMs: median(reactions),
      largest: [...largestByType.entries()].map(([type, v]) => ({ type, ...v })).sort((a, b) => b.events - a.events),
      continuedAsNew,
      peakRssKb,
      idleRssKb,
      requestsPer5s,
      outcome,
      cpu,
      childActivities,
      floors,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await clusters?.close();
    await connection?.close();
    await proxy?.close();
    await sim?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The planner for `n` agents: the selection over a parsed GET_AGENTS, machines keyed by hostname + ip, batches by zone. */
function plannerMs(n: number, trials = 7): number {
  const view = GetAgentsSchema.parse({
    agents: Array.from({ length: n }, (_, i) => ({
      agent_info: { id: { value: `S${i}` }, hostname: `agent-${i}.sim.local`, attributes: [{ name: 'zone', type: 'TEXT', text: { value: `zone-${i % 3}` } }] },
      active: true,
      deactivated: false,
      pid: `slave(1)@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5051`,
    })),
  });
  const times: number[] = [];
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    const selected = selectAgents(view, { all: true, includeDraining: false }, CLUSTER, 'agents');
    if (!selected.ok) throw new Error(selected.message);
    const machines: RollMachine[] = selected.agents.map((a) => ({ hostname: a.agent_info.hostname, ip: ipFromPid(a.pid) ?? '', agentId: a.agent_info.id?.value ?? '', group: a.agent_info.attributes?.[0]?.text?.value }));
    const batches = planBatches(machines, { batchSize: BATCH, canary: { agents: 1 } });
    if (batches.reduce((s, b) => s + b.machines.length, 0) !== n) throw new Error('planner lost machines');
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const planner = { 1000: plannerMs(1000), 10000: plannerMs(10_000) };
  say(`planner: 1,000 agents ${planner[1000].toFixed(1)} ms, 10,000 agents ${planner[10000].toFixed(1)} ms`);
  const results: SizeResult[] = [];
  for (const n of SIZES) {
    say(`rolling ${n} agents (batch ${BATCH}, maxConcurrent ${MAX_CONCURRENT}, worker cache ${CACHE})...`);
    results.push(await runSize(n));
  }
  const lines = [
    '## Fleet',
    '',
    `\`npm run bench -- fleet\` (bench/fleet.ts), ${new Date().toISOString().slice(0, 10)}, this machine (${os.cpus().length} cores): rollingMaintenance over`,
    `every agent of a simulated cluster (2 tasks per agent, kill times 0.2-4 s, grace capped at 3 s: one drain takes`,
    `a few seconds), drainAgent per machine with reactivation, batch ${BATCH}, maxConcurrent ${MAX_CONCURRENT}; a Temporal dev server`,
    `(SQLite) and the worker (\`mesos-runbooks worker\`, its own process, \`temporal.worker.maxCachedWorkflows: ${CACHE}\`, run as`,
    `docker-compose.yml runs it: \`MALLOC_ARENA_MAX=2\`${WORKER_HEAP_MB ? `, \`--max-old-space-size=${WORKER_HEAP_MB}\`` : ''}) on the`,
    'same 2 cores as the simulator. The ideal critical path runs the same batches under the same rule with each machine',
    'out exactly as long as Mesos took to drain it. The Temporal floor runs on the same server right after (the roll\'s',
    'worker stopped) the same batches with the same timings, a bare child workflow per machine whose activity only sleeps',
    'that long (bench/lib/floor-workflows.ts), its worker a process of its own with the same cache and V8 flags: what',
    'Temporal and its SDK alone cost for this shape on this machine.',
    `Load average (1 min) when the bench ended: ${os.loadavg()[0]!.toFixed(1)} (other work on the machine shows here and in the CPU row).`,
    '',
    `| | ${results.map((r) => `${r.agents} agents`).join(' | ')} | target |`,
    `|---|${results.map(() => '---|').join('')}---|`,
    `| outcome | ${results.map((r) => r.outcome).join(' | ')} | |`,
    `| wall time of the roll | ${results.map((r) => sec(r.wallMs)).join(' | ')} | |`,
    `| ideal critical path | ${results.map((r) => sec(r.idealMs)).join(' | ')} | |`,
    `| ratio | ${results.map((r) => `${(r.wallMs / r.idealMs).toFixed(2)}× (${verdict(r.wallMs / r.idealMs <= 1.2)})`).join(' | ')} | ≤ 1.2× |`,
    `| CPU during the roll: dev server / worker / simulator + bench | ${results.map((r) => `${r.cpu.server.toFixed(0)} / ${r.cpu.worker.toFixed(0)} / ${r.cpu.sim.toFixed(0)} s (of ${((os.cpus().length * r.wallMs) / 1000).toFixed(0)})`).join(' | ')} | |`,
    ...[0, 1].map((i) => `| Temporal floor${i === 0 ? ' (1 activity a child)' : ` (${results[0]?.floors[1]?.activities ?? '-'} activities a child, as drainAgent)`}: wall / ratio / CPU server, worker / worker RSS ready, peak | ${results.map((r) => { const f = r.floors[i]; return f ? `${sec(f.wallMs)} / ${(f.wallMs / r.idealMs).toFixed(2)}× / ${f.cpu.server.toFixed(0)}, ${f.cpu.worker.toFixed(0)} s / ${mb(f.idleRssKb)}, ${mb(f.peakRssKb)}` : '-'; }).join(' | ')} | |`),
    `| one drain in Mesos (median) | ${results.map((r) => sec(r.drainMedianMs)).join(' | ')} | |`,
    `| per machine: child start → DRAIN_AGENT (median) | ${results.map((r) => sec(r.beforeDrainMs)).join(' | ')} | |`,
    `| per machine: DRAINED → REACTIVATE_AGENT | ${results.map((r) => sec(r.drainedToReactivateMs)).join(' | ')} | |`,
    `| per machine: REACTIVATE_AGENT → child closed | ${results.map((r) => sec(r.reactivateToCloseMs)).join(' | ')} | |`,
    `| roll: a child closed → the next batch started | ${results.map((r) => sec(r.parentReactionMs)).join(' | ')} | |`,
    `| largest history of any run | ${results.map((r) => `${r.largest[0]?.events} (${r.largest[0]?.type}) (${verdict((r.largest[0]?.events ?? 0) < 10_000)})`).join(' | ')} | < 10,000 events |`,
    `| largest roll history (runs continued as new) | ${results.map((r) => `${r.largest.find((l) => l.type === 'rollingMaintenance')?.events} (${r.continuedAsNew})`).join(' | ')} | |`,
    `| worker RSS when ready (idle) | ${results.map((r) => mb(r.idleRssKb)).join(' | ')} | |`,
    `| worker peak RSS (cache ${CACHE}${WORKER_HEAP_MB ? `, --max-old-space-size=${WORKER_HEAP_MB}` : ''}${WORKER_SEMI_SPACE_MB ? `, --max-semi-space-size=${WORKER_SEMI_SPACE_MB}` : ''}) | ${results.map((r) => `${mb(r.peakRssKb)} (${verdict(r.peakRssKb <= 300 * 1024)})`).join(' | ')} | ≤ 300 MB |`,
    ...[...new Set(results.flatMap((r) => r.requestsPer5s.slice(0, 6).map((q) => q.type)))].map(
      (type) => `| master ${type} per 5 s (median / max) | ${results.map((r) => { const q = r.requestsPer5s.find((x) => x.type === type); return q ? `${q.median} / ${q.max}` : '0'; }).join(' | ')} | |`,
    ),
    '',
    `Planner (selection + batches by zone, canary 1, batch ${BATCH}, median of 7): 1,000 agents ${planner[1000].toFixed(1)} ms; 10,000 agents ${planner[10000].toFixed(1)} ms (${verdict(planner[10000] < 1000)}; target < 1 s).`,
    '',
    'Largest histories by workflow type:',
    '',
    ...results.map((r) => `- ${r.agents} agents: ${r.largest.slice(0, 6).map((l) => `${l.type} ${l.events}`).join(', ')}`),
  ];
  for (const line of lines) say(line);
  if (!values['no-write']) say(`written to ${writeBenchmarkSection('## Fleet', lines.join('\n'))}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      const cause = (err as { cause?: { message?: string; cause?: { message?: string } } }).cause;
      process.stderr.write(`${(err as Error).stack ?? err}${cause ? `\ncaused by: ${cause.message}${cause.cause ? `: ${cause.cause.message}` : ''}` : ''}\n`);
      process.exit(1);
    },
  );
}
