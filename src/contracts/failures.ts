import { ApplicationFailure } from '@temporalio/common';

/**
 * Every failure type a runbook run (or one of its steps) ends with, besides the Mesos client's own codes
 * (`MESOS_BAD_REQUEST`, `MESOS_CONFLICT`, ..., docs/client.md), which pass through unchanged. Start paths, the CLI,
 * the chat bot and parent runs decide on `type`, never on message text (design.md "Errors").
 *
 * `retry` says whether starting the same run again can help, and when.
 */
export const RunbookFailures = {
  INVALID_INPUT: {
    meaning: 'the input does not validate, or names a cluster or agent that does not exist; the message names each bad field',
    retry: 'no: fix the input',
  },
  PREFLIGHT_FAILED: {
    meaning: 'a preflight check failed (Mesos too old, the agent cannot drain, its machine is already under maintenance, ...); details list the checks',
    retry: 'after the failed check is fixed',
  },
  AGENT_LOCKED: {
    meaning: 'another run holds the agent (ifAgentBusy "fail", or the wait for its lease timed out); the message names the holder',
    retry: 'yes, once that run has ended',
  },
  AGENT_GONE: {
    meaning: 'the agent left the cluster while the run acted on it (removed, unreachable, marked gone)',
    retry: 'no: the agent id is gone for good; a machine that returns does so under a new id',
  },
  AGENT_RECOVERING: {
    meaning: 'after a master failover the agent is known from the registry but did not re-register with the new leader within the bound',
    retry: 'yes, once the agent has re-registered (or the master marked it unreachable)',
  },
  NOT_SCHEDULED: {
    meaning: 'START_MAINTENANCE for a machine that is not in the maintenance schedule (someone removed it meanwhile)',
    retry: 'yes: the run schedules the machine again',
  },
  SCHEDULE_NOT_APPLIED: {
    meaning: 'the schedule read after UPDATE_MAINTENANCE_SCHEDULE does not show the change (another writer in between); retried by the activity',
    retry: 'yes',
  },
  RESOURCES_IN_USE: {
    meaning: 'Mesos refused a resource operation because tasks hold what it consumes (409, or 400 "Persistent volumes in use") or the agent has too little free; the message has Mesos\'s text and the tasks that hold them',
    retry: 'yes, once those tasks ended or moved (or after freeing resources)',
  },
  CHANGE_REFUSED: {
    meaning: 'the change cannot be made on the cluster as it is now (it would unreserve a persistent volume, move reservations a role does not have, resize a volume no longer resizable, ...); nothing was sent; the message says why',
    retry: 'after the cluster or the input changes',
  },
  APPROVAL_INVALID: {
    meaning: 'an approval, or a control message sent as a Signal, was refused by the run (shown in its progress; the run goes on waiting)',
    retry: 'send a valid one',
  },
  ABORTED: {
    meaning: 'an operator aborted the run; its compensation ran first (details: the compensation report)',
    retry: 'start it again when wanted',
  },
  FAILED: {
    meaning: 'a step failed with an error that has no type of its own; the cause is kept',
    retry: 'depends on the cause',
  },
} as const satisfies Record<string, { meaning: string; retry: string }>;

export type RunbookFailureType = keyof typeof RunbookFailures;

/** A non-retryable failure of a run: the run ends with it (Temporal does not retry workflows). */
export function runbookFailure(type: RunbookFailureType, message: string, details?: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ type, nonRetryable: true, message, details });
}

/** The failure an activity throws for a bad input; non-retryable, its message names the field. */
export function invalidInput(message: string, details?: unknown[]): ApplicationFailure {
  return runbookFailure('INVALID_INPUT', message, details);
}

/** The `type` of a failure (ApplicationFailure, or one wrapped as the cause of an activity/child failure). */
export function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost message of a failure chain (an activity failure's message says only "Activity task failed"). */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  let message = e instanceof Error ? e.message : String(e);
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    if (typeof (e as { type?: unknown }).type === 'string' && e instanceof Error) return e.message;
    e = (e as { cause?: unknown }).cause;
    if (e instanceof Error) message = e.message;
  }
  return message;
}

/** The first detail of a failure (or of the ApplicationFailure it wraps), e.g. `{ agentId }` of AGENT_RECOVERING. */
export function failureDetail<T>(err: unknown): T | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const details = (e as { details?: unknown }).details;
    if (Array.isArray(details) && details.length > 0) return details[0] as T;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
