/**
 * A rehearsal (docs/rehearsal.md): a runbook run with the operator's input against a copy of the cluster — the
 * simulator loaded from a snapshot — with a Temporal dev server and a worker of its own, at `speed` times real time,
 * its approvals and operator steps answered by the rehearsal, and a report of what it would do and when.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PolicyConfig } from '../config';
import { validateRunbookInput } from '../temporal/control';
import { runAutopilot, type OnStuck, type Prompter } from './autopilot';
import { DEFAULT_EXIT_MODEL, type ExitModel } from './exit-model';
import { ClusterRecorder } from './machines';
import { buildReport, type RehearsalReport } from './report';
import { markdownReport } from './render';
import { readSnapshot } from './snapshot';
import { startWorld, type World } from './world';

export interface RehearseOptions {
  runbook: string;
  input: Record<string, unknown>;
  snapshotDir: string;
  /** Simulated seconds per real second (default 60: an hour in a minute). */
  speed?: number;
  /** Who starts the run (the initiator; four eyes keeps them from approving). */
  initiator: string;
  /** The operator's approval policy (default: anyone approves, one approval). */
  policy?: PolicyConfig;
  exitModel?: ExitModel;
  /** Simulated minutes the operator's work takes where a run waits for `complete` (default 0). */
  workMinutes?: number;
  onStuck?: OnStuck;
  /** Ask at the terminal (approvals, stuck waits) instead of answering automatically. */
  prompter?: Prompter;
  /** Real minutes after which the rehearsal gives up (default 30). */
  timeoutMinutes?: number;
  /** The simulated time the run starts at (ISO): its window's instants are mapped from it (default: now). */
  at?: string;
  seed?: number;
  /** Simulated seconds a machine's agent takes to come back after STOP_MAINTENANCE (default 5). */
  agentReturnSeconds?: number;
  /** Where the report files go (default `<snapshot>/rehearsals`). */
  outDir?: string;
  /** A workflow bundle built already (bundleInChildProcess), for many rehearsals in one process (default: built for this one). */
  workflowBundlePath?: string;
  /** Progress lines while it runs. */
  log?: (line: string) => void;
}

export interface RehearsalFiles {
  json: string;
  markdown: string;
}

const DEFAULT_AGENT_RETURN_SECONDS = 5;

/**
 * Runs the rehearsal and writes its report. Throws `INVALID_INPUT` (RunbookInputError) for an input the runbook or
 * the snapshot's cluster refuses, before the run starts; `SNAPSHOT_INVALID` for a snapshot that cannot be read; the
 * simulator's `REHEARSAL_INVALID` for one it cannot load.
 */
export async function rehearse(options: RehearseOptions): Promise<{ report: RehearsalReport; files: RehearsalFiles }> {
  const speed = options.speed ?? 60;
  const log = options.log ?? (() => undefined);
  validateRunbookInput(options.runbook, options.input);
  const snapshot = readSnapshot(options.snapshotDir);
  const cluster = typeof options.input.cluster === 'string' ? options.input.cluster : 'default';
  const exitModel = options.exitModel ?? DEFAULT_EXIT_MODEL;
  const agentReturnSeconds = options.agentReturnSeconds ?? DEFAULT_AGENT_RETURN_SECONDS;
  log(`▶ starting the rehearsal world (simulator from ${snapshot.dir}, a Temporal dev server, a worker) at speed ${speed}...`);
  const world = await startWorld({ snapshot, cluster, speed, exitModel, ...(options.policy ? { policy: options.policy } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}), agentReturnSeconds, ...(options.workflowBundlePath ? { workflowBundlePath: options.workflowBundlePath } : {}), log: (l) => log(`  ${l}`) });
  try {
    const rewrites: string[] = [];
    if (cluster !== snapshot.manifest.cluster) rewrites.push(`the input's cluster '${cluster}' is the snapshot of '${snapshot.manifest.cluster}'`);
    const input = rewriteInput(options.runbook, options.input, { world, speed, at: options.at, workMinutes: options.workMinutes ?? 0, rewrites });
    const window = windowOf(options.input, options.at);
    const recorder = new ClusterRecorder(world.sim.model);
    const started = await world.client(options.initiator).start(options.runbook, input).catch((err: unknown) => {
      recorder.stop();
      throw err;
    });
    log(`▶ ${started.workflowId} started`);
    const record = await runAutopilot({
      world,
      rootId: started.workflowId,
      recorder,
      cluster,
      speed,
      initiator: options.initiator,
      policy: world.config.policy,
      workMinutes: options.workMinutes ?? 0,
      onStuck: options.onStuck ?? 'abort',
      ...(options.prompter ? { prompter: options.prompter } : {}),
      timeoutMs: (options.timeoutMinutes ?? 30) * 60_000,
      say: (l) => log(`  ${l}`),
    });
    const report = buildReport({
      runbook: options.runbook,
      cluster,
      input,
      rewrites,
      ...(window ? { window } : {}),
      snapshot,
      notModelled: world.sim.runtime.rehearsal?.warnings ?? [],
      speed,
      rootId: started.workflowId,
      record,
      audit: world.sim.audit(),
      calls: world.calls,
      standIns: world.standIns,
      exitModel,
      agentReturnSeconds,
      workerLog: world.workerLog,
    });
    const files = writeReport(report, options.outDir ?? path.join(snapshot.dir, 'rehearsals'));
    return { report, files };
  } finally {
    log('▶ stopping the rehearsal world...');
    await world.stop();
  }
}

/** Writes `<runbook>-<time>.json` and `.md` into `dir`. */
export function writeReport(report: RehearsalReport, dir: string): RehearsalFiles {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${report.runbook}-${report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  const files = { json: `${base}.json`, markdown: `${base}.md` };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, markdownReport(report));
  return files;
}

/** The input's window end, as given and in seconds from the run's start (`at`, default now): for the report. */
function windowOf(input: Record<string, unknown>, at: string | undefined): { notAfter: string; endsAtSeconds: number } | undefined {
  const w = (input.window && typeof input.window === 'object' ? input.window : input) as { notAfter?: unknown };
  if (typeof w.notAfter !== 'string' || Number.isNaN(Date.parse(w.notAfter))) return undefined;
  return { notAfter: w.notAfter, endsAtSeconds: (Date.parse(w.notAfter) - (at ? Date.parse(at) : Date.now())) / 1000 };
}

/**
 * The input as the rehearsal runs it: a window's instants mapped onto the rehearsal's clock (from `at`, at `speed`),
 * and the URLs a run would call (a fleet's health check, a machine's work webhook) answered by stand-ins on
 * loopback. Each change is said in `rewrites`.
 */
function rewriteInput(runbook: string, input: Record<string, unknown>, o: { world: World; speed: number; at?: string; workMinutes: number; rewrites: string[] }): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(input);
  const simStart = o.at ? Date.parse(o.at) : Date.now();
  const wallStart = Date.now();
  const mapInstant = (iso: string) => new Date(wallStart + (Date.parse(iso) - simStart) / o.speed).toISOString();
  const mapWindow = (w: Record<string, unknown>, where: string) => {
    for (const key of ['notBefore', 'notAfter']) {
      if (typeof w[key] !== 'string') continue;
      const mapped = mapInstant(w[key] as string);
      o.rewrites.push(`${where}${key} ${w[key] as string} runs as ${mapped} on the rehearsal's clock (the run starts at ${new Date(simStart).toISOString()}, speed ${o.speed})`);
      w[key] = mapped;
    }
  };
  mapWindow(out, '');
  if (out.window && typeof out.window === 'object') mapWindow(out.window as Record<string, unknown>, 'window.');
  const gates = out.gates as { healthCheckUrl?: string } | undefined;
  if (gates?.healthCheckUrl) {
    const url = gates.healthCheckUrl;
    gates.healthCheckUrl = o.world.standIns.add(url, 'the health check before each batch', { status: 200 });
    o.rewrites.push(`gates.healthCheckUrl ${url} is not called: the rehearsal answers 200 in its place (healthy)`);
  }
  const perAgent = (runbook === 'rollingMaintenance' ? out.perAgent : out) as { work?: { webhookUrl?: string; timeoutSeconds?: number } } | undefined;
  if (perAgent?.work?.webhookUrl) {
    const url = perAgent.work.webhookUrl;
    const delayMs = Math.min((o.workMinutes * 60_000) / o.speed, Math.max(0, (perAgent.work.timeoutSeconds ?? 0) * 1000 - 1000));
    perAgent.work.webhookUrl = o.world.standIns.add(url, 'the work webhook of each machine', { status: 200, delayMs });
    o.rewrites.push(`${runbook === 'rollingMaintenance' ? 'perAgent.' : ''}work.webhookUrl ${url} is not called: the rehearsal answers 200 in its place${o.workMinutes ? ` after ${o.workMinutes} min of work` : ' at once (the work itself takes no time in the prediction)'}`);
  }
  return out;
}
