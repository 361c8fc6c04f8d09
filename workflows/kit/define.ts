import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import {
  clusterFreezeWorkflowId,
  childEndedSignal,
  childWaitingSignal,
  failureDetail,
  failureMessage,
  failureType,
  freezeUnsubscribeSignal,
  runbookFailure,
  type ApprovalPolicy,
  type ApprovalRecord,
  type ChildEnded,
  type ChildWaiting,
  type ControlAck,
  type NotifyEventKind,
  type PlannedStep,
  type PreflightCheck,
  type ProgressEvent,
  type RunOutcome,
  type RunPlan,
  type RunSettings,
} from '../../src/contracts';
import { duration } from '../../src/progress/time';
import { SearchAttributes } from '../../src/temporal/search-attributes';
import { withAgentLease } from '../leases';
import { act, notifyActivity } from './calls';
import { afterCompensation, stopReason, summarizeCompensation, type CompensationReport } from './compensation';
import { RunAborted, RunControl, type RunWindow } from './control';
import { parseRunbookInput } from './input';
import { ProgressTracker, type ProgressState } from './progress';
import type { CommonInput, Facts, PreflightResult, RunContext, RunbookDefinition, StepResult, StepSpec, UndoState } from './types';

/** The patch that separates runs of the runbook kit from runs started before it (workflows/legacy). */
export const KIT_PATCH = 'runbook-kit';

/**
 * The patch of the run's start-up settings (one `runSettings` activity instead of `approvalPolicy`: the policy, the
 * cluster's freeze with a subscription to its changes, the notifications to send). Runs started before it keep the
 * old command sequence (test/replay/histories).
 */
export const SETTINGS_PATCH = 'run-settings';

/** How long a run waits for an agent to re-register after a master failover (Mesos's default agent_reregister_timeout). */
export const RECOVERY_WAIT_MS = 10 * 60_000;
const RECOVERY_RETRIES = 3;
const APPROVAL_NOT_REQUIRED = 'not required (the input does not ask for it and the policy does not force it)';
/** Failure types of a write that Mesos refused, or that found nothing to act on: nothing was applied. */
const NOT_APPLIED = new Set(['MESOS_BAD_REQUEST', 'MESOS_CONFLICT', 'MESOS_FORBIDDEN', 'MESOS_UNAUTHORIZED', 'MESOS_NOT_FOUND', 'INVALID_INPUT', 'NOT_SCHEDULED', 'AGENT_GONE']);

/** A runbook's workflow function, carrying its declaration (the catalog reads it). */
export type RunbookWorkflow<Schema extends z.ZodType = z.ZodType, Result = unknown> = ((input: z.input<Schema>) => Promise<Result | RunPlan>) & {
  readonly runbook: RunbookDefinition<Schema, unknown, Facts, Result>;
};

/** Types one step of a runbook, so its read's state flows to its decision and write (see {@link StepSpec}). */
export function step<C extends RunContext, R = undefined>(spec: StepSpec<C, R>): StepSpec<C> {
  return spec as unknown as StepSpec<C>;
}

/**
 * The same step, skipped with the reason whenever `why(ctx)` gives one, without its read (there may be nothing to
 * read) and before its own decision: e.g. a drain step of a runbook whose agent the master no longer lists.
 */
export function skipWhen<C extends RunContext>(s: StepSpec<C>, why: (ctx: C) => string | undefined): StepSpec<C> {
  const read = s.read;
  return {
    ...s,
    ...(read ? { read: (ctx: C) => (why(ctx) !== undefined ? Promise.resolve(undefined) : read(ctx)) } : {}),
    skip: (ctx, state) => why(ctx) ?? s.skip?.(ctx, state),
  };
}

/**
 * Declares a runbook (docs/runbooks.md): returns its workflow function, which the worker serves under `name`. The
 * kit runs every runbook the same way: input validation (INVALID_INPUT, before any Mesos call) → preflight (the
 * subject's named checks; an agent re-registering after a failover is waited for) → plan mode stops here with the
 * plan → the lease → approval → each step (checkpoint, read, decide, write, wait) → the result; on abort, failure or
 * cancellation, the compensations of the steps that started, in reverse order, then the failure.
 */
export function defineRunbook<Schema extends z.ZodType, S, F extends Facts, Result>(def: RunbookDefinition<Schema, S, F, Result>): RunbookWorkflow<Schema, Result> {
  const workflow = async (rawInput: z.input<Schema>): Promise<Result | RunPlan> => {
    const { [CONTINUED]: continued, ...input } = (rawInput ?? {}) as Record<string, unknown>;
    if (continued !== undefined && !workflowInfo().continuedFromExecutionRunId) {
      throw runbookFailure('INVALID_INPUT', `${def.name}: invalid input: ${CONTINUED}: only a run continued as new carries it`);
    }
    if (!continued && def.legacy && !patched(KIT_PATCH)) return (await def.legacy()(rawInput as never)) as Result | RunPlan;
    return new Run(def, input, continued as Continued<S, F> | undefined).execute();
  };
  Object.defineProperty(workflow, 'name', { value: def.name });
  return Object.assign(workflow, { runbook: def as unknown as RunbookDefinition<Schema, unknown, Facts, Result> });
}

type Input<Schema extends z.ZodType> = z.output<Schema> & CommonInput;

/** The input field a run continued as new carries its state in (never given by a user: the schema refuses it). */
const CONTINUED = '__continued';

/** What a run carries over continue-as-new. */
interface Continued<S, F> {
  /** The step the new run goes on with. */
  step: number;
  subject: S;
  facts: F;
  progress: ProgressState;
  /** The indexes of the steps that had started their write (compensation undoes them). */
  written: number[];
  approvals: ApprovalRecord[];
  paused?: boolean;
}

/** One run of a runbook: the interpreter of its declaration. */
class Run<Schema extends z.ZodType, S, F extends Facts, Result> {
  private readonly input: Input<Schema>;
  private readonly steps: StepSpec<RunContext<Input<Schema>, S, F>>[];
  private readonly progress: ProgressTracker;
  private control!: RunControl;
  private policy!: ApprovalPolicy;
  private ctx!: RunContext<Input<Schema>, S, F>;
  private settings?: RunSettings;
  private readonly notifications: Promise<unknown>[] = [];
  /** Steps that started their write, in order: what compensation undoes. */
  private readonly written: StepSpec<RunContext<Input<Schema>, S, F>>[] = [];
  /** The step running now (its index in `steps`). */
  private current = 0;

  constructor(
    private readonly def: RunbookDefinition<Schema, S, F, Result>,
    private readonly rawInput: Record<string, unknown>,
    private readonly continued?: Continued<S, F>,
  ) {
    this.input = parseRunbookInput(def.name, def.inputSchema, rawInput) as Input<Schema>;
    this.steps = def.steps(this.input);
    const target = def.target(this.input);
    this.progress = new ProgressTracker(
      def.name,
      ['preflight', 'lease', 'approval', ...this.steps.map((s) => s.name)],
      { cluster: this.input.cluster, target, ...(this.input.initiator ? { initiator: this.input.initiator } : {}) },
      continued?.progress,
    );
  }

  /** The context steps see. */
  private context(subject: S, facts: F): RunContext<Input<Schema>, S, F> {
    const info = workflowInfo();
    return {
      runbook: this.def.name,
      input: this.input,
      cluster: this.input.cluster,
      target: this.def.target(this.input),
      subject,
      facts,
      planning: this.input.dryRun,
      // The first run id stays the same across continue-as-new: the key of a request does too.
      requestKey: `${info.workflowId}/${info.firstExecutionRunId}`,
      control: this.control,
      progress: this.progress,
      continueAsNew: () => this.continueAsNew(),
      setDetails: (details) => this.progress.setDetails(details),
    };
  }

  /** Continue-as-new once every handler finished, carrying the input, subject, facts, progress and approvals. */
  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    this.progress.note(`continuing as new (history of ${workflowInfo().historyLength} events): the run goes on with step '${this.steps[this.current]?.name}'`);
    const carried: Continued<S, F> = {
      step: this.current,
      subject: this.ctx.subject,
      facts: this.ctx.facts,
      progress: this.progress.carry(),
      written: this.written.map((s) => this.steps.indexOf(s)),
      approvals: this.control.approvals,
      ...(this.control.isPaused ? { paused: true } : {}),
    };
    return continueAsNew<(input: unknown) => Promise<unknown>>({ ...this.rawInput, [CONTINUED]: carried });
  }

  async execute(): Promise<Result | RunPlan> {
    try {
      return await this.executeSteps();
    } finally {
      await CancellationScope.nonCancellable(() => this.finalize());
    }
  }

  private async executeSteps(): Promise<Result | RunPlan> {
    const { def, input, progress } = this;
    const target = def.target(input);
    if (patched(SETTINGS_PATCH)) {
      this.settings = await act.runSettings(`settings of ${def.name} on ${input.cluster}`, { runbook: def.name, cluster: input.cluster, subscribe: !input.dryRun });
      this.policy = this.settings.policy;
    } else {
      this.policy = await act.approvalPolicy(`approval policy of ${def.name}`, { runbook: def.name });
    }
    this.control = new RunControl(progress, this.policy, input.initiator, { freeze: this.settings?.freeze, window: windowOf(input), approvals: this.continued?.approvals });
    if (!input.dryRun && (this.settings?.notify.length ?? 0) > 0) progress.listen((e) => this.notifyOn(e));
    this.tellParentOfHumanWaits();
    if (this.continued) return this.goOn(this.continued);
    tagRun(def.name, input);
    progress.note(`reason: ${input.reason}`);
    this.notify('started', `${def.name} started on ${input.cluster} for ${target}${input.initiator ? ` by ${input.initiator}` : ''}: ${input.reason}`);

    progress.start('preflight', `${target} in cluster ${input.cluster}`);
    const pre = await this.preflight();
    this.ctx = this.context(pre.subject ?? def.subject.placeholder(input, target), def.facts());
    if (input.dryRun) return this.plan(pre);
    if (pre.failure || !pre.subject) {
      const failure = pre.failure ?? { type: 'PREFLIGHT_FAILED' as const, message: `${def.name} preflight failed: ${failedChecks(pre.checks)}` };
      progress.fail('preflight', failedChecks(pre.checks) || failure.message, failure.type);
      await this.end('failed', failure.message, { failureType: failure.type, message: failure.message });
      throw runbookFailure(failure.type, failure.message, [pre.checks]);
    }
    def.subject.tag(pre.subject);
    progress.done('preflight', pre.note);
    this.installControls();
    return this.steer(pre.subject, async () => {
      await this.approval();
      await this.runSteps(0);
    });
  }

  /** A run continued as new: the same steps from the one it was in, with the carried subject and facts. */
  private async goOn(continued: Continued<S, F>): Promise<Result | RunPlan> {
    this.ctx = this.context(continued.subject, continued.facts);
    for (const i of continued.written) if (this.steps[i]) this.written.push(this.steps[i]!);
    if (continued.paused) this.control.pauseItself('paused when the run continued as new');
    this.installControls();
    return this.steer(continued.subject, () => this.runSteps(continued.step), { quiet: true });
  }

  /** The leased part of a run, its result, and on abort / failure / cancellation its compensation. */
  private async steer(subject: S, body: () => Promise<void>, options: { quiet?: boolean } = {}): Promise<Result> {
    const { def } = this;
    try {
      const result = await this.leased(subject, async () => {
        await body();
        return def.result(this.ctx);
      }, options);
      await this.end('done', 'every step done', { result });
      return result;
    } catch (err) {
      if (isContinueAsNew(err)) throw err;
      this.markStopped(err);
      this.control.finish();
      const report = await CancellationScope.nonCancellable(() =>
        err instanceof RunAborted && !this.control.compensateOnAbort ? this.leaveAsItIs(stopReason(err)) : this.compensate(stopReason(err)),
      );
      const failure = afterCompensation(def.name, err, report);
      await this.end(err instanceof RunAborted ? 'aborted' : isCancellation(err) ? 'cancelled' : 'failed', `${stopReason(err)}; compensation: ${summarizeCompensation(report)}`, {
        failureType: failureType(failure),
        message: failureMessage(failure),
      });
      throw failure;
    }
  }

  /** The notification an event calls for, if any (start is sent by {@link executeSteps}). */
  private notifyOn(e: ProgressEvent): void {
    const { def, input } = this;
    const about = `${def.name} on ${input.cluster} for ${def.target(input)}`;
    if (e.kind === 'approvalAsked') this.notify('approval', `${about} awaits approval: ${e.what}${e.required > 1 ? ` (${e.required} approvals)` : ''}${e.confirm ? `; confirm '${e.confirm}'` : ''}`);
    else if (e.kind === 'waitDiagnosed' && e.stuck) this.notify('stuck', `${about} is stuck: ${e.what} did not happen by its deadline: ${e.diagnosis} (extend, skip or abort)`);
    else if (e.kind === 'waitStarted' && e.wait === 'window') this.notify('windowPaused', `${about} paused at its window's end: ${e.what}`);
    else if (e.kind === 'runEnded' && e.outcome === 'done') this.notify('completed', `${about} completed: ${e.summary}`);
    else if (e.kind === 'runEnded' && e.outcome !== 'planned') this.notify('failed', `${about} ${e.outcome}: ${e.summary}`);
  }

  /**
   * Sends a notification when the configuration asks for this event: fire-and-forget (the run does not wait for it
   * here, and a failing target never fails the run: the activity retries, then logs); awaited at the run's end.
   */
  private notify(event: NotifyEventKind, text: string): void {
    if (this.input.dryRun || !this.settings?.notify.includes(event)) return;
    const info = workflowInfo();
    const notification = { event, text, runbook: this.def.name, cluster: this.input.cluster, target: this.def.target(this.input), workflowId: info.workflowId, runId: info.runId, at: new Date(Date.now()).toISOString() };
    this.notifications.push(
      CancellationScope.nonCancellable(() => notifyActivity.notify.executeWithOptions({ summary: `notify: ${event}` }, [notification])).catch(() => undefined),
    );
  }

  /** At the run's end: the notifications still on their way, and the freeze subscription dropped. */
  private async finalize(): Promise<void> {
    await Promise.all(this.notifications);
    if (this.settings?.subscribed) {
      const info = workflowInfo();
      await getExternalWorkflowHandle(clusterFreezeWorkflowId(this.input.cluster))
        .signal(freezeUnsubscribeSignal, { workflowId: info.workflowId, runId: info.runId })
        .catch(() => undefined);
    }
  }

  /** The subject's preflight; an agent re-registering after a master failover is waited for (bounded), then checked again. */
  private async preflight(): Promise<PreflightResult<S>> {
    let pre = await this.def.subject.preflight(this.input, this.input.cluster);
    for (let attempt = 0; pre.recovering && !this.input.dryRun && attempt < RECOVERY_RETRIES; attempt++) {
      await this.awaitRecovery(pre.recovering.agentId, pre.recovering.message);
      pre = await this.def.subject.preflight(this.input, this.input.cluster);
    }
    return pre;
  }

  /** Waits (through the watcher, bounded) for an agent listed under `recovered_agents` to re-register. */
  private async awaitRecovery(agentId: string, message: string): Promise<void> {
    this.progress.note(`${message}: waiting up to ${duration(RECOVERY_WAIT_MS / 1000)} for it to re-register`);
    const result = await this.control.waitFor({
      cluster: this.input.cluster,
      condition: { kind: 'agentRegistered', agentId },
      what: `agent ${agentId} to re-register with the new leading master (after a failover)`,
      timeoutMs: RECOVERY_WAIT_MS,
      interactive: false,
      waitKind: 'recovery',
    });
    if (result.outcome === 'timedOut') {
      throw runbookFailure('AGENT_RECOVERING', `agent ${agentId} did not re-register within ${duration(RECOVERY_WAIT_MS / 1000)} after a master failover: ${result.diagnosis}`, [{ agentId }]);
    }
  }

  /** Runs `fn` again once the agent re-registered, when it failed because the agent is re-registering (AGENT_RECOVERING). */
  private async recovering<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (failureType(err) !== 'AGENT_RECOVERING' || attempt >= RECOVERY_RETRIES) throw err;
        const agentId = failureDetail<{ agentId?: string }>(err)?.agentId ?? '';
        await this.awaitRecovery(agentId, failureMessage(err));
      }
    }
  }

  private async leased<T>(subject: S, fn: () => Promise<T>, options: { quiet?: boolean } = {}): Promise<T> {
    const { progress, control } = this;
    const keys = this.def.subject.leaseKeys(subject);
    const label = this.def.subject.leaseLabel ?? ((key: string) => `agent ${key}`);
    if (keys.length === 0) {
      if (!options.quiet) progress.skip('lease', this.def.subject.noLease ?? 'nothing to lease');
      return fn();
    }
    if (!options.quiet) progress.start('lease', `the lease on ${keys.join(', ')}`);
    return withAgentLease(
      {
        cluster: this.input.cluster,
        agentIds: keys,
        runbook: this.def.name,
        wait: this.def.subject.waitForLease(this.input),
        interrupt: { when: () => control.abortRequested, raise: () => control.checkpoint() },
        onWaiting: (heldBy) => progress.waitStarted('lease', `${label(heldBy.agentId)} held by ${heldBy.runbook} run ${heldBy.holder} since ${heldBy.since}`),
        ...(this.def.subject.leaseLabel ? { label } : {}),
      },
      async () => {
        if (progress.snapshot.wait?.kind === 'lease') progress.waitEnded('granted');
        if (!options.quiet) progress.done('lease', `holding ${keys.length === 1 ? label(keys[0]!) : `${keys.length} agents`}`);
        return fn();
      },
    );
  }

  private async approval(): Promise<void> {
    const { progress } = this;
    progress.start('approval');
    const approvals = await this.control.awaitApproval(this.def.approval(this.ctx), { required: this.input.requireApproval });
    if (approvals) progress.done('approval', `approved by ${approvals.map((a) => `${a.approver}: ${a.reason}`).join('; ')}`);
    else progress.skip('approval', APPROVAL_NOT_REQUIRED);
  }

  /** The steps from `from` on (0, or the step a run continued as new goes on with). */
  private async runSteps(from: number): Promise<void> {
    for (this.current = from; this.current < this.steps.length; this.current++) {
      await this.runStep(this.steps[this.current]!, this.current === from && this.continued !== undefined);
    }
  }

  /** One step: checkpoint → read → decide → (confirmation) → write → wait → done; or a `run` step's own orchestration. */
  private async runStep(s: StepSpec<RunContext<Input<Schema>, S, F>>, resumed = false): Promise<void> {
    const { ctx, control, progress } = this;
    await control.checkpoint({ gates: true });
    const action = s.action(ctx);
    if (s.run) {
      if (!resumed) {
        progress.start(s.name, action);
        this.written.push(s);
      }
      const note = await s.run(ctx);
      progress.done(s.name, note ?? undefined);
      return;
    }
    progress.start(s.name, action);
    const state = s.read ? await this.recovering(() => s.read!(ctx)) : undefined;
    const reason = s.skip?.(ctx, state as never);
    if (reason !== undefined) {
      progress.skip(s.name, reason);
      return;
    }
    const detail = s.detail?.(ctx, state as never);
    if (detail !== undefined) progress.note(`${s.name}: ${detail}`);
    if (s.confirm) {
      await control.awaitApproval(`${s.name}: ${detail ?? action}`, { required: true, confirm: s.confirm(ctx) });
      progress.setPhase(s.name);
    }
    const result: StepResult = {};
    if (s.write) {
      // Marked before the call: a call that failed or was cancelled may still have been applied; one Mesos refused
      // (or that found nothing to act on) was not, and has nothing to undo.
      this.written.push(s);
      try {
        result.outcome = await this.recovering(() => s.write!(ctx, state as never));
      } catch (err) {
        if (NOT_APPLIED.has(failureType(err) ?? '')) this.written.splice(this.written.indexOf(s), 1);
        throw err;
      }
    }
    const wait = s.wait?.(ctx);
    if (wait?.kind === 'condition') {
      const { kind: _kind, impossible: _impossible, ...spec } = wait;
      result.wait = await control.waitFor({ cluster: ctx.cluster, ...spec });
    } else if (wait?.kind === 'operator') {
      result.wait = { outcome: await control.awaitCompletion(wait.what, wait.maxMs) };
    }
    const note = s.done?.(ctx, result) ?? undefined;
    const w = result.wait;
    if (w?.outcome === 'impossible') {
      throw runbookFailure(wait?.kind === 'condition' ? (wait.impossible ?? 'FAILED') : 'FAILED', w.reason);
    }
    if (w?.outcome === 'skipped') progress.skip(s.name, note ?? `skipped${w.by ? ` by ${w.by}` : ''}: ${w.reason}`);
    else if (!w && result.outcome && !result.outcome.applied) progress.skip(s.name, note ?? result.outcome.note);
    else progress.done(s.name, note ?? result.outcome?.note ?? (w?.outcome === 'completed' ? 'marked complete' : w?.outcome === 'elapsed' ? 'duration elapsed' : w?.outcome));
  }

  /** An abort that asked for no compensation (a fleet's quarantine): the report says what was left as it was. */
  private async leaveAsItIs(reason: string): Promise<CompensationReport> {
    const report: CompensationReport = { reason, steps: [], cannotUndo: [`nothing was put back, at the operator's request: ${this.written.map((s) => s.name).join(', ') || 'no step had changed anything'} left as it is`] };
    this.progress.emit({ kind: 'compensationDone', summary: summarizeCompensation(report), cannotUndo: report.cannotUndo });
    return report;
  }

  /** The runbook's own control messages, as Updates (validated) and Signals (refusals shown in progress). */
  private installControls(): void {
    for (const [name, spec] of Object.entries(this.def.controls ?? {})) {
      const validate = (input: unknown) => spec.validate(this.ctx, input as never);
      const apply = (input: unknown) => spec.apply(this.ctx, input as never);
      setHandler(defineUpdate<ControlAck, [unknown]>(name), (input) => ({ phase: this.progress.snapshot.phase, message: apply(input) }), { validator: validate });
      setHandler(defineSignal<[unknown]>(name), (input) => {
        try {
          validate(input);
        } catch (err) {
          this.progress.note(`${name} refused: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        apply(input);
      });
    }
  }

  /** A run a parent started tells it when it starts or stops waiting for a human (stuck, awaiting approval). */
  private tellParentOfHumanWaits(): void {
    const parent = this.input.parent;
    if (!parent) return;
    this.control.onHumanWait = (waiting) => {
      const payload: ChildWaiting = { key: parent.key, workflowId: workflowInfo().workflowId, ...(waiting ? { waiting: { ...waiting, since: new Date(Date.now()).toISOString() } } : {}) };
      void getExternalWorkflowHandle(parent.workflowId)
        .signal(childWaitingSignal, payload)
        .catch(() => undefined);
    };
  }

  /** Marks the step that was running when the run stopped. */
  private markStopped(err: unknown): void {
    if (this.progress.snapshot.wait) this.progress.waitEnded('aborted', { reason: stopReason(err) });
    const running = this.progress.snapshot.steps.find((st) => st.status === 'running');
    if (!running) return;
    if (err instanceof RunAborted || isCancellation(err)) this.progress.fail(running.name, stopReason(err));
    else this.progress.fail(running.name, failureMessage(err), failureType(err));
  }

  /** The compensations of the steps that started their write, in reverse order; then what cannot be undone. */
  private async compensate(reason: string): Promise<CompensationReport> {
    const { progress } = this;
    progress.setPhase('compensating');
    progress.emit({ kind: 'compensationStarted', reason });
    const report: CompensationReport = { reason, steps: [], cannotUndo: [] };
    const undo: UndoState = {};
    for (const s of [...this.written].reverse()) {
      if (!s.compensate) continue;
      try {
        const r = await s.compensate.run(this.ctx, undo);
        if (r) report.steps.push({ step: s.compensate.name, ...r });
      } catch (err) {
        report.steps.push({ step: s.compensate.name, outcome: 'failed', note: failureMessage(err) });
      }
    }
    for (const s of this.written) {
      const what = s.cannotUndo?.(this.ctx, undo);
      if (what) report.cannotUndo.push(what);
    }
    progress.emit({ kind: 'compensationDone', summary: summarizeCompensation(report), cannotUndo: report.cannotUndo });
    return report;
  }

  /** Plan mode: the same steps, read and decided against the cluster as it is, nothing written. */
  private async plan(pre: PreflightResult<S>): Promise<RunPlan> {
    const { def, ctx, input, progress } = this;
    const ready = pre.checks.every((c) => c.ok) && !pre.failure && pre.subject !== undefined;
    if (ready) progress.done('preflight', 'plan mode');
    else progress.fail('preflight', `plan mode: ${failedChecks(pre.checks)}`, pre.failure?.type ?? 'PREFLIGHT_FAILED');
    const keys = def.subject.leaseKeys(ctx.subject);
    const policy = this.policy;
    const holders = ready ? await act.leaseHolders(`who holds ${keys.join(', ')}`, { cluster: input.cluster, agentIds: keys }) : { leases: [], queue: [] };
    const held = holders.leases.map((l) => `held now by ${l.runbook} run ${l.holder} since ${l.since}`).join('; ');
    const approvalRequired = input.requireApproval || policy.alwaysRequireApproval;
    const steps: PlannedStep[] = [
      { name: 'preflight', action: `${pre.checks.length} check(s): ${ready ? 'all pass' : failedChecks(pre.checks)}` },
      {
        name: 'lease',
        action: `take the lease on ${keys.join(', ')} (${def.subject.waitForLease(input) ? 'waiting' : 'failing'} if another run holds it)${held ? `: ${held}` : ''}`,
      },
      {
        name: 'approval',
        action: `wait for ${policy.requiredApprovals > 1 ? `${policy.requiredApprovals} approvals` : 'an `approve`'}${policy.approvers.length ? ` from ${policy.approvers.join(', ')}` : ''}${policy.fourEyes ? ' (not the initiator)' : ''}: ${def.approval(ctx)}`,
        ...(approvalRequired ? {} : { skipBecause: APPROVAL_NOT_REQUIRED }),
      },
    ];
    for (const s of this.steps) {
      const action = s.action(ctx) + (s.confirm ? ` (needs an approval that names '${s.confirm(ctx)}')` : '');
      if (!ready) {
        steps.push({ name: s.name, action, skipBecause: 'preflight failed: a run stops before this step' });
        continue;
      }
      if (s.decidedAtRunTime || (s.run && !s.read)) {
        steps.push({ name: s.name, action, decidedAtRunTime: s.decidedAtRunTime ?? 'what it does depends on the cluster as the run goes (see the plan\'s details)' });
        continue;
      }
      const state = s.read ? await s.read(ctx) : undefined;
      const reason = s.skip?.(ctx, state as never);
      const detail = reason === undefined ? s.detail?.(ctx, state as never) : undefined;
      steps.push({ name: s.name, action: detail !== undefined ? `${action}: ${detail}` : action, ...(reason !== undefined ? { skipBecause: reason } : {}) });
    }
    const details = ready && def.planDetails ? await def.planDetails(ctx) : undefined;
    if (details) progress.setDetails(details);
    this.control.finish();
    progress.setPhase('planned');
    progress.emit({ kind: 'runEnded', outcome: 'planned', summary: ready ? `${steps.filter((x) => !x.skipBecause).length} step(s) would run` : 'not ready: preflight fails' });
    return { runbook: def.name, dryRun: true, cluster: input.cluster, target: ctx.target, checks: pre.checks, steps, ready, ...(details ? { details } : {}) };
  }

  /** The run is over: the phase, the last event, and the parent run told (when a parent started it). */
  private async end(outcome: Exclude<RunOutcome, 'planned'>, summary: string, detail: { result?: unknown; failureType?: string; message?: string } = {}): Promise<void> {
    this.control.finish();
    this.progress.setPhase(outcome);
    this.progress.emit({ kind: 'runEnded', outcome, summary });
    const parent = this.input.parent;
    if (!parent) return;
    const info = workflowInfo();
    const ended: ChildEnded = { key: parent.key, workflowId: info.workflowId, runbook: this.def.name, outcome, ...detail };
    await CancellationScope.nonCancellable(async () => {
      try {
        await getExternalWorkflowHandle(parent.workflowId).signal(childEndedSignal, ended);
      } catch (err) {
        // The parent is gone (terminated, or ended meanwhile): nobody to tell.
        this.progress.note(`could not tell the parent run ${parent.workflowId} that this run ended: ${failureMessage(err)}`);
      }
    });
  }
}

/** The run's window, when its runbook takes the window fields and the input gives them (kit/input.ts windowFields). */
function windowOf(input: CommonInput): RunWindow | undefined {
  const i = input as CommonInput & { notBefore?: unknown; notAfter?: unknown; minRemainingMinutes?: unknown };
  const time = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : undefined);
  const notBefore = time(i.notBefore);
  const notAfter = time(i.notAfter);
  if (notBefore === undefined && notAfter === undefined) return undefined;
  return { notBefore, notAfter, minRemainingMs: (typeof i.minRemainingMinutes === 'number' ? i.minRemainingMinutes : 0) * 60_000 };
}

/** Records the runbook, cluster, initiator and ticket on the run's search attributes (also for runs started elsewhere). */
function tagRun(runbook: string, input: CommonInput): void {
  upsertSearchAttributes([
    { key: SearchAttributes.RunbookName, value: runbook },
    { key: SearchAttributes.MesosCluster, value: input.cluster },
    ...(input.initiator ? [{ key: SearchAttributes.Initiator, value: input.initiator }] : []),
    ...(input.ticket ? [{ key: SearchAttributes.Ticket, value: input.ticket }] : []),
  ]);
}

/** A one-line summary of failed checks. */
export function failedChecks(checks: PreflightCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
}

function isContinueAsNew(err: unknown): boolean {
  return err instanceof ContinueAsNew;
}
