/**
 * Every Update, Signal and Query definition of the project's workflows, in one sandbox-safe place: workflow code
 * sets handlers for them, activities and clients send them. (`define*` only builds a name with a type; it may be
 * imported outside the sandbox.)
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ScheduleChange, ScheduleChangeResult } from '../maintenance/schedule-change';
import type { ConditionMetInput, RegisterWaits, CancelWaitInput, ResolvedInput, Wait } from '../convergence/protocol';
import { WatchMessages } from '../convergence/protocol';
import type { ChildEnded, ChildWaiting, ControlAck, ControlInputs, FreezeRequest, FreezeState, UnfreezeRequest } from './control';
import type { AcquireRequest, AcquireResult, AgentLockState, ReleaseRequest } from './lock';
import type { Progress } from './progress';

// ── Every runbook run: the control surface ───────────────────────────────────────────────────────────────────────
/** Each control action as an Update (validated, answered) ... */
export const controlUpdates = {
  approve: defineUpdate<ControlAck, [ControlInputs['approve']]>('approve'),
  pause: defineUpdate<ControlAck, [ControlInputs['pause']]>('pause'),
  resume: defineUpdate<ControlAck, [ControlInputs['resume']]>('resume'),
  abort: defineUpdate<ControlAck, [ControlInputs['abort']]>('abort'),
  complete: defineUpdate<ControlAck, [ControlInputs['complete']]>('complete'),
  extend: defineUpdate<ControlAck, [ControlInputs['extend']]>('extend'),
  skip: defineUpdate<ControlAck, [ControlInputs['skip']]>('skip'),
} as const;
/** ... and as a Signal of the same name (a parent run steering a child: workflows cannot send Updates). */
export const controlSignals = {
  approve: defineSignal<[ControlInputs['approve']]>('approve'),
  pause: defineSignal<[ControlInputs['pause']]>('pause'),
  resume: defineSignal<[ControlInputs['resume']]>('resume'),
  abort: defineSignal<[ControlInputs['abort']]>('abort'),
  complete: defineSignal<[ControlInputs['complete']]>('complete'),
  extend: defineSignal<[ControlInputs['extend']]>('extend'),
  skip: defineSignal<[ControlInputs['skip']]>('skip'),
} as const;
/** A child run's end, signalled to the parent run that started it (its input's `parent`). */
export const childEndedSignal = defineSignal<[ChildEnded]>('childEnded');
/** A child run waits for a human (stuck, awaiting approval), or no longer: signalled to its parent. */
export const childWaitingSignal = defineSignal<[ChildWaiting]>('childWaiting');
/** The run's progress: phase, steps, current wait, allowed actions, events. */
export const progressQuery = defineQuery<Progress>('progress');

// ── The agent lock (agent-lock/<cluster>) ────────────────────────────────────────────────────────────────────────
export const acquireUpdate = defineUpdate<AcquireResult, [AcquireRequest]>('acquire');
export const releaseSignal = defineSignal<[ReleaseRequest]>('release');
/** Sent by the lock to a queued holder when its agents are granted. */
export const leaseGrantedSignal = defineSignal<[{ agentIds: string[] }]>('leaseGranted');
export const leasesQuery = defineQuery<AgentLockState>('leases');

// ── The maintenance schedule's owner (maintenance-schedule/<cluster>) ────────────────────────────────────────────
/** Add and/or remove machines; answered once the schedule holds the change (or refused by the validator). */
export const changeScheduleUpdate = defineUpdate<ScheduleChangeResult, [ScheduleChange]>('changeSchedule');
/** The remembered changes, oldest first. */
export const recentChangesQuery = defineQuery<(ScheduleChangeResult & { at: string })[]>('recentChanges');

// ── The cluster's convergence watcher (cluster-watcher/<cluster>) and waiting runs ───────────────────────────────
/** Registers waits (one or a batch); idempotent per wait id. */
export const registerWaitUpdate = defineUpdate<void, [RegisterWaits]>(WatchMessages.registerWait);
/** The run no longer waits (timed out, skipped, cancelled). Unknown ids are ignored. */
export const cancelWaitSignal = defineSignal<[CancelWaitInput]>(WatchMessages.cancelWait);
/** The watcher activity signalled these waits' runs. */
export const resolvedSignal = defineSignal<[ResolvedInput]>(WatchMessages.resolved);
/** The current waits (the activity reads them with this query: queries add no history). */
export const waitsQuery = defineQuery<Wait[]>(WatchMessages.waits);
/** Sent by the watcher to a waiting run when its condition holds (or can no longer hold). */
export const conditionMetSignal = defineSignal<[ConditionMetInput]>(WatchMessages.conditionMet);

// ── A cluster's freeze (cluster-freeze/<cluster>) and the runs it tells ─────────────────────────────────────────
/** Freezes the cluster (or changes the freeze); answered with the new state. */
export const freezeUpdate = defineUpdate<FreezeState, [FreezeRequest]>('freeze');
/** Lifts the freeze; answered with the new state. */
export const unfreezeUpdate = defineUpdate<FreezeState, [UnfreezeRequest]>('unfreeze');
/** A run subscribes (at its start): answered with the state now; every later change is signalled `freezeChanged`. */
export const freezeSubscribeUpdate = defineUpdate<FreezeState, [{ workflowId: string; runId: string }]>('subscribe');
/** A run ends: no more `freezeChanged` for it. */
export const freezeUnsubscribeSignal = defineSignal<[{ workflowId: string; runId: string }]>('unsubscribe');
export const freezeStateQuery = defineQuery<FreezeState>('freezeState');
/** Sent by the freeze to each subscribed run when it changes. */
export const freezeChangedSignal = defineSignal<[FreezeState]>('freezeChanged');
