import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { NewEvent, Progress, ProgressEvent, ProgressStep, ProgressWait, StepStatus, WaitKind, WaitOutcome } from '../../src/contracts';
import { currentDetails, logLine } from '../../src/progress/format';
import { SearchAttributes } from '../../src/temporal/search-attributes';

const EVENTS_KEPT = 200;
const LOG_KEPT = 50;
/** How many of the last events and log lines a run carries over continue-as-new. */
const CARRIED = 50;

/** What a run's progress carries over continue-as-new. */
export interface ProgressState {
  phase: string;
  steps: ProgressStep[];
  events: ProgressEvent[];
  log: string[];
  seq: number;
  details?: Record<string, unknown>;
}

/**
 * One run's progress: the step list, the current wait, the operator's actions and the events (design.md "One
 * control surface"). Every change is an event of the union in src/contracts/progress.ts; the terminal lines of the
 * `log` and the Web UI's current details are formatted from them (src/progress/format.ts), and every phase change is
 * mirrored to the `RunbookPhase` search attribute.
 */
export class ProgressTracker {
  private readonly state: Progress & { events: ProgressEvent[] };
  private seq = 0;
  private waitStartedAt?: number;
  private listener?: (event: ProgressEvent) => void;

  constructor(runbook: string, stepNames: string[], about: { cluster?: string; target?: string; initiator?: string } = {}, restore?: ProgressState) {
    this.state = {
      runbook,
      phase: restore?.phase ?? 'starting',
      steps: restore?.steps ?? stepNames.map((name) => ({ name, status: 'pending' })),
      operatorActions: [],
      log: restore?.log ?? [],
      events: restore?.events ?? [],
      ...about,
      ...(restore?.details ? { details: restore.details } : {}),
    };
    this.seq = restore?.seq ?? 0;
    this.render();
  }

  /** What continue-as-new carries: the steps, the phase, the last events and log lines, the details. */
  carry(): ProgressState {
    return {
      phase: this.state.phase,
      steps: this.state.steps,
      events: this.state.events.slice(-CARRIED),
      log: this.state.log.slice(-CARRIED),
      seq: this.seq,
      ...(this.state.details ? { details: this.state.details } : {}),
    };
  }

  /** What the runbook shows beside its steps (`progress.details`). */
  setDetails(details: Record<string, unknown>): void {
    this.state.details = details;
    this.render();
  }

  get snapshot(): Progress {
    return this.state;
  }

  /** Records an event (numbered, timed), its log line, and shows it. */
  emit(event: NewEvent): void {
    this.seq += 1;
    const full = { ...event, seq: this.seq, at: now() } as ProgressEvent;
    this.state.events.push(full);
    if (this.state.events.length > EVENTS_KEPT) this.state.events.splice(0, this.state.events.length - EVENTS_KEPT);
    this.state.log.push(logLine(full));
    if (this.state.log.length > LOG_KEPT) this.state.log.splice(0, this.state.log.length - LOG_KEPT);
    this.render();
    this.listener?.(full);
  }

  /** Calls `fn` with every event from now on (the kit's notifications). */
  listen(fn: (event: ProgressEvent) => void): void {
    this.listener = fn;
  }

  note(text: string): void {
    this.emit({ kind: 'note', text });
  }

  /** Marks a step running and makes it the phase. */
  start(step: string, action?: string): void {
    const s = this.step(step);
    s.status = 'running';
    s.startedAt = now();
    if (action) s.note = action;
    this.state.wait = undefined;
    this.setPhase(step, false);
    this.emit({ kind: 'stepStarted', step, ...(action ? { action } : {}) });
  }

  done(step: string, note?: string): void {
    this.end(step, 'done', note);
    this.emit({ kind: 'stepFinished', step, ...(note ? { note } : {}) });
  }

  skip(step: string, reason: string): void {
    this.end(step, 'skipped', reason);
    this.emit({ kind: 'stepSkipped', step, reason });
  }

  fail(step: string, error: string, failureType?: string): void {
    this.end(step, 'failed', error);
    this.emit({ kind: 'stepFailed', step, error, ...(failureType ? { failureType } : {}) });
  }

  /** The status of a step. */
  statusOf(name: string): StepStatus | undefined {
    return this.state.steps.find((s) => s.name === name)?.status;
  }

  waitStarted(kind: WaitKind, what: string, deadline?: string): void {
    this.waitStartedAt = Date.now();
    this.state.wait = { kind, what, since: now(), ...(deadline ? { deadline } : {}) };
    this.emit({ kind: 'waitStarted', wait: kind, what, ...(deadline ? { deadline } : {}) });
  }

  /** What a wait looks like now; an event only when `announce` (a diagnosis, not every refresh). */
  waitUpdated(update: Partial<Pick<ProgressWait, 'deadline' | 'diagnosis' | 'stuck' | 'what'>>): void {
    if (!this.state.wait) return;
    Object.assign(this.state.wait, update);
    this.render();
  }

  waitDiagnosed(diagnosis: string, stuck: boolean): void {
    const what = this.state.wait?.what ?? 'the wait';
    this.waitUpdated({ diagnosis, stuck });
    this.emit({ kind: 'waitDiagnosed', what, diagnosis, stuck });
  }

  waitExtended(minutes: number, deadline: string, by?: string): void {
    const what = this.state.wait?.what ?? 'the wait';
    this.waitUpdated({ deadline, stuck: false });
    this.emit({ kind: 'waitExtended', what, minutes, deadline, ...(by ? { by } : {}) });
  }

  waitEnded(outcome: WaitOutcome, extra: { by?: string; reason?: string } = {}): void {
    const what = this.state.wait?.what ?? 'the wait';
    const seconds = this.waitStartedAt === undefined ? 0 : Math.round((Date.now() - this.waitStartedAt) / 1000);
    this.state.wait = undefined;
    this.waitStartedAt = undefined;
    this.emit({ kind: 'waitEnded', what, outcome, seconds, ...(extra.by ? { by: extra.by } : {}), ...(extra.reason ? { reason: extra.reason } : {}) });
  }

  /** Seconds since the current wait started (0 when none). */
  get waitedSeconds(): number {
    return this.waitStartedAt === undefined ? 0 : Math.round((Date.now() - this.waitStartedAt) / 1000);
  }

  setActions(actions: string[]): void {
    this.state.operatorActions = actions;
    this.render();
  }

  setPaused(paused: Progress['paused']): void {
    this.state.paused = paused;
    this.render();
  }

  /** Sets the phase (and the `RunbookPhase` search attribute). */
  setPhase(phase: string, render = true): void {
    if (this.state.phase !== phase) upsertSearchAttributes([{ key: SearchAttributes.RunbookPhase, value: phase }]);
    this.state.phase = phase;
    if (render) this.render();
  }

  private end(step: string, status: StepStatus, note?: string): void {
    const s = this.step(step);
    s.status = status;
    s.endedAt = now();
    if (note) s.note = note;
    this.state.wait = undefined;
  }

  private step(name: string): ProgressStep {
    const s = this.state.steps.find((x) => x.name === name);
    if (!s) throw new Error(`unknown step ${name}`);
    return s;
  }

  private render(): void {
    setCurrentDetails(currentDetails(this.state));
  }
}

function now(): string {
  // Workflow time: deterministic, replay-safe.
  return new Date(Date.now()).toISOString();
}
