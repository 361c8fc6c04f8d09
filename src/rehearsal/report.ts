/**
 * The rehearsal's report as data (the JSON file; the terminal summary and the Markdown file render it): what the run
 * would do — every Mesos call in order with its answer, each batch and gate, approvals, failures — and when, in
 * predicted real time (src/rehearsal/timing.ts).
 */
import type { AuditEntry } from '../sim';
import type { MesosCallEvent } from '../mesos';
import type { GateResult } from '../fleet/gates';
import { MUTATING_MASTER_CALLS, MUTATING_AGENT_CALLS } from '../sim/audit';
import { duration } from '../progress/time';
import type { AutopilotRecord, RunRecord } from './autopilot';
import { describeExitModel, exitRows, type ExitModel, type FrameworkExitRow } from './exit-model';
import { lastIn, outAtOnce, outSpans, type MachineState } from './machines';
import type { Snapshot } from './snapshot';
import { scaledIntervals, TimeMap, waitSpans, type WaitSpan } from './timing';
import type { StandIns } from './world';

export const REPORT_FORMAT = 'mesos-runbooks-rehearsal/1';

export type RehearsalOutcome = 'done' | 'planned' | 'failed' | 'aborted' | 'stuck' | 'paused at window end' | 'timed out' | 'cancelled';

/** Times in the report are predicted seconds since the run started (`t`), unless named otherwise. */
export interface RehearsalReport {
  format: typeof REPORT_FORMAT;
  runbook: string;
  cluster: string;
  /** The input as the rehearsal ran it (after the rewrites below). */
  input: Record<string, unknown>;
  /** What the rehearsal changed in the input, and why. */
  rewrites: string[];
  snapshot: { dir: string; cluster: string; takenAt: string; mesosVersion?: string; agents: number; frameworks: number; tasks: number; redacted: boolean; notModelled: string[] };
  speed: number;
  startedAt: string;
  /** Wall time the rehearsal took, seconds. */
  rehearsalSeconds: number;
  predicted: {
    seconds: number;
    text: string;
    /** Of it: the cluster's time and the run's own timers (the rehearsal's time of them × speed). */
    scaledSeconds: number;
    /** Of it: the engine's own time (activities, calls, workflow tasks), as it ran. */
    engineSeconds: number;
    /** Left out: people's time. Approvals and stuck waits were answered by the rehearsal in this long. */
    humanWaits: { approvals: number; stuck: number; answeredInSeconds: number };
    /** The rehearsal's wall time × speed, for comparison: it also multiplies the engine's time. */
    wallTimesSpeedSeconds: number;
    method: string;
  };
  outcome: RehearsalOutcome;
  result?: unknown;
  failure?: { type?: string; message: string };
  runs: { workflowId: string; runbook: string; status: string; start: number; end: number; steps: { name: string; status: string; note?: string }[]; failure?: { type?: string; message: string } }[];
  batches?: BatchReport[];
  /** Every wait for Mesos or a gate, with what was closed meanwhile. */
  waits: WaitReport[];
  approvals: { workflowId: string; what: string; t: number; required: number; approvers: string[]; confirm?: string; outcome: string; by: string[]; note?: string }[];
  operatorWork: { workflowId: string; what: string; t: number; completedAfterSeconds?: number }[];
  stuck: { workflowId: string; what: string; diagnosis: string; t: number; answer: string }[];
  /** Runs that paused at their window's end (a real run waits there for the next window; the rehearsal stops). */
  windowPauses: {
    workflowId: string;
    t: number;
    /** The run's own words (its times on the rehearsal's clock). */
    reason: string;
    /** The window's end as the input gives it, and the predicted time left of it at the pause (seconds). */
    notAfter?: string;
    leftSeconds?: number;
  }[];
  failures: { workflowId: string; step?: string; type?: string; message: string }[];
  /** Every change Mesos received (the simulator's audit log), in order, with its answer. */
  mesosCalls: { seq: number; t: number; call: string; target?: string; /** The target agent's machine. */ hostname?: string; status: number; outcome: string; answer?: string; to: string }[];
  /** Reads, by call type: how many, how many failed. */
  reads: Record<string, { count: number; failed: number }>;
  /** Every call the worker made, in the order they ended. */
  calls: { t: number; call: string; status?: number; code?: string; ms: number }[];
  timeline: {
    machines: { hostname: string; from: number; to: number; seconds: number; states: MachineState[]; back: boolean }[];
    outAtOnce: { t: number; out: number }[];
    maxOut: { out: number; t: number };
  };
  exitModel: { statement: string; frameworks: FrameworkExitRow[]; agentReturnSeconds: number };
  standIns: { url: string; purpose: string; answered: number; calls: number }[];
  notes: string[];
  workerLog: string[];
}

export interface BatchReport {
  index: number;
  canary: boolean;
  groups?: string[];
  status: string;
  machines: { hostname: string; agentId?: string; status?: string; start?: number; end?: number }[];
  start?: number;
  end?: number;
  /** The gates as they were when the batch started. */
  gates: GateResult[];
  /** Predicted seconds the batch waited at its gates before it started (0: they were open). */
  blockedSeconds: number;
  /** The closed gates that held it, with why. */
  blockedBy: { gate: string; reason: string }[];
}

export interface WaitReport {
  workflowId: string;
  what: string;
  kind: string;
  from: number;
  to: number;
  seconds: number;
  outcome?: string;
  /** For a fleet's gates: the ones closed meanwhile, with why. */
  closedGates?: { gate: string; reason: string }[];
  batch?: number;
  machines?: string[];
  diagnosis?: string;
}

export interface BuildReportInput {
  runbook: string;
  cluster: string;
  input: Record<string, unknown>;
  rewrites: string[];
  /** The input's window end, as given and in predicted seconds from the start. */
  window?: { notAfter: string; endsAtSeconds: number };
  snapshot: Snapshot;
  notModelled: string[];
  speed: number;
  rootId: string;
  record: AutopilotRecord;
  audit: AuditEntry[];
  calls: MesosCallEvent[];
  standIns: StandIns;
  exitModel: ExitModel;
  agentReturnSeconds: number;
  workerLog: string[];
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Builds the report from what the rehearsal recorded. */
export function buildReport(b: BuildReportInput): RehearsalReport {
  const { record } = b;
  const root = record.runs.get(b.rootId);
  const runs = [...record.runs.values()];
  const firstAt = (r: RunRecord) => (r.events[0] ? Date.parse(r.events[0].at) : undefined);
  const lastAt = (r: RunRecord) => (r.events.at(-1) ? Date.parse(r.events.at(-1)!.at) : undefined);
  const t0 = Math.min(...runs.map(firstAt).filter((t): t is number => t !== undefined), record.endedAt);
  const t1 = Math.max(t0, ...runs.map(lastAt).filter((t): t is number => t !== undefined));
  const writes = b.audit.filter((e) => e.outcome !== 'rejected').map((e) => ({ at: Date.parse(e.at), ...(e.target ? { target: e.target } : {}) }));
  const spansOf = new Map(runs.map((r) => [r.workflowId, waitSpans(r.events, t1).map((span) => withReached(r.workflowId, span, record, writes))]));
  const map = new TimeMap(t0, [...spansOf.values()].flatMap(scaledIntervals), b.speed);
  const t = (at: number) => round(map.at(at));

  const humanSpans = [...spansOf.values()].flat().filter((s) => s.kind === 'approval');
  const stuckMs = [...spansOf.values()].flat().reduce((sum, s) => sum + (s.stuckAt !== undefined ? Math.max(0, s.to - s.stuckAt) : 0), 0);
  const approvalMs = humanSpans.reduce((sum, s) => sum + (s.to - s.from), 0);
  const predictedSeconds = map.at(t1);
  const scaledMs = map.scaledMs(t1);

  const rootEnded = [...(root?.events ?? [])].reverse().find((e) => e.kind === 'runEnded');
  const outcome = outcomeOf(root, record, rootEnded?.kind === 'runEnded' ? rootEnded.outcome : undefined);

  const gateReasons = (workflowId: string, span: WaitSpan) => {
    const seen = new Map<string, string>();
    for (const o of record.gates) {
      if (o.workflowId !== workflowId || o.at < span.from || o.at > span.to + 500) continue;
      for (const g of o.gates) if (!g.open) seen.set(`${g.name}|${g.reason ?? ''}`, g.reason ?? 'closed');
    }
    return [...seen.entries()].map(([key, reason]) => ({ gate: key.split('|')[0]!, reason }));
  };

  const details = root?.progress?.details as { batches?: { index: number; canary: boolean; status: string; groups?: string[]; machines: { hostname: string; agentId?: string; status?: string }[]; gates?: GateResult[] }[] } | undefined;
  const waits: WaitReport[] = [];
  for (const r of runs) {
    for (const span of spansOf.get(r.workflowId) ?? []) {
      if (span.kind !== 'mesos') continue;
      const batchNo = /\bbatch (\d+)\b/.exec(span.what)?.[1];
      const diagnosed = r.events.find((e) => e.kind === 'waitDiagnosed' && Date.parse(e.at) >= span.from && Date.parse(e.at) <= span.to);
      const w: WaitReport = { workflowId: r.workflowId, what: span.what, kind: span.kind, from: t(span.from), to: t(span.to), seconds: round(map.at(span.to) - map.at(span.from)), ...(span.outcome ? { outcome: span.outcome } : {}) };
      if (/gates|health check/.test(span.what)) {
        w.closedGates = gateReasons(r.workflowId, span);
        if (batchNo && details?.batches) {
          w.batch = Number(batchNo);
          w.machines = details.batches[Number(batchNo) - 1]?.machines.map((m) => m.hostname) ?? [];
        }
      }
      if (diagnosed?.kind === 'waitDiagnosed') w.diagnosis = diagnosed.diagnosis;
      waits.push(w);
    }
  }

  let batches: BatchReport[] | undefined;
  if (details?.batches) {
    batches = details.batches.map((bt) => {
      const machines = bt.machines.map((m) => {
        const child = record.runs.get(`${b.rootId}/${m.hostname}`);
        const start = child ? firstAt(child) : undefined;
        const end = child?.closed ? lastAt(child) : undefined;
        return { ...m, ...(start !== undefined ? { start: t(start) } : {}), ...(end !== undefined ? { end: t(end) } : {}) };
      });
      const starts = machines.map((m) => m.start).filter((x): x is number => x !== undefined);
      const ends = machines.map((m) => m.end).filter((x): x is number => x !== undefined);
      // Held: the waits at its gates while one was closed (a check that found them open at once held nothing).
      const held = waits.filter((w) => w.workflowId === b.rootId && w.batch === bt.index + 1 && (w.closedGates?.length ?? 0) > 0);
      const blockedBy = new Map<string, string>();
      for (const w of held) for (const g of w.closedGates ?? []) blockedBy.set(`${g.gate}|${g.reason}`, g.reason);
      return {
        index: bt.index,
        canary: bt.canary,
        ...(bt.groups ? { groups: bt.groups } : {}),
        status: bt.status,
        machines,
        ...(starts.length ? { start: Math.min(...starts) } : {}),
        ...(ends.length === machines.length && ends.length ? { end: Math.max(...ends) } : {}),
        gates: bt.gates ?? [],
        blockedSeconds: round(held.reduce((sum, w) => sum + w.seconds, 0)),
        blockedBy: [...blockedBy.entries()].map(([key, reason]) => ({ gate: key.split('|')[0]!, reason })),
      };
    });
  }

  const failures: RehearsalReport['failures'] = [];
  for (const r of runs) {
    for (const e of r.events) if (e.kind === 'stepFailed') failures.push({ workflowId: r.workflowId, step: e.step, ...(e.failureType ? { type: e.failureType } : {}), message: e.error });
    if (r.failure && !r.events.some((e) => e.kind === 'stepFailed')) failures.push({ workflowId: r.workflowId, ...(r.failure.type ? { type: r.failure.type } : {}), message: r.failure.message });
  }

  const mutating = (call: string) => MUTATING_MASTER_CALLS.has(call) || MUTATING_AGENT_CALLS.has(call);
  const reads: RehearsalReport['reads'] = {};
  for (const c of b.calls) {
    if (mutating(c.callType)) continue;
    const entry = (reads[c.callType] ??= { count: 0, failed: 0 });
    entry.count += 1;
    if (c.code) entry.failed += 1;
  }

  const spans = outSpans(record.machines.changes, record.endedAt);
  const steps = outAtOnce(spans).map((s) => ({ t: t(s.at), out: s.out }));
  const maxOut = steps.reduce((best, s) => (s.out > best.out ? s : best), { out: 0, t: 0 });
  const s = b.snapshot.manifest;
  const hostnames = agentHostnames(b.snapshot.responses.GET_STATE);
  const notes: string[] = [];
  for (const r of runs) if (r.missedEvents > 0) notes.push(`${r.workflowId}: ${r.missedEvents} progress event(s) were dropped by the run before the rehearsal read them (a run keeps its last 200)`);
  if (record.timedOut) notes.push('the rehearsal ran out of time: its runs were aborted');
  if (b.window) {
    const engine = (t1 - t0 - scaledMs) / 1000;
    notes.push(
      `the run judged its window on the rehearsal's clock, where its engine's own time (${round(engine)} s here) runs ${b.speed}× faster too: its window decisions may come up to ${duration(engine * (b.speed - 1))} early against the predicted times; each pause says the time left of the window in real time`,
    );
  }
  if (b.workerLog.length) notes.push(`the worker logged ${b.workerLog.length} warning(s) (workerLog)`);
  return {
    format: REPORT_FORMAT,
    runbook: b.runbook,
    cluster: b.cluster,
    input: b.input,
    rewrites: b.rewrites,
    snapshot: { dir: b.snapshot.dir, cluster: s.cluster, takenAt: s.takenAt, ...(s.mesosVersion ? { mesosVersion: s.mesosVersion } : {}), agents: s.counts.agents, frameworks: s.counts.frameworks, tasks: s.counts.tasks, redacted: s.redacted, notModelled: b.notModelled },
    speed: b.speed,
    startedAt: new Date(t0).toISOString(),
    rehearsalSeconds: round((record.endedAt - record.startedAt) / 1000),
    predicted: {
      seconds: round(predictedSeconds),
      text: duration(predictedSeconds),
      scaledSeconds: round((scaledMs * b.speed) / 1000),
      engineSeconds: round((t1 - t0 - scaledMs) / 1000),
      humanWaits: { approvals: record.approvals.length, stuck: record.stuck.length, answeredInSeconds: round((approvalMs + stuckMs) / 1000) },
      wallTimesSpeedSeconds: round(((t1 - t0) * b.speed) / 1000),
      method: `the rehearsal's time in waits for the cluster and in the run's own timers (${round(scaledMs / 1000)} s) × speed ${b.speed}, plus the engine's time as it ran (${round((t1 - t0 - scaledMs) / 1000)} s); people's time is left out`,
    },
    outcome,
    ...(root?.result !== undefined ? { result: root.result } : {}),
    ...(root?.failure ? { failure: root.failure } : {}),
    runs: runs.map((r) => ({
      workflowId: r.workflowId,
      runbook: r.runbook,
      status: r.status ?? 'UNKNOWN',
      start: t(firstAt(r) ?? t0),
      end: t(lastAt(r) ?? t1),
      steps: (r.progress?.steps ?? []).map((st) => ({ name: st.name, status: st.status, ...(st.note ? { note: st.note } : {}) })),
      ...(r.failure ? { failure: r.failure } : {}),
    })),
    ...(batches ? { batches } : {}),
    waits,
    approvals: record.approvals.map((a) => ({ workflowId: a.workflowId, what: a.what, t: t(a.askedAt), required: a.required, approvers: a.approvers, ...(a.confirm ? { confirm: a.confirm } : {}), outcome: a.outcome, by: a.by, ...(a.note ? { note: a.note } : {}) })),
    operatorWork: record.work.map((w) => ({ workflowId: w.workflowId, what: w.what, t: t(w.at), ...(w.completedAt ? { completedAfterSeconds: round(map.at(w.completedAt) - map.at(w.at)) } : {}) })),
    stuck: record.stuck.map((x) => ({ workflowId: x.workflowId, what: x.what, diagnosis: x.diagnosis, t: t(x.at), answer: x.answer })),
    windowPauses: record.windowPauses.map((p) => ({ workflowId: p.workflowId, t: t(p.at), reason: p.reason, ...(b.window ? { notAfter: b.window.notAfter, leftSeconds: round(Math.max(0, b.window.endsAtSeconds - map.at(p.at))) } : {}) })),
    failures,
    mesosCalls: b.audit.map((e) => ({ seq: e.seq, t: t(Date.parse(e.at)), call: e.call, ...(e.target ? { target: e.target } : {}), ...(e.target && hostnames.get(e.target) ? { hostname: hostnames.get(e.target)! } : {}), status: e.status, outcome: e.outcome, ...(e.answer ? { answer: e.answer } : {}), to: e.master })),
    reads,
    calls: b.calls.map((c) => ({ t: t(c.startedAt), call: c.callType, ...(c.status !== undefined ? { status: c.status } : {}), ...(c.code ? { code: c.code } : {}), ms: Math.round(c.durationMs) })),
    timeline: {
      machines: spans.map((sp) => ({ hostname: sp.hostname, from: t(sp.from), to: t(sp.to), seconds: round(map.at(sp.to) - map.at(sp.from)), states: sp.states, back: sp.back })),
      outAtOnce: steps,
      maxOut,
    },
    exitModel: { statement: describeExitModel(b.exitModel), frameworks: exitRows(b.exitModel, b.snapshot.responses.GET_STATE, maxGraceOf(b.input)), agentReturnSeconds: b.agentReturnSeconds },
    standIns: b.standIns.replaced.map((r) => ({ url: r.url, purpose: r.purpose, answered: r.status, calls: b.standIns.calls.filter((c) => c.url === r.url).length })),
    notes,
    workerLog: b.workerLog,
  };
}

/** Agent-state conditions: what they wait for shows as a change of that agent's status, drain state or deactivation. */
const AGENT_STATE_KINDS = new Set(['agentDrained', 'agentRemoved', 'agentActive', 'agentDrainSettled', 'agentRegistered']);

/**
 * A wait for Mesos with the cluster's part of it: from the change it waits for — the last write Mesos applied before
 * the wait began, to the agent or machine its condition is about (else any) — to the last change of that agent or
 * machine during the wait (else of the model at all: a change elsewhere can only make it later, so the cluster's time
 * is never under-counted), as the rehearsal saw the model change. No change at all: the condition held already. The
 * health check's retry is a timer: left whole; a wait that did not end met (skipped, timed out) too.
 */
function withReached(workflowId: string, span: WaitSpan, record: AutopilotRecord, writes: { at: number; target?: string }[]): WaitSpan {
  if (span.kind !== 'mesos' || /health check/.test(span.what) || (span.outcome !== 'met' && span.outcome !== 'impossible')) return span;
  const seen = record.conditions.find((c) => c.workflowId === workflowId && c.at >= span.from - 50 && c.at <= span.to + 50)?.condition;
  const rec = record.machines;
  const before = (match: (target: string) => boolean) => [...writes].reverse().find((w) => w.at <= span.from && match(w.target ?? ''))?.at;
  const anyWrite = before(() => true) ?? span.from;
  let causeAt = anyWrite;
  let reached: number | undefined;
  if (seen && AGENT_STATE_KINDS.has(seen.kind) && 'agentId' in seen) {
    causeAt = before((t) => t === seen.agentId) ?? anyWrite;
    reached = lastIn(rec.agentChanges.get(seen.agentId) ?? [], causeAt, span.to);
  } else if (seen?.kind === 'agentOnMachine') {
    const host = seen.hostname.toLowerCase();
    causeAt = before((t) => t.toLowerCase().split(',').some((m) => m.split('/')[0] === host)) ?? anyWrite;
    reached = lastIn(rec.changes.filter((c) => c.hostname === host).map((c) => c.at), causeAt, span.to);
  } else reached = lastIn(rec.modelChanges, causeAt, span.to);
  return { ...span, causeAt, reachedAt: reached ?? null };
}

/** Agent id → hostname, from the snapshot's GET_STATE. */
function agentHostnames(getState: unknown): Map<string, string> {
  const state = (getState as { get_state?: { get_agents?: { agents?: { agent_info: { id: { value: string }; hostname: string } }[] } } }).get_state;
  return new Map((state?.get_agents?.agents ?? []).map((a) => [a.agent_info.id.value, a.agent_info.hostname]));
}

/** The drain's max_grace_period the input asks for (a machine's run, or a roll's per-machine runs), seconds. */
function maxGraceOf(input: Record<string, unknown>): number | undefined {
  const own = input.maxGracePeriodSeconds ?? (input.perAgent as Record<string, unknown> | undefined)?.maxGracePeriodSeconds;
  return typeof own === 'number' ? own : undefined;
}

function outcomeOf(root: RunRecord | undefined, record: AutopilotRecord, ended: string | undefined): RehearsalOutcome {
  if (!root) return 'failed';
  if (record.timedOut) return 'timed out';
  if (record.windowPauses.some((p) => p.workflowId === root.workflowId)) return 'paused at window end';
  if (root.status === 'COMPLETED') return ended === 'planned' ? 'planned' : 'done';
  if (root.status === 'CANCELLED' || root.status === 'TERMINATED') return 'cancelled';
  if (root.failure?.type === 'ABORTED') return record.stuck.length > 0 || record.approvals.some((a) => a.outcome === 'impossible') ? 'stuck' : 'aborted';
  return 'failed';
}
