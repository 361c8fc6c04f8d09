import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { runbookEntry } from '../src/catalog';
import { takesWindow, windowInput } from '../src/catalog-fields';
import type { ClusterRegistry } from '../src/clusters';
import { controlUpdates, scheduleInitiator, WINDOW_PAUSED_PHASE } from '../src/contracts';
import { ControlError, RunbookClient, RunbookInputError } from '../src/temporal/control';
import { asActivity } from './errors';

export interface ScheduleActivityDeps {
  clusters: ClusterRegistry;
  temporal: { client: Client; taskQueue: string };
}

/** The activities of a schedule's firing (workflows/scheduled-firing.ts): resume a paused run, or start one. */
export function createScheduleActivities({ clusters, temporal }: ScheduleActivityDeps) {
  return {
    /**
     * The schedule's run paused at its window's end (by search attributes: `Initiator = schedule:<id>`,
     * `RunbookPhase = paused at window end`), resumed with the next window's `notAfter`; its workflow id, or
     * undefined when there is none.
     */
    async resumeWindowRun(input: { scheduleId: string; runbook: string; cluster: string; notAfter: string }): Promise<string | undefined> {
      return asActivity(async () => {
        const who = scheduleInitiator(input.scheduleId);
        const query = `WorkflowType = '${input.runbook}' AND Initiator = '${who}' AND RunbookPhase = '${WINDOW_PAUSED_PHASE}' AND MesosCluster = '${input.cluster}' AND ExecutionStatus = 'Running'`;
        for await (const w of temporal.client.workflow.list({ query })) {
          await temporal.client.workflow.getHandle(w.workflowId, w.runId).executeUpdate(controlUpdates.resume, { args: [{ by: who, notAfter: input.notAfter }] });
          return w.workflowId;
        }
        return undefined;
      });
    },

    /**
     * Starts the schedule's runbook with its input (validated against the cluster, like every start path; the
     * initiator is `schedule:<id>`), with the window when the runbook's schema takes one. A run of the same request
     * already open is not an error (`started: false`); an input the runbook refuses is (non-retryable INVALID_INPUT).
     */
    async startScheduledRun(input: { scheduleId: string; runbook: string; input: Record<string, unknown>; window?: { notBefore: string; notAfter: string; minRemainingMinutes: number } }): Promise<{ started: boolean; workflowId?: string; reason: string }> {
      return asActivity(async () => {
        const entry = runbookEntry(input.runbook);
        if (!entry) throw ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message: `schedule ${input.scheduleId}: runbook: unknown runbook '${input.runbook}'` });
        const withWindow = input.window && takesWindow(entry.inputSchema);
        const client = new RunbookClient({ client: temporal.client, taskQueue: temporal.taskQueue, identity: scheduleInitiator(input.scheduleId), clusters });
        try {
          const run = await client.start(input.runbook, { ...input.input, ...(withWindow && input.window ? windowInput(entry.inputSchema, input.window) : {}) });
          return { started: true, workflowId: run.workflowId, reason: `started${withWindow ? ' with the window' : input.window ? ` (${input.runbook} takes no window: started without one)` : ''}` };
        } catch (err) {
          if (err instanceof ControlError && err.code === 'RUN_EXISTS') return { started: false, reason: err.message };
          if (err instanceof RunbookInputError) throw ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message: `schedule ${input.scheduleId}: ${err.message}` });
          throw err;
        }
      });
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
