import { CancellationScope, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WatchActivities } from '../../activities/watch';
import { formatIssues } from '../../src/common/zod-issues';
import { conditionMetSignal, ConditionSchema, describeCondition, invalidInput, type Condition, type Observation } from '../../src/contracts';

const { registerWait, cancelWait, checkCondition } = proxyActivities<WatchActivities>({
  startToCloseTimeout: '1 minute',
  // registerWait may meet the server's limit of 10 Updates in flight per workflow when many runs register at once.
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 12 },
});

/** What the watcher said about a registered wait. */
export interface Resolution {
  met: boolean;
  /** Set when the condition can no longer hold: why. */
  impossible?: string;
  observation: Observation;
  /** Workflow time the run learnt it (ms since the epoch). */
  at: number;
}

/**
 * The run side of shared waiting (design.md "Waiting is shared per cluster"): a run registers what it waits for with
 * its cluster's watcher and is signalled (`conditionMet`) when a read shows it holds, or can no longer hold. The run
 * never reads on its own while waiting: the watcher reads a wait soon after it is registered (one read shared by
 * every wait registered meanwhile), then with its baseline and its event bursts. One per run: the constructor
 * installs the signal handler.
 */
export class ConditionWaits {
  private counter = 0;
  private readonly resolutions = new Map<string, Resolution>();

  constructor() {
    setHandler(conditionMetSignal, ({ waitId, observation, impossible }) => {
      if (!this.resolutions.has(waitId)) this.resolutions.set(waitId, { met: impossible === undefined, impossible, observation, at: Date.now() });
    });
  }

  /**
   * Registers `condition` with the watcher of `cluster` and returns the wait's id (deterministic: the run's ids and
   * a counter). Throws a non-retryable `INVALID_INPUT` failure naming the field for a malformed condition.
   */
  async register(cluster: string, condition: Condition, summary?: string): Promise<string> {
    const parsed = ConditionSchema.safeParse(condition);
    if (!parsed.success) throw invalidInput(`condition: ${formatIssues(parsed.error).join('; ')}`);
    const info = workflowInfo();
    this.counter += 1;
    const waitId = `${info.workflowId}/${info.runId}/${this.counter}`;
    const input = { cluster, waitId, workflowId: info.workflowId, runId: info.runId, condition: parsed.data, reportImpossible: true };
    await registerWait.executeWithOptions({ summary: summary ?? `wait for ${describeCondition(parsed.data)}` }, [input]);
    return waitId;
  }

  /** What the watcher signalled for the wait, once it did. */
  resolution(waitId: string): Resolution | undefined {
    return this.resolutions.get(waitId);
  }

  /** One direct read, when the run cannot rely on the watcher (its deadline passed). */
  async check(cluster: string, condition: Condition): Promise<Omit<Resolution, 'at'>> {
    return checkCondition.executeWithOptions({ summary: `GET_AGENTS: is ${describeCondition(condition)}?` }, [{ cluster, condition }]);
  }

  /** Removes the wait from the watcher (also when the run is being cancelled). */
  async cancel(cluster: string, waitId: string): Promise<void> {
    this.resolutions.delete(waitId);
    await CancellationScope.nonCancellable(() => cancelWait.executeWithOptions({ summary: `stop waiting (cluster-watcher/${cluster})` }, [{ cluster, waitId }]));
  }
}
