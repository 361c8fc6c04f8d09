import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { condition, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { clusterFreezeWorkflowId, freezeChangedSignal, freezeUnsubscribeSignal, type FreezeState } from '../src/contracts';
import { dateTime } from '../src/progress/time';
import { act } from './kit/calls';

export interface ScheduledFiringInput {
  scheduleId: string;
  runbook: string;
  input: Record<string, unknown>;
  timeZone: string;
  window?: { durationMinutes: number; cutoffMinutes: number };
}

export interface ScheduledFiringResult {
  action: 'started' | 'resumed' | 'skipped';
  workflowId?: string;
  reason: string;
  window?: { notBefore: string; notAfter: string; minRemainingMinutes: number };
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * What a schedule starts at each firing (docs/schedules.md): it computes the window from the firing's scheduled
 * time (`notBefore` = that time, `notAfter` = + `durationMinutes`, `minRemainingMinutes` = `cutoffMinutes`), waits
 * while the cluster is frozen (for a window: at most until its cutoff, then the firing is skipped), then resumes the
 * schedule's run paused at its last window's end with the new window, or else starts the runbook (the window passed
 * only to runbooks whose schema takes it). A run of the same request already open is left alone (skipped). An input
 * the runbook refuses fails the firing (and, with pauseOnFailure, pauses the schedule).
 */
export async function scheduledFiring(input: ScheduledFiringInput): Promise<ScheduledFiringResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START)?.getTime() ?? info.startTime.getTime();
  const cluster = typeof input.input.cluster === 'string' ? input.input.cluster : 'default';
  const window = input.window
    ? {
        notBefore: new Date(scheduled).toISOString(),
        notAfter: new Date(scheduled + input.window.durationMinutes * 60_000).toISOString(),
        minRemainingMinutes: input.window.cutoffMinutes,
      }
    : undefined;
  const lastStart = window ? Date.parse(window.notAfter) - window.minRemainingMinutes * 60_000 : undefined;

  // The cluster's freeze: firings wait too (subscribed like a run, told of changes by a Signal).
  const settings = await act.runSettings(`freeze of ${cluster}`, { runbook: input.runbook, cluster, subscribe: true });
  let freeze: FreezeState = settings.freeze;
  setHandler(freezeChangedSignal, (s) => {
    freeze = s;
  });
  const frozenUntil = () => {
    const f = freeze.freeze;
    return f && Date.now() < Date.parse(f.until) ? Date.parse(f.until) : undefined;
  };
  try {
    for (let until = frozenUntil(); until !== undefined; until = frozenUntil()) {
      const f = freeze.freeze!;
      log.info('scheduled firing: cluster frozen, waiting', { cluster, by: f.by, until: f.until, reason: f.reason });
      const limit = lastStart === undefined ? until : Math.min(until, lastStart);
      await condition(() => frozenUntil() !== until, Math.max(1, limit - Date.now()));
      if (lastStart !== undefined && Date.now() >= lastStart && frozenUntil() !== undefined) {
        return { action: 'skipped', reason: `cluster ${cluster} frozen by ${f.by} (${f.reason}) past this window's last start ${dateTime(new Date(lastStart).toISOString())}`, window };
      }
    }
  } finally {
    if (settings.subscribed) await getExternalWorkflowHandle(clusterFreezeWorkflowId(cluster)).signal(freezeUnsubscribeSignal, { workflowId: info.workflowId, runId: info.runId }).catch(() => undefined);
  }

  if (window) {
    const resumed = await act.resumeWindowRun(`resume a run of ${input.scheduleId} paused at its window's end`, { scheduleId: input.scheduleId, runbook: input.runbook, cluster, notAfter: window.notAfter });
    if (resumed) return { action: 'resumed', workflowId: resumed, reason: `resumed with the window until ${dateTime(window.notAfter)}`, window };
  }
  const started = await act.startScheduledRun(`start ${input.runbook} for ${input.scheduleId}`, { scheduleId: input.scheduleId, runbook: input.runbook, input: input.input, ...(window ? { window } : {}) });
  return { action: started.started ? 'started' : 'skipped', ...(started.workflowId ? { workflowId: started.workflowId } : {}), reason: started.reason, ...(window ? { window } : {}) };
}
