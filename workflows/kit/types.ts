import type { z } from 'zod';
import type { StepOutcome } from '../../activities/types';
import type { Condition, Observation, PreflightCheck, RunbookFailureType } from '../../src/contracts';
import type { ConditionWaitResult, RunControl } from './control';
import type { CompensationStep } from './compensation';
import type { ProgressTracker } from './progress';

/** The input fields the kit reads in every runbook (each runbook's schema has them; `commonFields` defines them). */
export interface CommonInput {
  cluster: string;
  reason: string;
  dryRun: boolean;
  requireApproval: boolean;
  ticket?: string;
  initiator?: string;
  parent?: { workflowId: string; key: string };
}

/** What a step's code sees: the run, its input and subject, and what earlier steps learnt (`facts`). */
export interface RunContext<I extends CommonInput = CommonInput, S = unknown, F = Record<string, unknown>> {
  readonly runbook: string;
  readonly input: I;
  readonly cluster: string;
  /** The business key (the last part of the workflow id). */
  readonly target: string;
  /** What preflight resolved the run to act on (an agent, ...). In plan mode, a placeholder when preflight failed. */
  readonly subject: S;
  /** What steps learnt, for later steps, compensations and the result. Starts as the definition's `facts()`. */
  readonly facts: F;
  /** True in plan mode (`dryRun`): reads only. */
  readonly planning: boolean;
  /** The key of idempotent requests of this run (workflow id + first run id). */
  readonly requestKey: string;
  readonly control: RunControl;
  readonly progress: ProgressTracker;
  /**
   * Continues the run as new (when its history grows long: `workflowInfo().continueAsNewSuggested`), once every
   * message handler has finished, carrying the input, the subject, the facts and the progress; the new run goes on
   * with the current step (a `run` step), which finds its state in `facts`. Only from a `run` step. Never returns.
   */
  continueAsNew(): Promise<never>;
  /** What the run shows beside its steps in `progress.details` (the fleet's batches and machines). */
  setDetails(details: Record<string, unknown>): void;
}

/** What a step waits for after its write (or alone). */
export type StepWait =
  | {
      kind: 'condition';
      condition: Condition;
      /** Words for progress (default: the condition's own). */
      what?: string;
      timeoutMs: number;
      diagnose?: () => Promise<string>;
      skippable?: boolean;
      /** The failure type when the condition can no longer hold (default FAILED). */
      impossible?: RunbookFailureType;
    }
  | { kind: 'operator'; what: string; maxMs?: number };

/** How a step's write and wait came out, for its `done` hook. */
export interface StepResult {
  /** The write's answer (absent without a write). */
  outcome?: StepOutcome;
  /** The wait's answer (absent without a wait). */
  wait?: ConditionWaitResult | { outcome: 'completed' | 'elapsed'; seconds?: number };
}

/** What compensations share: what one undid that the next must know (e.g. the machine went DOWN). */
export type UndoState = Record<string, unknown>;

/**
 * The undo of a step, run when the run stops (abort, failure, cancel) after the step started its write, in reverse
 * step order. Returning undefined means nothing to undo (left out of the report).
 */
export interface Compensator<C> {
  name: string;
  run: (ctx: C, undo: UndoState) => Promise<Omit<CompensationStep, 'step'> | undefined>;
}

/**
 * One step of a runbook, as data with code (design.md "A runbook is declared steps"). The kit runs it: checkpoint →
 * read → decide (skip with the reason when already done) → write → wait → done; plan mode runs read and decide only.
 */
export interface StepSpec<C extends RunContext = RunContext, R = unknown> {
  name: string;
  /** What the step does, in words: the plan's line and the activity's summary in the Web UI. */
  action: (ctx: C) => string;
  /** Reads what the decision needs (read-only activities). Plan mode runs it too. */
  read?: (ctx: C) => Promise<R>;
  /** Pure: the reason to skip (already done, or nothing to do), or undefined to act. */
  skip?: (ctx: C, state: R) => string | undefined;
  /**
   * Pure: what the step will do given the state read, in words ("RESERVE 2 cores: 2 → 4"), when `action` cannot say
   * it beforehand. Plan mode shows it after the action; a run logs it as a note before the write, and a confirmation
   * asks for approval of it.
   */
  detail?: (ctx: C, state: R) => string | undefined;
  /**
   * Set when the decision depends on what earlier steps of this run do (a state they change): plan mode cannot
   * decide it now and says on what it depends.
   */
  decidedAtRunTime?: string;
  /** The change: an activity that reads, decides and writes again (safe to retry). Its note is the step's note. */
  write?: (ctx: C, state: R) => Promise<StepOutcome>;
  /** What the step then waits for (undefined: nothing this time). */
  wait?: (ctx: C) => StepWait | undefined;
  /** After the write and wait: records facts, returns the step's note (default: the write's or wait's). May throw. */
  done?: (ctx: C, result: StepResult) => string | void;
  /** The undo, registered when the step starts its write. */
  compensate?: Compensator<C>;
  /** What cannot be undone once the step sent its write (checked after the compensations ran). */
  cannotUndo?: (ctx: C, undo: UndoState) => string | undefined;
  /** A destructive step: the target an approval must name before the write, whatever `requireApproval` says. */
  confirm?: (ctx: C) => string;
  /**
   * A step that orchestrates on its own (the fleet's roll: batches of child runs, gates, windows): the kit calls it
   * instead of read / write / wait, with the same checkpoint before it and compensation after it. Its result is the
   * step's note. It may call `ctx.continueAsNew()`; after continue-as-new the kit calls it again.
   */
  run?: (ctx: C) => Promise<string | void>;
}

/** A runbook's own control message (beside approve, pause, ...): an Update with its validator, and a Signal. */
export interface ControlSpec<C, I> {
  /** Its input, for `--help` and the docs: `{hostname, action: "extend" | "skip" | "quarantine", ...}`. */
  usage: string;
  /** Refuses bad input, or input that makes no sense now, by throwing (the message names the field). */
  validate: (ctx: C, input: I) => void;
  /** Applies it; returns what it did, in words. */
  apply: (ctx: C, input: I) => string;
}

/** What preflight found: the subject (when found), the checks, or an agent still re-registering after a failover. */
export interface PreflightResult<S> {
  subject?: S;
  checks: PreflightCheck[];
  /** One line for the preflight step's note ("S1 on h/10.0.0.1, Mesos 1.11.0"). */
  note?: string;
  /** The agent is known only from the registry after a master failover: the kit waits for it, then runs preflight again. */
  recovering?: { agentId: string; message: string };
  /** The failure when a check fails: INVALID_INPUT when the subject itself does not exist, else PREFLIGHT_FAILED. */
  failure?: { type: RunbookFailureType; message: string };
}

/**
 * How start paths (RunbookClient.check) look the subject up before starting a run, as plain data: one agent named by
 * `agentId` / `hostname` (`allowUnlisted`: an agent id the master does not list is no error), a selection of agents
 * in the input field `field`, or the cluster itself.
 */
export type SubjectLookup = { kind: 'agent'; allowUnlisted?: boolean } | { kind: 'agents'; field: string } | { kind: 'cluster' };

/** What a runbook acts on: how preflight finds and checks it, what the run leases, how runs are found by it. */
export interface SubjectSpec<I extends CommonInput, S> {
  /** How start paths check the subject exists before starting (default: one agent). */
  lookup?: SubjectLookup;
  preflight: (input: I, cluster: string) => Promise<PreflightResult<S>>;
  /** The placeholder plan mode words its steps with when preflight failed. */
  placeholder: (input: I, target: string) => S;
  /**
   * The lease keys the run holds from the cluster's lock while its steps run: agent ids, or a key of the cluster's
   * own (`quota`, `weights`; the lock's keys are plain strings).
   */
  leaseKeys: (subject: S) => string[];
  /** A lease key in words, for progress and AGENT_LOCKED messages (default: `agent <key>`). */
  leaseLabel?: (key: string) => string;
  /** Whether a run waits for another run's lease (else it fails with AGENT_LOCKED naming the holder). */
  waitForLease: (input: I) => boolean;
  /** Search attributes naming the subject (AgentIds, Machines). */
  tag: (subject: S) => void;
  /** Why the run needs no lease when `leaseKeys` is empty (the fleet: its child runs lease their agents). */
  noLease?: string;
}

export type Facts = Record<string, unknown>;

/**
 * One runbook, declared once: plan, run, progress, compensation, control and the catalog follow from it
 * (docs/runbooks.md shows how to write one).
 */
export interface RunbookDefinition<Schema extends z.ZodType, S, F extends Facts, Result> {
  /** The workflow type and the name operators use; the export's name in its runbooks/ file. */
  name: string;
  /** One line for the catalog (CLI, docs, chat). */
  summary: string;
  /** Kills tasks, takes machines down, destroys data: shown in the catalog and in plans. */
  destructive: boolean;
  inputSchema: Schema;
  /** The business key of a run (the last part of its workflow id): an agent id or hostname, a persistence id, ... */
  target: (input: z.output<Schema>) => string;
  /** A ready-to-run example input, for the docs and `--help`. */
  example: z.input<Schema>;
  subject: SubjectSpec<z.output<Schema> & CommonInput, S>;
  /** What an approver approves, in words. */
  approval: (ctx: RunContext<z.output<Schema> & CommonInput, S, F>) => string;
  /** The initial facts of a run. */
  facts: () => F;
  /** The steps after preflight, lease and approval: the same list for plan and run (it depends on the input only). */
  steps: (input: z.output<Schema> & CommonInput) => StepSpec<RunContext<z.output<Schema> & CommonInput, S, F>>[];
  /** The run's result once every step is done. */
  result: (ctx: RunContext<z.output<Schema> & CommonInput, S, F>) => Result;
  /** What plan mode adds to the plan (the fleet: its batches, and the gate that would block each now). */
  planDetails?: (ctx: RunContext<z.output<Schema> & CommonInput, S, F>) => Promise<Record<string, unknown>>;
  /** The runbook's own control messages (names beside approve, pause, ...), installed once preflight found the subject. */
  controls?: Record<string, ControlSpec<RunContext<z.output<Schema> & CommonInput, S, F>, never>>;
  /**
   * Runs started by an earlier version of this runbook's workflow code, before the kit (kept until they have all
   * ended; see docs/runbooks.md "Changing a runbook"). A run started now never takes this path. A loader, so that
   * the old code is evaluated only in the runs that take it (each run has its own copy of every module it loads).
   */
  legacy?: () => (rawInput: never) => Promise<unknown>;
}

export type { Observation };
