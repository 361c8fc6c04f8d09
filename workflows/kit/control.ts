import { condition, setHandler } from '@temporalio/workflow';
import {
  CONTROL_ACTIONS,
  controlSignals,
  controlUpdates,
  describeCondition,
  freezeChangedSignal,
  progressQuery,
  WINDOW_PAUSED_PHASE,
  type ApprovalPolicy,
  type ApprovalRecord,
  type ApproveInput,
  type Condition,
  type ControlAck,
  type ControlAction,
  type ControlInputs,
  type Freeze,
  type FreezeState,
  type Observation,
  type ReasonInput,
  type WaitKind,
  type WindowInput,
} from '../../src/contracts';
import { dateTime, duration } from '../../src/progress/time';
import type { ProgressTracker } from './progress';
import { ConditionWaits } from './waits';

/** Thrown inside a run when an operator aborted it (an `abort` message); the kit compensates and fails ABORTED. */
export class RunAborted extends Error {
  constructor(
    readonly by: string | undefined,
    readonly reason: string,
  ) {
    super(`aborted${by ? ` by ${by}` : ''}: ${reason}`);
    this.name = 'RunAborted';
  }
}

/** A wait for Mesos: a typed condition the cluster's shared watcher evaluates. */
export interface ConditionWait {
  cluster: string;
  condition: Condition;
  /** What the run waits for, in words (default: the condition's own description). */
  what?: string;
  /** Initial deadline, ms from now. */
  timeoutMs: number;
  /** A fuller diagnosis at the deadline (an activity: tasks, frameworks, operations). */
  diagnose?: () => Promise<string>;
  /** May the operator skip this wait? (default true) */
  skippable?: boolean;
  /**
   * Ask the operator at the deadline (extend / skip / abort) — the default — or end the wait with `timedOut`
   * (compensation waits, which nobody is there to answer).
   */
  interactive?: boolean;
  /**
   * A wait of the compensation: no checkpoint, and the abort that caused the compensation does not end it (implies
   * not interactive).
   */
  compensating?: boolean;
  /** What kind of wait progress shows (default `mesos`; `recovery` for an agent re-registering after a failover). */
  waitKind?: WaitKind;
}

export type ConditionWaitResult =
  | { outcome: 'met'; observation: Observation; seconds: number }
  | { outcome: 'impossible'; observation: Observation; reason: string; seconds: number }
  | { outcome: 'skipped'; observation?: Observation; reason: string; by?: string; seconds: number }
  | { outcome: 'timedOut'; observation?: Observation; diagnosis: string; seconds: number };

interface ActiveWait {
  skippable: boolean;
  stuck: boolean;
  extend?: { minutes: number; by?: string };
  skip?: ReasonInput;
}

interface PendingApproval {
  what: string;
  confirm?: string;
  required: number;
  given: ApproveInput[];
}

/**
 * A run's maintenance window (input fields `notBefore`, `notAfter`, `minRemainingMinutes`; {@link windowFields}):
 * its steps start no earlier than `notBefore` and none starts once fewer than `minRemainingMinutes` are left before
 * `notAfter`: the run then pauses at its window's end until a `resume` (with the next window's `notAfter`).
 */
export interface RunWindow {
  notBefore?: number;
  notAfter?: number;
  minRemainingMs: number;
}

/** What the run learnt at its start beside the approval policy (the `runSettings` activity). */
export interface ControlExtras {
  /** The cluster's freeze now; later changes come as the `freezeChanged` Signal. */
  freeze?: FreezeState;
  window?: RunWindow;
  /** Approvals given before (a run continued as new carries them). */
  approvals?: ApprovalRecord[];
}

interface ActionSpec<A extends ControlAction> {
  /** Refuses input that is malformed or makes no sense now, by throwing (the message names the field). */
  validate: (input: ControlInputs[A]) => void;
  /** Applies it; returns what it did, in words. */
  apply: (input: ControlInputs[A]) => string;
}

/**
 * The human control of one run (design.md "One control surface"): every control action as an Update (its
 * validator refuses bad input, and input that makes no sense in the current phase, before it touches state) and as
 * a Signal of the same name (a parent run steering its children; a refused Signal is shown in the progress), the
 * `progress` query, and the blocking points the kit calls: {@link checkpoint} between steps (pause, abort),
 * {@link awaitApproval} (the approval policy: approvers, four eyes, N approvers, a confirmation naming the target),
 * {@link awaitCompletion}, and {@link waitFor} (a wait for Mesos through the shared watcher, with a deadline, a
 * diagnosis and an operator decision when stuck).
 */
export class RunControl {
  private approval?: PendingApproval;
  private paused?: { by?: string; reason: string; since: string; phase?: string };
  private abortRequest?: ControlInputs['abort'];
  /** The window a `resume` brought (for a run paused at its window's end), until the run takes it. */
  private resumedInto?: WindowInput;
  private awaitingCompletion = false;
  private completion?: ControlInputs['complete'];
  private activeWait?: ActiveWait;
  private finished = false;
  private readonly waits = new ConditionWaits();
  private freeze?: FreezeState;
  private window?: RunWindow;
  private lastResume?: ControlInputs['resume'];
  /** Every approval given to the run. */
  readonly approvals: ApprovalRecord[] = [];

  constructor(
    private readonly progress: ProgressTracker,
    private readonly policy: ApprovalPolicy,
    private readonly initiator?: string,
    extras: ControlExtras = {},
  ) {
    this.freeze = extras.freeze;
    this.window = extras.window;
    this.approvals.push(...(extras.approvals ?? []));
    setHandler(progressQuery, () => progress.snapshot);
    setHandler(freezeChangedSignal, (state) => {
      this.freeze = state;
    });
    const specs = this.specs();
    for (const action of CONTROL_ACTIONS) this.install(action, specs[action] as unknown as ActionSpec<typeof action>);
    this.refreshActions();
  }

  /**
   * A duration of the run's own (a wait's deadline, a work duration, a soak) on the run's clock: divided by the
   * rehearsal's time scale (1 in production).
   */
  scaled(ms: number): number {
    const scale = this.policy.timeScale ?? 1;
    return scale === 1 ? ms : Math.max(1, Math.round(ms / scale));
  }

  /** True once an abort was asked. */
  get abortRequested(): boolean {
    return this.abortRequest !== undefined;
  }

  /** False when the abort asked to leave the cluster as it is (`compensate: false`). */
  get compensateOnAbort(): boolean {
    return this.abortRequest?.compensate !== false;
  }

  /**
   * Pauses the run on its own (a fleet at its window's end): like an operator's `pause`, so `resume` (with a new
   * window, or without) lets it go on; the run blocks at its next {@link checkpoint}.
   */
  pauseItself(reason: string, phase = 'paused'): void {
    if (this.paused || this.finished) return;
    this.paused = { by: 'the run', reason, since: new Date(Date.now()).toISOString(), phase };
    this.progress.setPaused(this.paused);
    this.progress.note(`paused: ${reason}; send \`resume\` (with a new window, or without) to go on`);
    this.refreshActions();
  }

  /** True while paused (by an operator or by the run itself). */
  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  /** The window the last `resume` brought, once (then undefined). */
  takeResumedWindow(): WindowInput | undefined {
    const w = this.resumedInto;
    this.resumedInto = undefined;
    return w;
  }

  /** Called when the run starts or stops waiting for a human (a parent run is told). */
  onHumanWait?: (waiting: { kind: 'stuck' | 'approval'; what: string; diagnosis?: string } | undefined) => void;

  /**
   * Waits while paused; throws {@link RunAborted} when an abort was asked. With `gates` (before a step, and before an
   * approval: what precedes a change), also waits while the cluster is frozen (until it is lifted or its time is up),
   * until the run's window opens (`notBefore`), and at its window's end (until `resume`, with the next window). The
   * waits inside a step (for Mesos, for the operator's work) do not stop for a freeze or a window: the step that
   * already made its change finishes. A run without freeze or window waits only while paused.
   */
  async checkpoint(options: { gates?: boolean } = {}): Promise<void> {
    for (;;) {
      this.throwIfAborted();
      const frozen = options.gates ? this.activeFreeze() : undefined;
      if (frozen) {
        await this.awaitThaw(frozen);
        continue;
      }
      const notBefore = options.gates ? this.window?.notBefore : undefined;
      if (notBefore !== undefined && Date.now() < notBefore) {
        await this.awaitWindowOpen(notBefore);
        continue;
      }
      if (options.gates && this.windowClosed()) {
        await this.awaitNextWindow();
        continue;
      }
      if (this.paused) {
        const phase = this.progress.snapshot.phase;
        this.progress.setPhase(this.paused.phase ?? 'paused');
        await condition(() => !this.paused || this.abortRequested);
        this.throwIfAborted();
        this.progress.setPhase(phase);
        continue;
      }
      return;
    }
  }

  /** The cluster's freeze, while it holds. */
  private activeFreeze(): Freeze | undefined {
    const f = this.freeze?.freeze;
    return f && Date.now() < Date.parse(f.until) ? f : undefined;
  }

  private async awaitThaw(f: Freeze): Promise<void> {
    const phase = this.progress.snapshot.phase;
    this.progress.setPhase('frozen');
    this.progress.waitStarted('freeze', `cluster ${this.freeze!.cluster} to be unfrozen (frozen by ${f.by} until ${dateTime(f.until)}: ${f.reason})`, f.until);
    this.refreshActions();
    await condition(() => !sameFreeze(this.activeFreeze(), f) || this.abortRequested, Math.max(1, Date.parse(f.until) - Date.now()));
    this.throwIfAborted();
    const now = this.activeFreeze();
    const lifted = this.freeze?.lifted;
    if (!now) this.progress.waitEnded('lifted', sameFreeze(this.freeze?.freeze, f) || !lifted ? { reason: 'its time was up' } : { by: lifted.by, ...(lifted.reason ? { reason: lifted.reason } : {}) });
    else this.progress.waitEnded('lifted', { reason: `changed: now frozen by ${now.by} until ${dateTime(now.until)}` });
    this.progress.setPhase(phase);
  }

  private async awaitWindowOpen(notBefore: number): Promise<void> {
    const phase = this.progress.snapshot.phase;
    this.progress.setPhase('awaiting window');
    this.progress.waitStarted('windowOpen', `the window to open at ${dateTime(new Date(notBefore).toISOString())}`, new Date(notBefore).toISOString());
    await condition(() => this.abortRequested || (this.window?.notBefore ?? 0) !== notBefore, Math.max(1, notBefore - Date.now()));
    this.throwIfAborted();
    this.progress.waitEnded('met');
    this.progress.setPhase(phase);
  }

  /** True when the run has a window and fewer than `minRemainingMinutes` are left of it. */
  private windowClosed(): boolean {
    const w = this.window;
    return w?.notAfter !== undefined && Date.now() >= w.notAfter - (w.minRemainingMs > 0 ? this.scaled(w.minRemainingMs) : 0);
  }

  /** Paused at the window's end: until `resume` (a schedule's next firing sends the next window's `notAfter`) or abort. */
  private async awaitNextWindow(): Promise<void> {
    const w = this.window!;
    const phase = this.progress.snapshot.phase;
    const end = dateTime(new Date(w.notAfter!).toISOString());
    const reason = `the window ends ${end}${w.minRemainingMs > 0 ? ` and a step needs at least ${duration(w.minRemainingMs / 1000)} of it` : ''}`;
    this.paused = { by: 'window', reason, since: new Date(Date.now()).toISOString() };
    this.progress.setPaused(this.paused);
    this.progress.setPhase(WINDOW_PAUSED_PHASE);
    this.progress.waitStarted('window', `the next window (${reason}): resume with its notAfter, or abort`);
    this.refreshActions();
    await condition(() => !this.paused || this.abortRequested);
    this.throwIfAborted();
    const r = this.lastResume;
    this.progress.waitEnded('resumed', { ...(r?.by ? { by: r.by } : {}), reason: r?.notAfter ? `next window until ${dateTime(r.notAfter)}` : 'the window no longer applies to this run' });
    this.progress.setPhase(phase);
  }

  /**
   * Waits for approval when `required` (the input asked, or the policy forces it) or when `confirm` names a target
   * the approver must type (a destructive step's own approval, which no input can waive). Each approval needs
   * `policy.requiredApprovals` distinct allowed approvers (and, with four eyes, none of them the initiator). Returns
   * the approvals given, or undefined when none was needed. Throws {@link RunAborted} on abort.
   */
  async awaitApproval(what: string, options: { required: boolean; confirm?: string; until?: () => boolean }): Promise<ApprovalRecord[] | undefined> {
    const required = options.required || this.policy.alwaysRequireApproval || options.confirm !== undefined;
    if (!required) return undefined;
    await this.checkpoint({ gates: true });
    const pending: PendingApproval = { what, required: this.policy.requiredApprovals, given: [], ...(options.confirm ? { confirm: options.confirm } : {}) };
    this.approval = pending;
    const phase = this.progress.snapshot.phase;
    this.progress.setPhase('awaiting approval');
    this.progress.emit({ kind: 'approvalAsked', what, approvers: this.policy.approvers, required: pending.required, ...(pending.confirm ? { confirm: pending.confirm } : {}) });
    this.progress.waitStarted('approval', `approval: ${what}${this.policy.approvers.length ? ` (approvers: ${this.policy.approvers.join(', ')})` : ''}`);
    this.onHumanWait?.({ kind: 'approval', what });
    this.refreshActions();
    try {
      await condition(() => pending.given.length >= pending.required || this.abortRequested || options.until?.() === true);
    } finally {
      this.approval = undefined;
      this.onHumanWait?.(undefined);
      this.refreshActions();
    }
    this.throwIfAborted();
    if (pending.given.length < pending.required) {
      // Ended by `until` (what it waited for was settled otherwise, e.g. a raised failure budget).
      this.progress.waitEnded('completed');
      this.progress.setPhase(phase);
      return [];
    }
    this.progress.waitEnded('approved', { by: pending.given.map((g) => g.approver).join(', ') });
    this.progress.setPhase(phase);
    const at = new Date(Date.now()).toISOString();
    const records = pending.given.map((g) => ({ what, approver: g.approver, reason: g.reason, at }));
    this.approvals.push(...records);
    return records;
  }

  /** Waits for the operator's `complete`, or `maxMs` when given (then it continues on its own). */
  async awaitCompletion(what: string, maxMs?: number): Promise<'completed' | 'elapsed'> {
    await this.checkpoint();
    this.awaitingCompletion = true;
    this.completion = undefined;
    if (maxMs !== undefined) maxMs = this.scaled(maxMs);
    this.progress.waitStarted('operator', what, maxMs === undefined ? undefined : new Date(Date.now() + maxMs).toISOString());
    this.refreshActions();
    const over = () => this.completion !== undefined || this.abortRequested;
    let done: boolean;
    try {
      done = maxMs === undefined ? (await condition(over), true) : await condition(over, maxMs);
    } finally {
      this.awaitingCompletion = false;
      this.refreshActions();
    }
    this.throwIfAborted();
    const completion = this.completion as ControlInputs['complete'] | undefined; // set by the handler meanwhile
    this.progress.waitEnded(done ? 'completed' : 'elapsed', { by: completion?.by });
    return done ? 'completed' : 'elapsed';
  }

  /**
   * Waits for a condition on Mesos through the cluster's shared watcher (the only way a run waits for Mesos): it
   * registers the condition and is signalled when a read shows it holds (`met`) or can no longer hold
   * (`impossible`); it never polls. At the deadline it reads once itself (the watcher may be down), diagnoses, shows
   * the run as stuck and waits for the operator: `extend {minutes}`, `skip {reason}` (also accepted before the
   * deadline), or `abort {reason}` (throws {@link RunAborted}); the watcher keeps evaluating meanwhile. A
   * non-interactive wait ends with `timedOut` at its deadline instead.
   */
  async waitFor(spec: ConditionWait): Promise<ConditionWaitResult> {
    const compensating = spec.compensating === true;
    const interactive = spec.interactive !== false && !compensating;
    if (!compensating) await this.checkpoint();
    const what = spec.what ?? describeCondition(spec.condition);
    let deadline = Date.now() + this.scaled(spec.timeoutMs);
    const w: ActiveWait = { skippable: (spec.skippable ?? true) && interactive, stuck: false };
    if (interactive) this.activeWait = w;
    this.progress.waitStarted(spec.waitKind ?? 'mesos', what, new Date(deadline).toISOString());
    this.refreshActions();
    let waitId: string | undefined = await this.waits.register(spec.cluster, spec.condition, `wait up to ${duration(this.scaled(spec.timeoutMs) / 1000)} for ${what}`);
    const seconds = () => this.progress.waitedSeconds;
    const end = <R extends ConditionWaitResult>(result: R, extra: { by?: string; reason?: string } = {}): R => {
      this.progress.waitEnded(result.outcome, extra);
      return result;
    };
    try {
      for (;;) {
        const id = waitId;
        const operator = () => (!compensating && this.abortRequested) || w.skip !== undefined || w.extend !== undefined;
        const resolved = () => this.waits.resolution(id) !== undefined;
        if (w.stuck) await condition(() => resolved() || operator());
        else await condition(() => resolved() || operator(), Math.max(1, deadline - Date.now()));
        const resolution = this.waits.resolution(id);
        if (resolution) {
          waitId = undefined; // the watcher dropped it when it signalled
          if (resolution.met) return end({ outcome: 'met', observation: resolution.observation, seconds: seconds() });
          return end({ outcome: 'impossible', observation: resolution.observation, reason: resolution.impossible ?? 'the condition can no longer hold', seconds: seconds() }, { reason: resolution.impossible });
        }
        if (!compensating) this.throwIfAborted();
        if (w.skip) return end({ outcome: 'skipped', reason: w.skip.reason, by: w.skip.by, seconds: seconds() }, { by: w.skip.by, reason: w.skip.reason });
        if (w.extend) {
          deadline = Math.max(deadline, Date.now()) + this.scaled(w.extend.minutes * 60_000);
          this.progress.waitExtended(w.extend.minutes, new Date(deadline).toISOString(), w.extend.by);
          w.extend = undefined;
          if (w.stuck) this.onHumanWait?.(undefined);
          w.stuck = false;
          this.refreshActions();
          continue;
        }
        if (w.stuck || Date.now() < deadline) continue;
        // The deadline passed: one read of its own, then a diagnosis.
        const check = await this.waits.check(spec.cluster, spec.condition);
        if (check.met) return end({ outcome: 'met', observation: check.observation, seconds: seconds() });
        if (check.impossible) return end({ outcome: 'impossible', observation: check.observation, reason: check.impossible, seconds: seconds() }, { reason: check.impossible });
        const diagnosis = spec.diagnose ? await spec.diagnose() : observed(check.observation);
        if (!interactive) {
          this.progress.waitDiagnosed(diagnosis, false);
          return end({ outcome: 'timedOut', observation: check.observation, diagnosis, seconds: seconds() });
        }
        w.stuck = true;
        this.progress.waitDiagnosed(diagnosis, true);
        this.onHumanWait?.({ kind: 'stuck', what, diagnosis });
        this.refreshActions();
      }
    } finally {
      if (w.stuck) this.onHumanWait?.(undefined);
      if (waitId) await this.waits.cancel(spec.cluster, waitId);
      if (this.activeWait === w) this.activeWait = undefined;
      this.refreshActions();
    }
  }

  /** The run is over (done, failed or compensated): messages that change its course are refused from now on. */
  finish(): void {
    this.finished = true;
    this.refreshActions();
  }

  private throwIfAborted(): void {
    if (this.abortRequest) throw new RunAborted(this.abortRequest.by, this.abortRequest.reason);
  }

  private refuseWhenOver(): void {
    if (this.finished) throw new Error(`the run is over (phase: ${this.progress.snapshot.phase})`);
    if (this.abortRequest) throw new Error(`the run is already aborting (${this.abortRequest.reason})`);
  }

  private ack(message: string): ControlAck {
    return { phase: this.progress.snapshot.phase, message };
  }

  /** Each action once: the Update (validated, answered) and the Signal (refusals shown in progress). */
  private install<A extends ControlAction>(action: A, spec: ActionSpec<A>): void {
    setHandler(controlUpdates[action] as never, ((input: ControlInputs[A]) => this.ack(spec.apply(input))) as never, {
      validator: ((input: ControlInputs[A]) => spec.validate(input)) as never,
    });
    setHandler(controlSignals[action] as never, ((input: ControlInputs[A]) => {
      try {
        spec.validate(input);
      } catch (err) {
        this.progress.emit({ kind: 'operator', action, ...byOf(input), refused: err instanceof Error ? err.message : String(err) });
        return;
      }
      spec.apply(input);
    }) as never);
  }

  private specs(): { [A in ControlAction]: ActionSpec<A> } {
    return {
      approve: {
        validate: (input) => {
          requireText(input?.approver, 'approver');
          requireText(input?.reason, 'reason');
          const pending = this.approval;
          if (!pending) throw new Error(`nothing awaits approval now (phase: ${this.progress.snapshot.phase})`);
          const { approvers, fourEyes } = this.policy;
          if (approvers.length > 0 && !approvers.includes(input.approver)) throw new Error(`approver: '${input.approver}' may not approve (allowed: ${approvers.join(', ')})`);
          if (fourEyes && this.initiator && sameUser(input.approver, this.initiator)) {
            throw new Error(`approver: '${input.approver}' started this run; four eyes: another approver must approve it`);
          }
          if (pending.given.some((g) => sameUser(g.approver, input.approver))) {
            throw new Error(`approver: '${input.approver}' already approved; ${pending.required - pending.given.length} more distinct approver(s) needed`);
          }
          if (pending.confirm !== undefined && input.confirm !== pending.confirm) {
            throw new Error(`confirm: this step needs the approval to name its target: give confirm '${pending.confirm}'${input.confirm ? ` (got '${input.confirm}')` : ''}`);
          }
        },
        apply: (input) => {
          const pending = this.approval!;
          pending.given.push(input);
          const remaining = Math.max(0, pending.required - pending.given.length);
          this.progress.emit({ kind: 'approvalGiven', what: pending.what, approver: input.approver, reason: input.reason, remaining });
          return remaining > 0 ? `approval by ${input.approver} recorded: ${remaining} more needed` : `approved ${pending.what}`;
        },
      },
      pause: {
        validate: (input) => {
          requireText(input?.reason, 'reason');
          this.refuseWhenOver();
          if (this.paused) throw new Error(`already paused by ${this.paused.by ?? 'an operator'} since ${this.paused.since}`);
        },
        apply: (input) => {
          this.paused = { by: input.by, reason: input.reason, since: new Date(Date.now()).toISOString() };
          this.progress.setPaused(this.paused);
          this.progress.emit({ kind: 'operator', action: 'pause', ...byOf(input), reason: input.reason });
          this.refreshActions();
          return 'paused: the run stops before its next step';
        },
      },
      resume: {
        validate: (input) => {
          if (!this.paused) throw new Error('the run is not paused');
          if (input?.notAfter !== undefined) {
            const t = typeof input.notAfter === 'string' ? Date.parse(input.notAfter) : NaN;
            if (Number.isNaN(t)) throw new Error('notAfter: an ISO 8601 time, e.g. 2026-12-08T04:00:00Z');
            if (t <= Date.now()) throw new Error(`notAfter: ${input.notAfter} is already past`);
          }
          const w = input?.window;
          if (w !== undefined) {
            for (const key of ['notBefore', 'notAfter'] as const) {
              if (w[key] !== undefined && !isInstant(w[key])) throw new Error(`window.${key}: an RFC 3339 instant with Z or an offset, e.g. 2026-12-08T22:00:00+01:00`);
            }
            if (w.minRemainingMinutes !== undefined && !(Number.isInteger(w.minRemainingMinutes) && w.minRemainingMinutes >= 0)) throw new Error('window.minRemainingMinutes: a whole number of minutes, 0 or more');
          }
        },
        apply: (input) => {
          const atWindowEnd = this.paused?.by === 'window' && this.window?.notAfter !== undefined;
          this.lastResume = input ?? {};
          if (input?.notAfter !== undefined) this.window = { ...(this.window ?? { minRemainingMs: 0 }), notAfter: Date.parse(input.notAfter) };
          else if (atWindowEnd) this.window = undefined;
          this.paused = undefined;
          if (input?.window) this.resumedInto = input.window;
          else if (input?.notAfter) this.resumedInto = { notAfter: input.notAfter };
          this.progress.setPaused(undefined);
          const into = input?.notAfter ?? input?.window?.notAfter;
          this.progress.emit({ kind: 'operator', action: 'resume', ...byOf(input), ...(into ? { reason: `window until ${into}` } : {}) });
          this.refreshActions();
          return into ? `resumed: the window now ends ${into}` : 'resumed';
        },
      },
      abort: {
        validate: (input) => {
          requireText(input?.reason, 'reason');
          this.refuseWhenOver();
        },
        apply: (input) => {
          this.abortRequest = input;
          this.progress.emit({ kind: 'operator', action: 'abort', ...byOf(input), reason: input.compensate === false ? `${input.reason} (no compensation: left as it is)` : input.reason });
          this.refreshActions();
          return input.compensate === false ? 'aborting without compensation: the cluster is left as it is' : 'aborting: compensation runs next';
        },
      },
      complete: {
        validate: () => {
          if (!this.awaitingCompletion) throw new Error(`the run is not waiting for the operator's work (phase: ${this.progress.snapshot.phase})`);
        },
        apply: (input) => {
          this.completion = input ?? {};
          this.progress.emit({ kind: 'operator', action: 'complete', ...byOf(input), ...(input?.note ? { reason: input.note } : {}) });
          return 'work complete: the run continues';
        },
      },
      extend: {
        validate: (input) => {
          if (!Number.isInteger(input?.minutes) || input.minutes < 1 || input.minutes > 10_080) throw new Error('minutes: a whole number of minutes from 1 to 10080 (7 days)');
          if (!this.activeWait) throw new Error(`the run is not waiting for Mesos now (phase: ${this.progress.snapshot.phase})`);
        },
        apply: (input) => {
          this.activeWait!.extend = { minutes: (this.activeWait!.extend?.minutes ?? 0) + input.minutes, by: input.by };
          return `extended by ${input.minutes} min`;
        },
      },
      skip: {
        validate: (input) => {
          requireText(input?.reason, 'reason');
          if (!this.activeWait) throw new Error(`the run is not waiting for Mesos now (phase: ${this.progress.snapshot.phase})`);
          if (!this.activeWait.skippable) throw new Error('this wait cannot be skipped: the next step would fail without it; extend or abort instead');
        },
        apply: (input) => {
          this.activeWait!.skip = input;
          this.progress.emit({ kind: 'operator', action: 'skip', ...byOf(input), reason: input.reason });
          return 'skipping the wait: the run continues with its next step';
        },
      },
    };
  }

  private refreshActions(): void {
    const actions: string[] = [];
    if (!this.finished && !this.abortRequest) {
      if (this.approval) actions.push('approve');
      actions.push(this.paused ? 'resume' : 'pause');
      if (this.awaitingCompletion) actions.push('complete');
      if (this.activeWait) actions.push('extend', ...(this.activeWait.skippable ? ['skip'] : []));
      actions.push('abort');
    }
    this.progress.setActions(actions);
  }
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${field}: required (a non-empty string)`);
}

function sameFreeze(a: Freeze | undefined, b: Freeze): boolean {
  return a !== undefined && a.by === b.by && a.reason === b.reason && a.until === b.until && a.since === b.since;
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function byOf(input: unknown): { by?: string } {
  const by = (input as { by?: unknown } | undefined)?.by;
  const approver = (input as { approver?: unknown } | undefined)?.approver;
  const who = typeof by === 'string' ? by : typeof approver === 'string' ? approver : undefined;
  return who ? { by: who } : {};
}

function observed(o: Observation): string {
  if (o.detail) return o.detail;
  if (o.recovering) return `agent ${o.agentId ?? o.hostname} is recovering after a master failover (not re-registered yet)`;
  if (!o.registered) return `${o.agentId ? `agent ${o.agentId}` : `no agent on ${o.hostname}/${o.ip}`} is not registered`;
  return `agent ${o.agentId}: active=${o.active}, deactivated=${o.deactivated}, drain=${o.drainState}`;
}

function isInstant(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value));
}
