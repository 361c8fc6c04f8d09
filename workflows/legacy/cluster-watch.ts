import { ApplicationFailure, CancellationScope, condition as workflowCondition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WatchActivities } from '../../activities/watch';
import { formatIssues } from '../../src/common/zod-issues';
import { ConditionSchema, type Condition, type Observation } from '../../src/convergence/conditions';
import { WatchMessages, type ConditionMetInput } from '../../src/convergence/protocol';

export type { Condition, Observation };

/** Sent by the cluster's watcher to the waiting run when its condition holds. */
export const conditionMetSignal = defineSignal<[ConditionMetInput]>(WatchMessages.conditionMet);

const { registerWait, cancelWait, checkCondition } = proxyActivities<WatchActivities>({
  startToCloseTimeout: '1 minute',
  // registerWait may meet the server's limit of 10 Updates in flight per workflow when many runs register at once.
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 12 },
});

/** The outcome of {@link ConditionWaits.waitFor}. */
export interface WaitOutcome {
  met: boolean;
  /** What the deciding read showed (the watcher's, or the run's own check). */
  observation?: Observation;
  /** Workflow time (ms since the epoch) the run learnt that the condition holds. */
  metAt?: number;
}

/**
 * The run side of shared waiting (design.md "Waiting is shared per cluster"): a run registers what it waits for
 * with its cluster's watcher and is signalled (`conditionMet`) when a read shows it holds; it never polls on its
 * own. Construct one per workflow, before the first wait (the constructor installs the signal handler).
 *
 * Building block for the operator-facing wait (diagnosis, extend / skip / abort), which uses `register`, `isMet`,
 * `observation` and `cancel`; `waitFor` is the plain version.
 */
export class ConditionWaits {
  private counter = 0;
  private readonly met = new Map<string, { observation: Observation; at: number }>();

  constructor() {
    setHandler(conditionMetSignal, ({ waitId, observation }) => {
      if (!this.met.has(waitId)) this.met.set(waitId, { observation, at: Date.now() });
    });
  }

  /**
   * Registers `condition` with the watcher of `cluster` and returns the wait's id (deterministic: the run's ids
   * and a counter). Throws a non-retryable `INVALID_INPUT` failure naming the field for a malformed condition.
   */
  async register(cluster: string, condition: Condition): Promise<string> {
    const parsed = ConditionSchema.safeParse(condition);
    if (!parsed.success) {
      throw ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message: `condition: ${formatIssues(parsed.error).join('; ')}` });
    }
    const info = workflowInfo();
    this.counter += 1;
    const waitId = `${info.workflowId}/${info.runId}/${this.counter}`;
    await registerWait({ cluster, waitId, workflowId: info.workflowId, runId: info.runId, condition: parsed.data });
    return waitId;
  }

  /** True once the watcher signalled that the wait's condition holds. */
  isMet(waitId: string): boolean {
    return this.met.has(waitId);
  }

  /** What the watcher's read showed when it signalled the wait. */
  observation(waitId: string): Observation | undefined {
    return this.met.get(waitId)?.observation;
  }

  /** Workflow time the signal was handled. */
  metAt(waitId: string): number | undefined {
    return this.met.get(waitId)?.at;
  }

  /** Removes the wait from the watcher (also when the run is being cancelled). */
  async cancel(cluster: string, waitId: string): Promise<void> {
    this.met.delete(waitId);
    await CancellationScope.nonCancellable(() => cancelWait({ cluster, waitId }));
  }

  /**
   * Waits up to `timeoutMs` for `condition`: registers it, checks it once directly (it may already hold), waits
   * for the watcher's signal, checks once more at the timeout, and always cancels the registration.
   */
  async waitFor(cluster: string, condition: Condition, timeoutMs: number): Promise<WaitOutcome> {
    const waitId = await this.register(cluster, condition);
    try {
      const first = await checkCondition({ cluster, condition });
      if (first.met) return { met: true, observation: first.observation, metAt: Date.now() };
      if (await workflowCondition(() => this.isMet(waitId), timeoutMs)) {
        return { met: true, observation: this.observation(waitId), metAt: this.metAt(waitId) };
      }
      const last = await checkCondition({ cluster, condition });
      return { met: last.met, observation: last.observation, ...(last.met ? { metAt: Date.now() } : {}) };
    } finally {
      await this.cancel(cluster, waitId);
    }
  }
}
