/** The agent lock's data (workflows/agent-lock.ts is the lock; activities and runs speak to it with these). */

/** One agent (or other lease key) held by one run. */
export interface Lease {
  agentId: string;
  /** The holder's workflow id. */
  holder: string;
  runId: string;
  runbook: string;
  /** When it was granted (ISO). */
  since: string;
}

/** A run waiting for agents, first come first served. */
export interface QueuedRequest {
  holder: string;
  runId: string;
  runbook: string;
  agentIds: string[];
  /** When it queued (ISO). */
  since: string;
}

export interface AcquireRequest {
  holder: string;
  runId: string;
  runbook: string;
  agentIds: string[];
  /** Queue when held (and be signalled `leaseGranted` later), instead of being refused. */
  wait: boolean;
}

export interface AcquireResult {
  granted: boolean;
  queued: boolean;
  /**
   * On refusal, what stands in the way: the lease of another run on one of the agents, or, when the agents are free
   * but an earlier waiter is first in line for one of them, that waiter (then `heldByWaiter` is true and `since` is
   * when it queued).
   */
  heldBy?: Lease;
  heldByWaiter?: boolean;
}

export interface ReleaseRequest {
  holder: string;
  /** Only this run of the holder (default: every run). */
  runId?: string;
  /** Only these agents (default: all of the holder's); also drops the holder's queued requests for them. */
  agentIds?: string[];
}

export interface AgentLockState {
  leases: Lease[];
  queue: QueuedRequest[];
}

/** One workflow run. */
export interface RunRef {
  workflowId: string;
  runId: string;
}
