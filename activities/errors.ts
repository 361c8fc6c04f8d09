import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isMesosError } from '../src/mesos';

/**
 * Turns a thrown error into an `ApplicationFailure` whose `type` is the client's stable code and whose
 * `nonRetryable` is the opposite of its `retryable` (style.md principle 6: Temporal owns retries). Messages of
 * `MesosError` never carry credentials; other errors are passed through as retryable.
 */
export function toFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isMesosError(err)) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !err.retryable,
      details: [{ status: err.status, callType: err.callType, mesosMessage: err.mesosMessage }],
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: 'INTERNAL', message, nonRetryable: false });
}

/** Runs `fn`, converting any error with {@link toFailure}. */
export async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}

/** An Update's failure as an `ApplicationFailure` with the handler's own type and retryability. */
export function updateFailure(err: unknown): ApplicationFailure {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    return ApplicationFailure.create({ type: cause.type ?? 'UPDATE_FAILED', message: cause.message, nonRetryable: Boolean(cause.nonRetryable), details: cause.details as unknown[] | undefined });
  }
  return toFailure(err);
}
