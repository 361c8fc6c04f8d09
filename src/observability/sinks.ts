import type { Sinks } from '@temporalio/workflow';

/**
 * What the workflow-side metrics interceptor (./workflow-interceptors.ts, sandbox code) tells the worker
 * (./metrics.ts). Sink calls are the sandbox's one way out; the SDK adds the run's WorkflowInfo to each call.
 */
export interface RunbookMetricsSinks extends Sinks {
  runbookMetrics: {
    /** A run's first workflow task. */
    runStarted(): void;
    /** The run ended: `outcome` completed / planned / failed / cancelled / continued_as_new; `failure` the failure type. */
    runFinished(outcome: string, failure: string, seconds: number): void;
    /** The run registered a wait with its cluster's watcher (also during replay: the worker's table is idempotent). */
    waitOpened(waitId: string, kind: string, sinceMs: number): void;
    /** The wait ended (also during replay: removes it from the worker's table). */
    waitClosed(waitId: string): void;
    /** The wait ended, once (not during replay): observed in the duration histogram. */
    waitFinished(kind: string, outcome: string, seconds: number): void;
  };
}
