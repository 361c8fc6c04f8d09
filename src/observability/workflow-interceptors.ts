/**
 * Workflow-side metrics interceptors (sandbox code: no Node built-ins, no I/O). They watch a run's life and its
 * waits and tell the worker through the `runbookMetrics` sink; the worker turns that into Prometheus metrics
 * (./metrics.ts). Loaded by the worker with `interceptors.workflowModules` only when metrics are on.
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  isCancellation,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type Next,
  type SignalInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { WatchMessages } from '../convergence/protocol';
import type { RunbookMetricsSinks } from './sinks';

const { runbookMetrics } = proxySinks<RunbookMetricsSinks>();

/** The activities of the convergence building block that open and cancel a wait (activities/watch.ts). */
const REGISTER_WAIT = 'registerWait';
const CANCEL_WAIT = 'cancelWait';

function outcomeOf(result: unknown): string {
  const plan = result as { ready?: unknown; steps?: unknown } | undefined;
  return plan && typeof plan === 'object' && typeof plan.ready === 'boolean' && Array.isArray(plan.steps) ? 'planned' : 'completed';
}

function failureOf(err: unknown): { outcome: string; failure: string } {
  if (err instanceof ContinueAsNew) return { outcome: 'continued_as_new', failure: '' };
  if (isCancellation(err)) return { outcome: 'cancelled', failure: '' };
  if (err instanceof ApplicationFailure) return { outcome: 'failed', failure: err.type ?? 'ApplicationFailure' };
  return { outcome: 'failed', failure: (err as Error)?.name ?? 'Error' };
}

export const interceptors = (): WorkflowInterceptors => {
  const waits = new Map<string, { kind: string; since: number }>();
  const seconds = (since: number) => (Date.now() - since) / 1000;
  const open = (waitId: unknown, kind: unknown) => {
    if (typeof waitId !== 'string' || typeof kind !== 'string' || waits.has(waitId)) return;
    const since = Date.now();
    waits.set(waitId, { kind, since });
    runbookMetrics.waitOpened(waitId, kind, since);
  };
  const close = (waitId: unknown, outcome: string) => {
    const wait = typeof waitId === 'string' ? waits.get(waitId) : undefined;
    if (!wait) return;
    waits.delete(waitId as string);
    runbookMetrics.waitClosed(waitId as string);
    runbookMetrics.waitFinished(wait.kind, outcome, seconds(wait.since));
  };

  const inbound: WorkflowInboundCallsInterceptor = {
    async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      runbookMetrics.runStarted();
      const started = workflowInfo().runStartTime.getTime();
      try {
        const result = await next(input);
        for (const id of [...waits.keys()]) close(id, 'run_ended');
        runbookMetrics.runFinished(outcomeOf(result), '', seconds(started));
        return result;
      } catch (err) {
        for (const id of [...waits.keys()]) close(id, 'run_ended');
        const { outcome, failure } = failureOf(err);
        runbookMetrics.runFinished(outcome, failure, seconds(started));
        throw err;
      }
    },
    async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
      if (input.signalName === WatchMessages.conditionMet) close((input.args[0] as { waitId?: unknown } | undefined)?.waitId, 'signalled');
      return next(input);
    },
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
      const arg = input.args[0] as { waitId?: unknown; condition?: { kind?: unknown } } | undefined;
      if (input.activityType === REGISTER_WAIT) open(arg?.waitId, arg?.condition?.kind);
      else if (input.activityType === CANCEL_WAIT) close(arg?.waitId, 'ended_by_run');
      return next(input);
    },
  };

  return { inbound: [inbound], outbound: [outbound] };
};
