/**
 * Simulator benchmark: 10,000 agents and 100,000 tasks. The simulator runs as its own process (the CLI), the
 * benchmark is the client, so the times are the simulator's time to answer plus loopback transfer. Measures
 * start-up, GET_AGENTS and GET_STATE (first call with cold caches, then after a change, repeated, with gzip), int64
 * exactness, and the simulator process's peak memory (VmHWM). Writes the "## Simulator" section of
 * docs/benchmarks.md (other sections are kept).
 *
 * Run: npx tsx bench/sim.ts [--agents N] [--tasks-per-agent N] [--runs N] [--no-write]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { I64, parseJson } from '../src/sim/json';
import { writeBenchmarkSection } from './lib/report';

interface Timing {
  ms: number;
  /** CPU time the simulator process spent meanwhile (user + system), ms; 10 ms resolution. */
  cpuMs: number;
  bytes: number;
  text?: string;
}

let simPid = 0;

/** utime + stime of a process in ms, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function timeCall(url: string, type: string, opts: { gzip?: boolean; keepText?: boolean } = {}): Promise<Timing> {
  const c0 = processCpuMs(simPid);
  const t0 = performance.now();
  const res = await request(`${url}/api/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(opts.gzip ? { 'accept-encoding': 'gzip' } : {}) },
    body: JSON.stringify({ type }),
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += (chunk as Buffer).length;
    if (opts.keepText) chunks.push(chunk as Buffer);
  }
  const ms = performance.now() - t0;
  const cpuMs = processCpuMs(simPid) - c0;
  if (res.statusCode !== 200) throw new Error(`${type} answered ${res.statusCode}`);
  return { ms, cpuMs, bytes, ...(opts.keepText ? { text: Buffer.concat(chunks).toString('utf8') } : {}) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { agents: { type: 'string' }, 'tasks-per-agent': { type: 'string' }, runs: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const agents = Number(values.agents ?? 10_000);
  const perAgent = Number(values['tasks-per-agent'] ?? 10);
  const runs = Number(values.runs ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
  const spawnSim = async (warm: boolean): Promise<{ child: ChildProcess; out: string; startMs: number }> => {
    const cfg = join(dir, `sim-${warm}.json`);
    writeFileSync(cfg, JSON.stringify({ agentListenLimit: 16, warmCaches: warm, frameworks: 5 }));
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'sim', 'cli.ts'), '--agents', String(agents), '--tasks-per-agent', String(perAgent), '--seed', '1', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`simulator exited ${code}`)));
    });
    return { child, out, startMs: performance.now() - t0 };
  };
  const stopSim = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  // Default start-up: caches filled before the ready line.
  const warmRun = await spawnSim(true);
  simPid = warmRun.child.pid as number;
  const warmLeader = (JSON.parse(warmRun.out) as { leader: string }).leader;
  const stateFirstWarm = await timeCall(warmLeader, 'GET_STATE');
  await stopSim(warmRun.child);
  const { child, out, startMs } = await spawnSim(false);
  simPid = child.pid as number;
  try {
    const ready = JSON.parse(out) as { leader: string; admin: string };
    const rssAfterStart = peakRss(child.pid as number);
    const agentsFirst = await timeCall(ready.leader, 'GET_AGENTS', { keepText: true });
    const stateCold = await timeCall(ready.leader, 'GET_STATE');
    const state = (await (await fetch(`${ready.admin}/state`)).json()) as { agents: { id: string }[] };
    const agentId = state.agents[0]?.id as string;
    let changes = 0;
    const change = async (): Promise<void> => {
      const op = changes++ % 2 === 0 ? 'stop' : 'restart';
      const r = await fetch(`${ready.admin}/agents/${agentId}/${op}`, { method: 'POST' });
      if (r.status !== 200) throw new Error(`admin ${op} answered ${r.status}`);
    };
    const afterChange: Timing[] = [];
    const agentsAfterChange: number[] = [];
    const repeated: number[] = [];
    const gzipped: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      await change();
      agentsAfterChange.push((await timeCall(ready.leader, 'GET_AGENTS')).ms);
      afterChange.push(await timeCall(ready.leader, 'GET_STATE'));
      repeated.push((await timeCall(ready.leader, 'GET_STATE')).ms);
      await change();
      gzipped.push(await timeCall(ready.leader, 'GET_STATE', { gzip: true }));
    }
    const stateBytes = stateCold.bytes;
    const text = agentsFirst.text as string;
    const m = /"registered_time":\{"nanoseconds":(\d+)\}/.exec(text);
    const parsed = parseJson(`{"n":${m?.[1] ?? '0'}}`) as { n: unknown };
    const exact = m !== null && m[1]!.length === 19 && parsed.n instanceof I64 && parsed.n.digits === m[1];
    const rss = peakRss(child.pid as number);
    const rows: [string, string][] = [
      ['Cluster', `${agents.toLocaleString('en-US')} agents, ${(agents * perAgent).toLocaleString('en-US')} tasks, 5 frameworks`],
      ['Start-up until the ready line, default (spawn + seeding + JSON cache warm-up; 16 agent sockets)', sec(warmRun.startMs)],
      ['**GET_STATE, first call after that default start-up, no gzip**', `**${sec(stateFirstWarm.ms)}** wall, ${sec(stateFirstWarm.cpuMs)} simulator CPU`],
      ['Start-up until the ready line with `warmCaches: false`', sec(startMs)],
      ['GET_STATE, first call (cold task caches), no gzip', `${sec(stateCold.ms)} wall, ${sec(stateCold.cpuMs)} simulator CPU (${mb(stateBytes)})`],
      [`**GET_STATE after a change, no gzip** (median of ${runs})`, `**${sec(median(afterChange.map((t) => t.ms)))}** wall (min ${sec(Math.min(...afterChange.map((t) => t.ms)))}, max ${sec(Math.max(...afterChange.map((t) => t.ms)))}), ${sec(median(afterChange.map((t) => t.cpuMs)))} simulator CPU`],
      ['GET_STATE repeated, model unchanged (whole response cached)', sec(median(repeated))],
      [`GET_STATE with gzip (level 1) after a change (median of ${runs})`, `${sec(median(gzipped.map((g) => g.ms)))} (${mb(gzipped[0]?.bytes ?? 0)} on the wire)`],
      ['GET_AGENTS, first call (cold caches)', `${sec(agentsFirst.ms)} wall, ${sec(agentsFirst.cpuMs)} simulator CPU (${mb(agentsFirst.bytes)})`],
      [`GET_AGENTS after a change (median of ${runs})`, sec(median(agentsAfterChange))],
      ['64-bit integers exact (19-digit nanoseconds written as bare numbers)', exact ? 'yes' : 'NO'],
      ['Peak RSS of the simulator process (VmHWM)', `${mb(rss)} (${mb(rssAfterStart)} after start-up)`],
    ];
    const section = [
      '## Simulator',
      '',
      `Measured by \`npx tsx bench/sim.ts\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores`,
      `(load average ${loadavg()[0]?.toFixed(1)} at the end: the machine is shared, so wall times are upper bounds; the`,
      'simulator CPU column, read from /proc, is less sensitive to the load; it can exceed wall time: V8 collects garbage on',
      'helper threads).',
      'The simulator runs as its own process (`mesos-sim`); a time is one HTTP request on loopback from the benchmark',
      '(request sent → last body byte received). A "change" is an agent stop or restart through the admin API, which',
      'invalidates the cached response but not the cached JSON of the other agents and tasks.',
      'Target: GET_STATE for 10k agents / 100k tasks in under 2 s without gzip.',
      '',
      '| Measure | Result |',
      '| --- | --- |',
      ...rows.map(([k, v]) => `| ${k} | ${v} |`),
      '',
      'How: each agent and task caches its JSON text (cleared on change) and a whole response is cached until the',
      'model changes, so a GET_STATE is mostly a string join. By default the caches are filled before the ready',
      'line (`warmCaches`; off in this benchmark so that the first call is really cold). int64 values are written as',
      'bare numbers from bigints (`src/sim/json.ts`). At this size only `agentListenLimit` agents get a listening',
      'socket at start; the others open on demand (`SimCluster.openAgent(id)`, `POST /sim/v1/agents/<id>/open`).',
      '',
    ].join('\n');
    process.stderr.write(`${section}\n`);
    if (!values['no-write']) writeBenchmarkSection('## Simulator', section);
  } finally {
    await stopSim(child);
    rmSync(dir, { recursive: true, force: true });
  }
}


main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
