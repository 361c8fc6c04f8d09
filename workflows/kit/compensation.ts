import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { failureMessage, failureType, runbookFailure } from '../../src/contracts';
import { RunAborted } from './control';

/** One compensating action of an aborted or failed run, and what came of it. */
export interface CompensationStep {
  step: string;
  outcome: 'done' | 'skipped' | 'failed' | 'left';
  note: string;
}

/** What an aborted or failed run put back, and what it cannot (said plainly, with the way forward). */
export interface CompensationReport {
  reason: string;
  steps: CompensationStep[];
  cannotUndo: string[];
}

/** A readable summary of a compensation, for logs, the Web UI and the failure message. */
export function summarizeCompensation(report: CompensationReport): string {
  const steps = report.steps.map((s) => `${s.step}: ${s.outcome} (${s.note})`).join('; ');
  const cannot = report.cannotUndo.length ? ` Cannot be undone: ${report.cannotUndo.join('; ')}.` : '';
  return `${steps || 'nothing to put back'}.${cannot}`;
}

/** Why a run stops early, in words: an operator's abort, a cancellation from the Web UI or CLI, or a failure. */
export function stopReason(err: unknown): string {
  if (err instanceof RunAborted) return err.message;
  if (isCancellation(err)) return 'cancelled from the Web UI or CLI';
  return `failed: ${failureMessage(err)}`;
}

/**
 * What a run throws once its compensation ran: `ABORTED` with the report for an abort, the cancellation itself for
 * a cancellation (the run ends cancelled), else a non-retryable failure keeping the original type and cause, whose
 * message carries the compensation summary.
 */
export function afterCompensation(runbook: string, err: unknown, report: CompensationReport): unknown {
  if (err instanceof RunAborted) return runbookFailure('ABORTED', `${runbook} ${err.message}`, [report]);
  if (isCancellation(err)) return err;
  return ApplicationFailure.create({
    type: failureType(err) ?? 'FAILED',
    nonRetryable: true,
    message: `${runbook} ${stopReason(err)}. Compensation: ${summarizeCompensation(report)}`,
    details: [report],
    cause: err instanceof Error ? err : undefined,
  });
}
