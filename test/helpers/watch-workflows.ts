/**
 * The workflow bundle of the convergence tests and benchmark: the watcher, plus small runs that wait through it
 * (and one that polls on its own, the baseline the benchmark compares with).
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { WatchActivities } from '../../activities/watch';
import type { Condition, Observation } from '../../src/convergence/conditions';
import { RunControl } from '../../workflows/kit/control';
import { ProgressTracker } from '../../workflows/kit/progress';
import { ConditionWaits } from '../../workflows/kit/waits';

export { clusterWatcher } from '../../workflows/cluster-watcher';

export interface WaitingRunInput {
  cluster: string;
  condition: Condition;
  timeoutMs: number;
}

export interface WaitOutcome {
  met: boolean;
  /** What the deciding read showed (the watcher's, or the run's own check at its deadline). */
  observation?: Observation;
  /** Workflow time (ms since the epoch) the run learnt that the condition holds. */
  metAt?: number;
}

export interface WaitingRunResult extends WaitOutcome {
  /** Workflow time the run started waiting. */
  startedAt: number;
  /** Workflow time the run finished (after cancelling its registration). */
  endedAt: number;
}

export const phaseQuery = defineQuery<string>('phase');
export const releaseSignal = defineSignal('release');

const OPEN_POLICY = { approvers: [], alwaysRequireApproval: false, fourEyes: false, requiredApprovals: 1 };

/** The one way a run waits (the kit's RunControl.waitFor), ending at its deadline instead of asking an operator. */
async function waitOnce(control: RunControl, cluster: string, condition: Condition, timeoutMs: number): Promise<WaitOutcome> {
  const r = await control.waitFor({ cluster, condition, timeoutMs, interactive: false });
  return r.outcome === 'met' ? { met: true, observation: r.observation, metAt: Date.now() } : { met: false, observation: r.observation };
}

/** A run that waits for one condition through the shared watcher. */
export async function waitingRun(input: WaitingRunInput): Promise<WaitingRunResult> {
  let phase = 'starting';
  setHandler(phaseQuery, () => phase);
  const control = new RunControl(new ProgressTracker('waitingRun', []), OPEN_POLICY);
  const startedAt = Date.now();
  phase = 'waiting';
  const outcome = await waitOnce(control, input.cluster, input.condition, input.timeoutMs);
  phase = 'done';
  return { ...outcome, startedAt, endedAt: Date.now() };
}

/** Two waits in one run, one after the other (the wait ids must differ; the signal handler is shared). */
export async function twoWaitsRun(input: { cluster: string; first: Condition; second: Condition; timeoutMs: number }): Promise<[WaitOutcome, WaitOutcome]> {
  const control = new RunControl(new ProgressTracker('twoWaitsRun', []), OPEN_POLICY);
  const a = await waitOnce(control, input.cluster, input.first, input.timeoutMs);
  const b = await waitOnce(control, input.cluster, input.second, input.timeoutMs);
  return [a, b];
}

/** A run that registers, waits until told, and cancels its wait: for cancelWait tests. */
export async function registerThenCancelRun(input: { cluster: string; condition: Condition }): Promise<{ waitId: string; metBeforeCancel: boolean }> {
  let release = false;
  let waitId = '';
  setHandler(phaseQuery, () => (waitId ? `registered:${waitId}` : 'registering'));
  setHandler(releaseSignal, () => void (release = true));
  const waits = new ConditionWaits();
  waitId = await waits.register(input.cluster, input.condition);
  await condition(() => release);
  const metBeforeCancel = waits.resolution(waitId)?.met === true;
  await waits.cancel(input.cluster, waitId);
  return { waitId, metBeforeCancel };
}


const { checkCondition } = proxyActivities<WatchActivities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '5 seconds' } });

/**
 * The baseline the benchmark compares with: a run that polls GET_AGENTS itself with a plain durable sleep between
 * reads, as DC/OS and Aurora do every 5 s.
 */
export async function pollingRun(input: { cluster: string; condition: Condition; intervalMs: number; timeoutMs: number }): Promise<WaitingRunResult> {
  const startedAt = Date.now();
  for (;;) {
    const r = await checkCondition({ cluster: input.cluster, condition: input.condition });
    if (r.met) return { met: true, observation: r.observation, metAt: Date.now(), startedAt, endedAt: Date.now() };
    if (Date.now() - startedAt > input.timeoutMs) return { met: false, observation: r.observation, startedAt, endedAt: Date.now() };
    await sleep(input.intervalMs);
  }
}
