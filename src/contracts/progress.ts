/**
 * What a run reports about itself: the `progress` query's answer and the events it is made of (design.md "One
 * control surface"). One discriminated union of events; each surface (Web UI current details, terminal, chat) has
 * one formatter for it (src/progress/format.ts), and the compiler fails when a formatter misses a kind.
 */
import type { ControlAction } from './control';

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface ProgressStep {
  name: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  note?: string;
}

/**
 * What a run waits for: Mesos (a shared condition), a human (approval, the operator's work), another run, a failover,
 * its cluster's freeze to lift, its window to open (`windowOpen`), or, paused at its window's end, the next window.
 */
export type WaitKind = 'mesos' | 'approval' | 'operator' | 'lease' | 'recovery' | 'freeze' | 'windowOpen' | 'window';

export interface ProgressWait {
  what: string;
  since: string;
  deadline?: string;
  diagnosis?: string;
  /** True once the deadline passed and the run waits for an operator decision (extend, skip, abort). */
  stuck?: boolean;
  kind?: WaitKind;
}

/** How a wait ended. */
export type WaitOutcome = 'met' | 'skipped' | 'impossible' | 'granted' | 'approved' | 'completed' | 'elapsed' | 'aborted' | 'timedOut' | 'lifted' | 'resumed';

/** What every event carries: its number in the run (1, 2, ...) and when it happened (workflow time, ISO). */
interface EventBase {
  seq: number;
  at: string;
}

export type ProgressEvent = EventBase &
  (
    | { kind: 'stepStarted'; step: string; action?: string }
    | { kind: 'stepFinished'; step: string; note?: string }
    | { kind: 'stepSkipped'; step: string; reason: string }
    | { kind: 'stepFailed'; step: string; error: string; failureType?: string }
    | { kind: 'waitStarted'; wait: WaitKind; what: string; deadline?: string }
    | { kind: 'waitDiagnosed'; what: string; diagnosis: string; stuck: boolean }
    | { kind: 'waitExtended'; what: string; minutes: number; deadline: string; by?: string }
    | { kind: 'waitEnded'; what: string; outcome: WaitOutcome; seconds: number; by?: string; reason?: string }
    | { kind: 'approvalAsked'; what: string; approvers: string[]; required: number; confirm?: string }
    | { kind: 'approvalGiven'; what: string; approver: string; reason: string; remaining: number }
    | { kind: 'operator'; action: ControlAction; by?: string; reason?: string; refused?: string }
    | { kind: 'compensationStarted'; reason: string }
    | { kind: 'compensationDone'; summary: string; cannotUndo: string[] }
    | { kind: 'note'; text: string }
    | { kind: 'runEnded'; outcome: RunOutcome; summary: string }
  );

export type ProgressEventKind = ProgressEvent['kind'];
/** One event of the union, by kind. */
export type EventOf<K extends ProgressEventKind> = Extract<ProgressEvent, { kind: K }>;
/** An event as the tracker records it: the tracker numbers and times it. */
export type NewEvent = ProgressEvent extends infer E ? (E extends ProgressEvent ? Omit<E, 'seq' | 'at'> : never) : never;

export type RunOutcome = 'done' | 'planned' | 'failed' | 'aborted' | 'cancelled';

/** What the `progress` query returns and what the Web UI's current details show. */
export interface Progress {
  runbook: string;
  phase: string;
  steps: ProgressStep[];
  wait?: ProgressWait;
  /** The control actions an operator may send now, e.g. ["pause", "abort"]. */
  operatorActions: string[];
  /** Set when the run is paused: by whom and why. */
  paused?: { by?: string; reason: string; since: string };
  /** The last 50 events as terminal lines (`<ISO time> <text>`). */
  log: string[];
  /** The last 200 events (runs started before the runbook kit have none). */
  events?: ProgressEvent[];
  cluster?: string;
  /** What the run acts on (its business key). */
  target?: string;
  initiator?: string;
  /** What a runbook adds to its progress (the fleet runbook: its batches and machines). */
  details?: Record<string, unknown>;
}

/** One preflight check and its result. */
export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** One step a run would take, as its plan mode reports it. */
export interface PlannedStep {
  name: string;
  /** What the step would do, in words (the Mesos call and its target). */
  action: string;
  /** Set when the step would be skipped because its effect already holds (or the input leaves it out). */
  skipBecause?: string;
  /** Set when whether the step acts can only be decided at run time: on what it depends. */
  decidedAtRunTime?: string;
}

/**
 * What a runbook's plan mode (`dryRun: true`) returns: every check that would pass or fail and every step it would
 * take, in the order a real run reports them. A plan run reads the cluster and changes nothing.
 */
export interface RunPlan {
  runbook: string;
  dryRun: true;
  cluster: string;
  target: string;
  checks: PreflightCheck[];
  steps: PlannedStep[];
  /** True when every check passes: a real run would start its steps. */
  ready: boolean;
  /** What a runbook adds to its plan (the fleet runbook: `batches`, each with its machines and gates). */
  details?: Record<string, unknown>;
}
