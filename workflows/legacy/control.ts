import { ApplicationFailure, condition, defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { ConditionWaits, type Condition } from './cluster-watch';
import type { Progress, ProgressTracker } from './progress';

/** Who sent an Update. Temporal does not authenticate the sender: the name is checked against the policy. */
export interface Actor {
  by?: string;
}
export type ApproveInput = { approver: string; reason: string };
export type ReasonInput = Actor & { reason: string };
export type ExtendInput = Actor & { minutes: number };
export type CompleteInput = Actor & { note?: string };

/** What every control Update answers: the phase after it was applied, and a line saying what it did. */
export interface ControlAck {
  phase: string;
  message: string;
}

// One control surface for every runbook (design.md).
export const approveUpdate = defineUpdate<ControlAck, [ApproveInput]>('approve');
export const pauseUpdate = defineUpdate<ControlAck, [ReasonInput]>('pause');
export const resumeUpdate = defineUpdate<ControlAck, [Actor]>('resume');
export const abortUpdate = defineUpdate<ControlAck, [ReasonInput]>('abort');
export const completeUpdate = defineUpdate<ControlAck, [CompleteInput]>('complete');
export const extendUpdate = defineUpdate<ControlAck, [ExtendInput]>('extend');
export const skipUpdate = defineUpdate<ControlAck, [ReasonInput]>('skip');
export const progressQuery = defineQuery<Progress>('progress');

/** The approval policy of one run, from the worker's configuration (never from the run's input). */
export interface ApprovalPolicy {
  /** Names allowed to approve; empty = anyone who can send an Update to the run. */
  approvers: string[];
  /** The configuration forces approval for this runbook, whatever the input says. */
  alwaysRequireApproval: boolean;
}

/** Thrown inside a run when an operator aborted it (an `abort` Update); runbooks compensate and then fail ABORTED. */
export class RunAborted extends Error {
  constructor(
    readonly by: string | undefined,
    readonly reason: string,
  ) {
    super(`aborted${by ? ` by ${by}` : ''}: ${reason}`);
    this.name = 'RunAborted';
  }
}

export interface WaitOptions<T> {
  /** What the run waits for, in words. */
  what: string;
  /** Reads the state (an activity). */
  read: () => Promise<T>;
  done: (state: T) => boolean;
  /** Initial deadline, ms from now. */
  timeoutMs: number;
  /** Words for progress while pending. */
  describe?: (state: T) => string;
  /** A fuller diagnosis at the deadline (may read more, e.g. tasks and frameworks). */
  diagnose?: (state: T) => Promise<string>;
  /** May the operator skip this wait? (default true) */
  skippable?: boolean;
  /**
   * The condition as the cluster's shared watcher evaluates it. With it the run does not poll: it reads once,
   * registers with the watcher, and reads again only when signalled, at the deadline, or on an operator's decision
   * (design.md "Waiting is shared per cluster"). Without it the run polls on its own with backoff.
   */
  shared?: { cluster: string; condition: Condition };
  /** Poll interval bounds, ms (defaults 1000 and 5000). */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
}

export type WaitOutcome<T> = { outcome: 'met'; state: T } | { outcome: 'skipped'; state: T; reason: string; by?: string };

/**
 * The human control of one run: the Updates (each with a validator that refuses bad input, and input that makes no
 * sense in the current phase, before it touches state), the `progress` query, and the blocking points runbooks
 * call: {@link checkpoint} between steps (pause, abort), {@link awaitApproval}, {@link awaitCompletion}, and
 * {@link wait} (a convergence wait with a deadline, a diagnosis, and an operator decision when stuck).
 */
export class RunControl {
  private approvalFor?: string;
  private approval?: ApproveInput;
  private paused?: { by?: string; reason: string; since: string };
  private abortRequest?: ReasonInput;
  private awaitingCompletion = false;
  private completion?: CompleteInput;
  private activeWait?: { skippable: boolean; stuck: boolean; extendMs: number; skip?: ReasonInput };
  private finished = false;
  private readonly waits = new ConditionWaits();

  constructor(
    private readonly progress: ProgressTracker,
    private readonly policy: ApprovalPolicy,
  ) {
    setHandler(progressQuery, () => progress.snapshot);
    setHandler(
      approveUpdate,
      (input) => {
        this.approval = input;
        this.progress.say(`approved by ${input.approver}: ${input.reason}`);
        return this.ack(`approved ${this.approvalFor ?? ''}`.trim());
      },
      {
        validator: (input) => {
          requireText(input?.approver, 'approver');
          requireText(input?.reason, 'reason');
          if (!this.approvalFor) throw new Error(`nothing awaits approval now (phase: ${this.progress.snapshot.phase})`);
          if (this.policy.approvers.length > 0 && !this.policy.approvers.includes(input.approver)) {
            throw new Error(`approver: '${input.approver}' may not approve (allowed: ${this.policy.approvers.join(', ')})`);
          }
        },
      },
    );
    setHandler(
      pauseUpdate,
      (input) => {
        this.paused = { by: input.by, reason: input.reason, since: new Date(Date.now()).toISOString() };
        this.progress.setPaused(this.paused);
        this.progress.say(`paused${input.by ? ` by ${input.by}` : ''}: ${input.reason} (the current step finishes; the next waits for resume)`);
        this.refreshActions();
        return this.ack('paused: the run stops before its next step');
      },
      {
        validator: (input) => {
          requireText(input?.reason, 'reason');
          this.refuseWhenOver();
          if (this.paused) throw new Error(`already paused by ${this.paused.by ?? 'an operator'} since ${this.paused.since}`);
        },
      },
    );
    setHandler(
      resumeUpdate,
      (input: Actor | undefined) => {
        this.paused = undefined;
        this.progress.setPaused(undefined);
        this.progress.say(`resumed${input?.by ? ` by ${input.by}` : ''}`);
        this.refreshActions();
        return this.ack('resumed');
      },
      {
        validator: (_input: Actor | undefined) => {
          if (!this.paused) throw new Error('the run is not paused');
        },
      },
    );
    setHandler(
      abortUpdate,
      (input) => {
        this.abortRequest = input;
        this.progress.say(`abort requested${input.by ? ` by ${input.by}` : ''}: ${input.reason}`);
        this.refreshActions();
        return this.ack('aborting: compensation runs next');
      },
      {
        validator: (input) => {
          requireText(input?.reason, 'reason');
          this.refuseWhenOver();
        },
      },
    );
    setHandler(
      completeUpdate,
      (input: CompleteInput | undefined) => {
        this.completion = input ?? {};
        this.progress.say(`work marked complete${input?.by ? ` by ${input.by}` : ''}${input?.note ? `: ${input.note}` : ''}`);
        return this.ack('work complete: the run continues');
      },
      {
        validator: (_input: CompleteInput | undefined) => {
          if (!this.awaitingCompletion) throw new Error(`the run is not waiting for the operator's work (phase: ${this.progress.snapshot.phase})`);
        },
      },
    );
    setHandler(
      extendUpdate,
      (input) => {
        this.activeWait!.extendMs += input.minutes * 60_000;
        this.progress.say(`wait extended by ${input.minutes} min${input.by ? ` by ${input.by}` : ''}`);
        return this.ack(`extended by ${input.minutes} min`);
      },
      {
        validator: (input) => {
          if (!Number.isInteger(input?.minutes) || input.minutes < 1 || input.minutes > 10_080) {
            throw new Error('minutes: a whole number of minutes from 1 to 10080 (7 days)');
          }
          if (!this.activeWait) throw new Error(`the run is not waiting for Mesos now (phase: ${this.progress.snapshot.phase})`);
        },
      },
    );
    setHandler(
      skipUpdate,
      (input) => {
        this.activeWait!.skip = input;
        this.progress.say(`wait skipped${input.by ? ` by ${input.by}` : ''}: ${input.reason}`);
        return this.ack('skipping the wait: the run continues with its next step');
      },
      {
        validator: (input) => {
          requireText(input?.reason, 'reason');
          if (!this.activeWait) throw new Error(`the run is not waiting for Mesos now (phase: ${this.progress.snapshot.phase})`);
          if (!this.activeWait.skippable) throw new Error('this wait cannot be skipped: the next step would fail without it; extend or abort instead');
        },
      },
    );
    this.refreshActions();
  }

  /** True once an abort was asked. */
  get abortRequested(): boolean {
    return this.abortRequest !== undefined;
  }

  /** Between steps: waits while paused; throws {@link RunAborted} when an abort was asked. */
  async checkpoint(): Promise<void> {
    this.throwIfAborted();
    if (this.paused) {
      const phase = this.progress.snapshot.phase;
      this.progress.setPhase('paused');
      await condition(() => !this.paused || this.abortRequested);
      this.throwIfAborted();
      this.progress.setPhase(phase);
    }
  }

  /**
   * Waits for an `approve` Update (from an allowed approver) when the input or the policy asks for approval; the run
   * shows "awaiting approval" meanwhile. Throws {@link RunAborted} on abort.
   */
  async awaitApproval(what: string, requestedByInput: boolean): Promise<ApproveInput | undefined> {
    if (!requestedByInput && !this.policy.alwaysRequireApproval) return undefined;
    await this.checkpoint();
    this.approvalFor = what;
    this.progress.setPhase('awaiting approval');
    this.progress.waiting({ what: `approval: ${what}${this.policy.approvers.length ? ` (approvers: ${this.policy.approvers.join(', ')})` : ''}` });
    this.refreshActions();
    await condition(() => this.approval !== undefined || this.abortRequested);
    this.approvalFor = undefined;
    this.progress.clearWait();
    this.refreshActions();
    this.throwIfAborted();
    return this.approval;
  }

  /** Waits for the operator's `complete` Update, or `maxMs` when given (then it continues on its own). */
  async awaitCompletion(what: string, maxMs?: number): Promise<'completed' | 'elapsed'> {
    await this.checkpoint();
    this.awaitingCompletion = true;
    this.progress.waiting({
      what,
      deadline: maxMs === undefined ? undefined : new Date(Date.now() + maxMs).toISOString(),
    });
    this.refreshActions();
    const over = () => this.completion !== undefined || this.abortRequested;
    const done = maxMs === undefined ? (await condition(over), true) : await condition(over, maxMs);
    this.awaitingCompletion = false;
    this.progress.clearWait();
    this.refreshActions();
    this.throwIfAborted();
    return done ? 'completed' : 'elapsed';
  }

  /**
   * A convergence wait: reads until `done`, woken early by `wake` when given. At the deadline it diagnoses, shows
   * the run as stuck, and waits for the operator: `extend {minutes}` (waits more), `skip {reason}` (returns
   * `skipped`), or `abort {reason}` (throws {@link RunAborted}). `skip` is also accepted before the deadline.
   */
  async wait<T>(options: WaitOptions<T>): Promise<WaitOutcome<T>> {
    await this.checkpoint();
    const since = new Date(Date.now()).toISOString();
    let deadline = Date.now() + options.timeoutMs;
    const w = { skippable: options.skippable ?? true, stuck: false, extendMs: 0 } as NonNullable<RunControl['activeWait']>;
    this.activeWait = w;
    this.refreshActions();
    let interval = options.initialIntervalMs ?? 1_000;
    const cap = options.maxIntervalMs ?? 5_000;
    let waitId: string | undefined;
    try {
      for (;;) {
        const state = await options.read();
        if (options.done(state)) return { outcome: 'met', state };
        this.throwIfAborted();
        if (w.skip) return { outcome: 'skipped', state, reason: w.skip.reason, by: w.skip.by };
        if (w.extendMs > 0) {
          deadline = Math.max(deadline, Date.now()) + w.extendMs;
          w.extendMs = 0;
          w.stuck = false;
        }
        const left = deadline - Date.now();
        if (left > 0) {
          this.progress.waiting({ what: options.what, since, deadline: new Date(deadline).toISOString(), diagnosis: options.describe?.(state) });
          const operator = () => this.abortRequested || w.skip !== undefined || w.extendMs > 0;
          if (options.shared) {
            waitId ??= await this.waits.register(options.shared.cluster, options.shared.condition);
            const id = waitId;
            await condition(() => this.waits.isMet(id) || operator(), left);
            if (this.waits.isMet(id)) {
              // The watcher saw it and dropped the registration: confirm with a read (and register anew if a race undid it).
              await this.waits.cancel(options.shared.cluster, id);
              waitId = undefined;
            }
          } else {
            await condition(operator, Math.min(interval, left));
            interval = Math.min(cap, Math.round(interval * 1.5));
          }
          continue;
        }
        // The deadline passed: diagnose and ask the operator.
        w.stuck = true;
        const diagnosis = options.diagnose ? await options.diagnose(state) : (options.describe?.(state) ?? 'no diagnosis');
        this.progress.waiting({ what: options.what, since, deadline: new Date(deadline).toISOString(), diagnosis, stuck: true });
        this.progress.say(`stuck: ${options.what} did not happen by the deadline: ${diagnosis}`);
        this.refreshActions();
        // Keep reading now and then: Mesos may still converge while the operator decides.
        const decided = await condition(() => this.abortRequested || w.skip !== undefined || w.extendMs > 0, 30_000);
        if (!decided) continue;
        this.refreshActions();
      }
    } finally {
      if (waitId && options.shared) await this.waits.cancel(options.shared.cluster, waitId);
      this.activeWait = undefined;
      this.progress.clearWait();
      this.refreshActions();
    }
  }

  /** The run is over (done, failed or compensated): Updates that change its course are refused from now on. */
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

  private refreshActions(): void {
    const actions: string[] = [];
    if (!this.finished && !this.abortRequest) {
      if (this.approvalFor) actions.push('approve');
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

/** The failure an aborted run ends with, after its compensation, carrying the compensation report. */
export function abortedFailure(err: RunAborted, report: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ABORTED',
    nonRetryable: true,
    message: `${workflowInfo().workflowType} ${err.message}`,
    details: [report],
  });
}
