/**
 * The one control surface of every runbook run (design.md): what each control message carries and answers. The
 * same messages are accepted as Updates (validated before they touch state, answered with a {@link ControlAck}) and
 * as Signals (a parent run steering its children; a refused Signal is shown in the run's progress).
 */

/** The control actions, in the order the CLI and docs list them. */
export const CONTROL_ACTIONS = ['approve', 'pause', 'resume', 'abort', 'complete', 'extend', 'skip'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/**
 * Who sent a message, as the surface it came through knows them (the CLI's user, the chat user). Temporal does not
 * authenticate senders: the run checks names against the configuration's policy.
 */
export interface Actor {
  by?: string;
}
/** `confirm`: the target a destructive step names (an agent id, a persistence id), typed by the approver. */
export type ApproveInput = { approver: string; reason: string; confirm?: string };
export type ReasonInput = Actor & { reason: string };
export type ExtendInput = Actor & { minutes: number };
export type CompleteInput = Actor & { note?: string };
/**
 * `compensate: false` leaves the cluster as the run left it (no compensation; the report says so): a fleet's
 * "quarantine" of a machine stuck draining.
 */
export type AbortInput = ReasonInput & { compensate?: boolean };
/** A maintenance window (RFC 3339 instants), e.g. the next one a paused fleet run resumes into. */
export interface WindowInput {
  notBefore?: string;
  notAfter?: string;
  minRemainingMinutes?: number;
}
/**
 * With a run paused at its window's end: `notAfter` (ISO time), the end of the next window (a schedule's firing
 * sends it), or a whole `window` (the fleet runbook's). Without either, resuming a run paused at its window's end
 * lifts the window for the rest of the run.
 */
export type ResumeInput = Actor & { notAfter?: string; window?: WindowInput };

/** What each action takes. */
export interface ControlInputs {
  approve: ApproveInput;
  pause: ReasonInput;
  resume: ResumeInput;
  abort: AbortInput;
  complete: CompleteInput;
  extend: ExtendInput;
  skip: ReasonInput;
}

/** What every control Update answers: the phase after it was applied, and a line saying what it did. */
export interface ControlAck {
  phase: string;
  message: string;
}

/**
 * The approval policy of one run, from the worker's configuration (never from the run's input).
 * - `approvers`: names allowed to approve; empty = anyone who can send an Update to the run.
 * - `alwaysRequireApproval`: the configuration forces approval, whatever the input says.
 * - `fourEyes`: the run's initiator may not approve it.
 * - `requiredApprovals`: how many distinct approvers each approval needs (default 1).
 * - `timeScale`: how much faster than real time the run's own timers run (waits' deadlines, work durations, soaks):
 *   1 in production; a rehearsal's `--speed` (docs/rehearsal.md). Comes with the policy, from the worker.
 */
export interface ApprovalPolicy {
  approvers: string[];
  alwaysRequireApproval: boolean;
  fourEyes: boolean;
  requiredApprovals: number;
  timeScale?: number;
}

/** What a child run signals its parent while it waits for a human (stuck, awaiting approval): shown by the parent. */
export interface ChildWaiting {
  key: string;
  workflowId: string;
  /** Undefined once the child no longer waits. */
  waiting?: { kind: 'stuck' | 'approval'; what: string; diagnosis?: string; since: string };
}

/** What a child run (one a parent run started: the fleet runbook's per-machine runs) signals its parent at its end. */
export interface ChildEnded {
  /** The parent's key of the child (e.g. the machine's hostname). */
  key: string;
  workflowId: string;
  runbook: string;
  outcome: 'done' | 'failed' | 'aborted' | 'cancelled';
  /** The child's result when done. */
  result?: unknown;
  failureType?: string;
  message?: string;
}

/** An approval given to a run, recorded in its progress. */
export interface ApprovalRecord {
  /** What was approved (the approval step's words). */
  what: string;
  approver: string;
  reason: string;
  at: string;
}

/**
 * The phase (and `RunbookPhase` search attribute) of a run paused because its maintenance window closed: a
 * schedule's next firing finds it by this phase and its `Initiator` (`schedule:<id>`) and resumes it with the new
 * window instead of starting another run.
 */
export const WINDOW_PAUSED_PHASE = 'paused at window end';

/** The `Initiator` of runs a schedule starts: `schedule:<id>`. */
export function scheduleInitiator(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

/** A cluster's freeze (entity workflow `cluster-freeze/<cluster>`): while it holds, no run starts a step. */
export interface Freeze {
  by: string;
  reason: string;
  /** When it lifts by itself (ISO). */
  until: string;
  since: string;
}
export interface FreezeState {
  cluster: string;
  freeze?: Freeze;
  /** The last unfreeze: who lifted it, when. */
  lifted?: { by: string; at: string; reason?: string };
}
export interface FreezeRequest {
  by: string;
  reason: string;
  until: string;
}
export interface UnfreezeRequest {
  by: string;
  reason?: string;
}

/** What a run learns from the worker's configuration when it starts (the `runSettings` activity). */
export interface RunSettings {
  policy: ApprovalPolicy;
  /** The cluster's freeze now; later changes come as the `freezeChanged` Signal (the run is subscribed). */
  freeze: FreezeState;
  /** True when the run subscribed to its cluster's freeze (it unsubscribes at its end). */
  subscribed: boolean;
  /** The notification events configured for this runbook and cluster (empty: the run sends none). */
  notify: NotifyEventKind[];
}

/** What a run notifies about (configuration `notifications.targets[].events`). */
export const NOTIFY_EVENTS = ['started', 'approval', 'stuck', 'windowPaused', 'failed', 'completed'] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

/** One notification, as the run sends it to the `notify` activity (which adds the run's link). */
export interface Notification {
  event: NotifyEventKind;
  runbook: string;
  cluster: string;
  target?: string;
  workflowId: string;
  runId: string;
  /** One line: what happened. */
  text: string;
  at: string;
}
