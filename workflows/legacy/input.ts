import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { formatIssues } from '../../src/common/zod-issues';

/** The failure type of a runbook input that does not validate. Start paths and tests match on it. */
export const INVALID_INPUT = 'INVALID_INPUT';

/**
 * Validates a runbook's input as the workflow's very first step, so that a run started from the Web UI or the
 * `temporal` CLI with a bad input fails at once, non-retryably, naming each bad field, before any Mesos call.
 */
export function parseRunbookInput<S extends z.ZodType>(runbook: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = formatIssues(result.error);
  throw ApplicationFailure.create({
    type: INVALID_INPUT,
    nonRetryable: true,
    message: `${runbook}: invalid input: ${problems.join('; ')}`,
    details: [problems],
  });
}
