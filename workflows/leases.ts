import { ApplicationFailure, CancellationScope, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AgentLockActivities } from '../activities/agent-lock';
import { leaseGrantedSignal, type AcquireResult, type Lease } from '../src/contracts';

/** The failure type of a run refused because another run holds one of its agents. */
export const AGENT_LOCKED = 'AGENT_LOCKED';

export interface AgentLeaseOptions {
  cluster: string;
  agentIds: string[];
  /** The runbook's name, shown to whoever is refused or waits. */
  runbook: string;
  /** Queue behind the holder (true) or fail at once with AGENT_LOCKED (false). */
  wait: boolean;
  /** How long to wait in the queue before failing with AGENT_LOCKED (default: no limit). */
  waitTimeoutMs?: number;
  /** Called once when the run queues, with what it waits for (for progress). */
  onWaiting?: (heldBy: Lease) => void;
  /**
   * Ends the queue wait early when `when()` turns true (an operator's abort): the run leaves the queue, and `raise()`
   * throws the reason.
   */
  interrupt?: { when: () => boolean; raise: () => Promise<void> };
  /** A lease key in words for the AGENT_LOCKED message (default `agent <key>`). */
  label?: (key: string) => string;
}

const { acquireAgentLease } = proxyActivities<AgentLockActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});
// Releases must get through even when the lock is busy: retried longer.
const { releaseAgentLease } = proxyActivities<AgentLockActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 30 },
});

/**
 * Runs `fn` holding leases on `agentIds` from the cluster's agent lock (`agent-lock/<cluster>`), so no other runbook
 * acts on those agents meanwhile. The lease is released when `fn` settles, also when the run is cancelled or fails
 * (a release in a non-cancellable scope); a run that is terminated or times out is released by the lock itself.
 *
 * One lease set per run at a time: give every agent the run needs in one call.
 *
 * Fails non-retryably with `AGENT_LOCKED` (message: `agent <id> is held by <runbook> run <workflowId> since
 * <since>`, details: the lock's answer) when another run holds an agent and `wait` is false, or when the wait
 * passes `waitTimeoutMs`.
 */
export async function withAgentLease<T>(opts: AgentLeaseOptions, fn: () => Promise<T>): Promise<T> {
  const { workflowId: holder, runId } = workflowInfo();
  const ref = { cluster: opts.cluster, holder, runId };
  let granted = false;
  setHandler(leaseGrantedSignal, ({ agentIds }) => {
    if (opts.agentIds.every((a) => agentIds.includes(a))) granted = true;
  });

  // From here on the lock may hold something for this run (even if the acquire fails or is cancelled midway).
  let mayHold = true;
  const keys = opts.agentIds.join(', ');
  const releaseAll = () =>
    CancellationScope.nonCancellable(() => releaseAgentLease.executeWithOptions({ summary: `release the lease on ${keys} (agent-lock/${opts.cluster})` }, [{ ...ref, agentIds: opts.agentIds }]));
  try {
    const answer = await acquireAgentLease.executeWithOptions({ summary: `take the lease on ${keys} (agent-lock/${opts.cluster})` }, [
      { ...ref, runbook: opts.runbook, agentIds: opts.agentIds, wait: opts.wait },
    ]);
    if (answer.granted) granted = true;
    else if (!answer.queued) {
      mayHold = false;
      throw locked(answer, undefined, opts.label);
    } else {
      if (answer.heldBy) opts.onWaiting?.(answer.heldBy);
      const over = () => granted || (opts.interrupt?.when() ?? false);
      if (opts.waitTimeoutMs === undefined) await condition(over);
      else if (!(await condition(over, opts.waitTimeoutMs))) throw locked(answer, opts.waitTimeoutMs, opts.label);
      if (!granted) {
        await opts.interrupt?.raise();
        throw new Error('lease wait interrupted'); // raise() throws; this line only guards a raise() that did not
      }
    }
    return await fn();
  } finally {
    if (mayHold) await releaseAll();
  }
}

function locked(answer: AcquireResult, waitedMs?: number, label: (key: string) => string = (key) => `agent ${key}`): ApplicationFailure {
  const h = answer.heldBy;
  const who = h
    ? answer.heldByWaiter
      ? `${label(h.agentId)} is awaited first by ${h.runbook} run ${h.holder} (queued since ${h.since})`
      : `${label(h.agentId)} is held by ${h.runbook} run ${h.holder} since ${h.since}`
    : 'an agent is held by another run';
  const waited = waitedMs === undefined ? '' : ` (gave up after waiting ${Math.round(waitedMs / 1000)} s)`;
  return ApplicationFailure.create({ type: AGENT_LOCKED, nonRetryable: true, message: `${who}${waited}`, details: [answer] });
}
