/**
 * The rehearsal's operator: follows the run and every run it starts (a roll's per-machine runs), keeps each one's
 * progress events, and answers what a human would — approvals (automatically, as the policy's approvers, or by
 * asking on the terminal), the operator's `complete` after the assumed work time, a wait stuck past its deadline
 * (abort, skip, or ask) — while it samples the machines out and reads why a fleet's gates are closed.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { failureMessage, failureType, progressQuery, waitsQuery, watcherWorkflowId, WINDOW_PAUSED_PHASE, type Progress, type ProgressEvent } from '../contracts';
import type { PolicyConfig } from '../config';
import { evaluate, type Condition } from '../convergence/conditions';
import type { GateResult } from '../fleet/gates';
import type { ClusterRecorder } from './machines';
import type { World } from './world';

/** Asks the person at the terminal (`--interactive`); resolves to their answer. */
export interface Prompter {
  ask(question: string): Promise<string>;
}

/** What to do with a wait stuck past its deadline (the run asks an operator to extend, skip or abort). */
export type OnStuck = 'abort' | 'skip';

export interface AutopilotOptions {
  world: World;
  /** The run the rehearsal started. */
  rootId: string;
  /** Watching the simulator's model since before the run started. */
  recorder: ClusterRecorder;
  cluster: string;
  speed: number;
  /** Who started the run (four eyes: not its approver). */
  initiator: string;
  /** The approval policy (four eyes per runbook). */
  policy: PolicyConfig;
  /** Simulated minutes the operator's work takes before `complete` is sent (agentMaintenance without a duration). */
  workMinutes: number;
  onStuck: OnStuck;
  /** Ask at the terminal instead of answering automatically. */
  prompter?: Prompter;
  /** Real ms after which the rehearsal gives up (the runs are aborted). */
  timeoutMs: number;
  say?: (line: string) => void;
}

export interface RunRecord {
  workflowId: string;
  runbook: string;
  events: ProgressEvent[];
  /** Events the run dropped before they were read (it keeps its last 200). */
  missedEvents: number;
  progress?: Progress;
  closed: boolean;
  status?: string;
  result?: unknown;
  failure?: { type?: string; message: string };
}

export interface ApprovalRecord {
  workflowId: string;
  what: string;
  askedAt: number;
  required: number;
  approvers: string[];
  confirm?: string;
  answeredAt?: number;
  by: string[];
  /** approved; declined (at the terminal); impossible (the policy names too few approvers); refused (by the run). */
  outcome: 'approved' | 'declined' | 'impossible' | 'refused' | 'pending';
  note?: string;
}

export interface StuckRecord {
  workflowId: string;
  what: string;
  diagnosis: string;
  at: number;
  answer: string;
}

export interface WorkRecord {
  workflowId: string;
  what: string;
  at: number;
  completedAt?: number;
}

export interface GateObservation {
  workflowId: string;
  /** The wait's text ("the gates of batch 2 (minActiveShare)"). */
  what: string;
  at: number;
  gates: GateResult[];
}

export interface AutopilotRecord {
  runs: Map<string, RunRecord>;
  approvals: ApprovalRecord[];
  stuck: StuckRecord[];
  work: WorkRecord[];
  gates: GateObservation[];
  /** The conditions each run's waits registered with the cluster's watcher, when seen (to time what the cluster did). */
  conditions: { workflowId: string; condition: Condition; at: number }[];
  /** Runs paused at their window's end (the rehearsal stops them there). */
  windowPauses: { workflowId: string; at: number; reason: string }[];
  machines: ClusterRecorder;
  startedAt: number;
  endedAt: number;
  timedOut: boolean;
}

const TICK_MS = 100;
const DISCOVER_EVERY_MS = 500;
const GATES_EVERY_MS = 250;
/** How often the watcher's waits are read while a run waits for Mesos (short waits are seen too). */
const WAITS_EVERY_MS = 40;
/** Reasons the rehearsal gives in the control messages it sends. */
const REASON = 'rehearsal';

/** Follows the runs until every one has ended (or the timeout); returns what it saw and did. */
export async function runAutopilot(options: AutopilotOptions): Promise<AutopilotRecord> {
  return new Autopilot(options).run();
}

class Autopilot {
  private readonly record: AutopilotRecord;
  private readonly handled = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly handles = new Map<string, WorkflowHandle>();
  private lastDiscovery = 0;
  private lastGates = 0;
  private prompts: Promise<unknown> = Promise.resolve();
  private readonly say: (line: string) => void;

  constructor(private readonly o: AutopilotOptions) {
    this.say = o.say ?? (() => undefined);
    this.record = {
      runs: new Map(),
      approvals: [],
      stuck: [],
      work: [],
      gates: [],
      conditions: [],
      windowPauses: [],
      machines: o.recorder,
      startedAt: Date.now(),
      endedAt: 0,
      timedOut: false,
    };
    this.track(o.rootId, 'unknown');
  }

  async run(): Promise<AutopilotRecord> {
    const deadline = this.record.startedAt + this.o.timeoutMs;
    let running = true;
    const watching = this.watchWaits(() => running);
    try {
      await this.loop(deadline);
    } finally {
      running = false;
      await watching;
    }
    this.record.machines.stop();
    this.record.endedAt = Date.now();
    return this.record;
  }

  private async loop(deadline: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now - this.lastDiscovery >= DISCOVER_EVERY_MS) await this.discover();
      await Promise.all([...this.record.runs.values()].filter((r) => !r.closed).map((r) => this.poll(r)));
      if (this.done()) {
        await Promise.all(this.pending);
        await this.discover();
        if (this.done()) break;
      }
      if (now > deadline && !this.record.timedOut) {
        this.record.timedOut = true;
        this.say(`the rehearsal did not end within ${Math.round(this.o.timeoutMs / 60_000)} min of real time: aborting its runs`);
        for (const r of this.record.runs.values()) if (!r.closed) this.act(`abort ${r.workflowId}`, () => this.o.world.client(this.o.initiator).abort(r.workflowId, { reason: `${REASON}: out of time` }));
      }
      if (now > deadline + 60_000) break;
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  }

  /** While a run waits for Mesos: the conditions registered with the watcher, and why a fleet's gates are closed. */
  private async watchWaits(running: () => boolean): Promise<void> {
    const seen = new Set<string>();
    while (running()) {
      const waiting = [...this.record.runs.values()].filter((r) => !r.closed && r.progress?.wait?.kind === 'mesos');
      if (waiting.length > 0) {
        let waits: { waitId: string; workflowId: string; condition: Condition }[] = [];
        try {
          waits = await this.o.world.temporal.workflow.getHandle(watcherWorkflowId(this.o.cluster)).query(waitsQuery);
        } catch {
          // no watcher yet
        }
        for (const w of waits) {
          if (seen.has(w.waitId)) continue;
          seen.add(w.waitId);
          this.record.conditions.push({ workflowId: w.workflowId, condition: w.condition, at: Date.now() });
        }
        if (Date.now() - this.lastGates >= GATES_EVERY_MS) await this.observeGates(waiting, waits);
      }
      await new Promise((resolve) => setTimeout(resolve, WAITS_EVERY_MS));
    }
  }

  private done(): boolean {
    const root = this.record.runs.get(this.o.rootId);
    return !!root?.closed && [...this.record.runs.values()].every((r) => r.closed) && this.pending.size === 0;
  }

  private track(workflowId: string, runbook: string): RunRecord {
    let r = this.record.runs.get(workflowId);
    if (!r) {
      r = { workflowId, runbook, events: [], missedEvents: 0, closed: false };
      this.record.runs.set(workflowId, r);
      this.handles.set(workflowId, this.o.world.temporal.workflow.getHandle(workflowId));
    }
    return r;
  }

  /** Every run of the rehearsal's server: the one it started and the runs those start. */
  private async discover(): Promise<void> {
    this.lastDiscovery = Date.now();
    try {
      for (const run of await this.o.world.client(this.o.initiator).findRuns({ open: false, limit: 1000 })) this.track(run.workflowId, run.runbook);
    } catch {
      // visibility not ready yet: next time
    }
  }

  private async poll(r: RunRecord): Promise<void> {
    const handle = this.handles.get(r.workflowId)!;
    let closed = false;
    try {
      const described = await handle.describe();
      r.runbook = described.type;
      r.status = described.status.name;
      closed = described.status.name !== 'RUNNING';
    } catch {
      return; // not visible yet
    }
    let progress: Progress | undefined;
    try {
      progress = await handle.query(progressQuery);
    } catch {
      progress = undefined;
    }
    if (progress) this.take(r, progress);
    if (!closed) return;
    try {
      r.result = await handle.result();
    } catch (err) {
      r.failure = { ...(failureType(err) ? { type: failureType(err) } : {}), message: failureMessage(err) };
    }
    r.closed = true;
  }

  /** New events of a run, and what they ask of an operator. */
  private take(r: RunRecord, progress: Progress): void {
    r.progress = progress;
    const last = r.events.at(-1)?.seq ?? 0;
    const fresh = (progress.events ?? []).filter((e) => e.seq > last);
    if (fresh[0] && fresh[0].seq > last + 1) r.missedEvents += fresh[0].seq - last - 1;
    r.events.push(...fresh);
    for (const e of fresh) this.react(r, e, progress);
    // A roll's per-machine runs, known from its details before visibility lists them.
    const batches = (progress.details as { batches?: { machines?: { hostname: string; status?: string }[] }[] } | undefined)?.batches ?? [];
    for (const m of batches.flatMap((b) => b.machines ?? [])) if (m.status && m.status !== 'pending') this.track(`${r.workflowId}/${m.hostname}`, 'unknown');
    if (progress.phase === WINDOW_PAUSED_PHASE && !this.handled.has(`${r.workflowId}/paused`)) {
      this.handled.add(`${r.workflowId}/paused`);
      const reason = progress.paused?.reason ?? 'the window ended';
      this.record.windowPauses.push({ workflowId: r.workflowId, at: Date.now(), reason });
      this.say(`${r.workflowId}: paused at its window's end (${reason}); the rehearsal stops it here`);
      this.act(`abort ${r.workflowId}`, () => this.o.world.client(this.o.initiator).abort(r.workflowId, { reason: `${REASON}: the window ended; a real run would wait for the next one` }));
    }
    if (progress.operatorActions.includes('complete') && progress.wait) {
      const key = `${r.workflowId}/complete/${progress.wait.since}`;
      if (!this.handled.has(key)) {
        this.handled.add(key);
        this.completeWork(r, progress.wait.what);
      }
    }
  }

  private react(r: RunRecord, e: ProgressEvent, progress: Progress): void {
    if (e.kind === 'approvalAsked') this.approve(r, e, progress);
    if (e.kind === 'waitDiagnosed' && e.stuck) this.stuck(r, e);
  }

  /** Runs `fn` in the background; its failure is noted, never thrown. */
  private act(what: string, fn: () => Promise<unknown>): void {
    const p = fn()
      .then(() => undefined)
      .catch((err: unknown) => this.say(`  (${what}: ${err instanceof Error ? err.message : String(err)})`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** One prompt at a time at the terminal. */
  private ask(question: string): Promise<string> {
    const prompter = this.o.prompter!;
    const answer = this.prompts.then(() => prompter.ask(question));
    this.prompts = answer.catch(() => undefined);
    return answer;
  }

  private approve(r: RunRecord, e: Extract<ProgressEvent, { kind: 'approvalAsked' }>, progress: Progress): void {
    const key = `${r.workflowId}/approval/${e.seq}`;
    if (this.handled.has(key)) return;
    this.handled.add(key);
    const record: ApprovalRecord = {
      workflowId: r.workflowId,
      what: e.what,
      askedAt: Date.parse(e.at),
      required: e.required,
      approvers: e.approvers,
      ...(e.confirm ? { confirm: e.confirm } : {}),
      by: [],
      outcome: 'pending',
    };
    this.record.approvals.push(record);
    const initiator = progress.initiator ?? this.o.initiator;
    const fourEyes = this.o.policy.runbooks[r.runbook]?.fourEyes ?? this.o.policy.fourEyes;
    const names = approverNames(e.approvers, e.required, initiator, fourEyes);
    if (!names) {
      record.outcome = 'impossible';
      record.note = `needs ${e.required} distinct approver(s)${fourEyes ? ` other than the initiator ${initiator}` : ''}, but the policy allows only ${e.approvers.join(', ')}: a real run would wait here for ever`;
      this.say(`${r.workflowId}: approval can never be given: ${record.note}`);
      this.act(`abort ${r.workflowId}`, () => this.o.world.client(this.o.initiator).abort(r.workflowId, { reason: `${REASON}: no approver can approve` }));
      return;
    }
    this.act(`approve ${r.workflowId}`, async () => {
      if (this.o.prompter) {
        const answer = (await this.ask(`${r.workflowId} asks for approval: ${e.what}${e.confirm ? ` (naming ${e.confirm})` : ''}. Approve? [y/N] `)).trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') {
          record.outcome = 'declined';
          record.answeredAt = Date.now();
          await this.o.world.client(this.o.initiator).abort(r.workflowId, { reason: `${REASON}: approval declined at the terminal` });
          return;
        }
      }
      for (const name of names) {
        try {
          await this.o.world.client(name).approve(r.workflowId, { reason: `${REASON}: approved${this.o.prompter ? ' at the terminal' : ' automatically'}`, ...(e.confirm ? { confirm: e.confirm } : {}) });
          record.by.push(name);
        } catch (err) {
          record.outcome = 'refused';
          record.note = err instanceof Error ? err.message : String(err);
          return;
        }
      }
      record.outcome = 'approved';
      record.answeredAt = Date.now();
    });
  }

  private completeWork(r: RunRecord, what: string): void {
    const record: WorkRecord = { workflowId: r.workflowId, what, at: Date.now() };
    this.record.work.push(record);
    const realMs = (this.o.workMinutes * 60_000) / this.o.speed;
    this.act(`complete ${r.workflowId}`, async () => {
      await new Promise((resolve) => setTimeout(resolve, realMs));
      await this.o.world.client(this.o.initiator).complete(r.workflowId, { note: `${REASON}: the work took ${this.o.workMinutes} min` });
      record.completedAt = Date.now();
    });
  }

  private stuck(r: RunRecord, e: Extract<ProgressEvent, { kind: 'waitDiagnosed' }>): void {
    const key = `${r.workflowId}/stuck/${e.seq}`;
    if (this.handled.has(key)) return;
    this.handled.add(key);
    const record: StuckRecord = { workflowId: r.workflowId, what: e.what, diagnosis: e.diagnosis, at: Date.parse(e.at), answer: this.o.onStuck };
    this.record.stuck.push(record);
    this.say(`${r.workflowId}: stuck past its deadline: ${e.what}: ${e.diagnosis}`);
    this.act(`answer ${r.workflowId}`, async () => {
      let answer: string = this.o.onStuck;
      if (this.o.prompter) {
        const typed = (await this.ask(`${r.workflowId} waits for an operator: ${e.what} (${e.diagnosis}). [e]xtend 15 min, [s]kip, [a]bort? `)).trim().toLowerCase();
        answer = typed.startsWith('e') ? 'extend' : typed.startsWith('s') ? 'skip' : 'abort';
      }
      record.answer = answer;
      const client = this.o.world.client(this.o.initiator);
      if (answer === 'extend') await client.extend(r.workflowId, { minutes: 15 });
      else if (answer === 'skip') await client.skip(r.workflowId, { reason: `${REASON}: skipped` });
      else await client.abort(r.workflowId, { reason: `${REASON}: stuck: ${e.what}` });
    });
  }

  /** Why a roll's gates are closed, while it waits for them: the rollGates conditions it registered, read now. */
  private async observeGates(waiting: RunRecord[], waits: { workflowId: string; condition: Condition }[]): Promise<void> {
    this.lastGates = Date.now();
    for (const r of waiting.filter((x) => /gates/.test(x.progress?.wait?.what ?? ''))) {
      for (const w of waits.filter((x) => x.workflowId === r.workflowId && x.condition.kind === 'rollGates')) {
        try {
          const [view, maintenance] = await Promise.all([this.o.world.mesos.getAgents(), this.o.world.mesos.getMaintenanceStatus()]);
          const gates = evaluate(w.condition, view, { maintenance }).observation.gates ?? [];
          this.record.gates.push({ workflowId: r.workflowId, what: r.progress!.wait!.what, at: Date.now(), gates });
        } catch {
          // the simulator is busy: next time
        }
      }
    }
  }
}

/**
 * Who approves an approval that needs `required` distinct approvers: the policy's approvers (without the initiator
 * under four eyes), else made-up names. Undefined when the policy allows too few.
 */
export function approverNames(allowed: string[], required: number, initiator: string, fourEyes: boolean): string[] | undefined {
  if (allowed.length === 0) return Array.from({ length: required }, (_, i) => `rehearsal-approver-${i + 1}`);
  const eligible = allowed.filter((a) => !fourEyes || a.toLowerCase() !== initiator.toLowerCase());
  return eligible.length >= required ? eligible.slice(0, required) : undefined;
}
