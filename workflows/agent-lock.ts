import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { AgentLockActivities } from '../activities/agent-lock';
import { formatIssues } from '../src/common/zod-issues';
import { acquireUpdate, invalidInput, leaseGrantedSignal, leasesQuery, releaseSignal, type AcquireRequest, type AcquireResult, type Lease, type QueuedRequest, type ReleaseRequest, type RunRef } from '../src/contracts';

export interface AgentLockInput {
  cluster: string;
  /** State carried over continue-as-new. */
  leases?: Lease[];
  queue?: QueuedRequest[];
  /** How often leases are checked for dead holders (default 60 s). */
  sweepIntervalMs?: number;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

const nonEmpty = (what: string) => z.string({ error: `required: ${what}` }).min(1, `required: ${what} (not empty)`);
const AcquireRequestSchema = z
  .object({
    holder: nonEmpty("the holder run's workflow id"),
    runId: nonEmpty("the holder run's run id"),
    runbook: nonEmpty('the runbook name'),
    agentIds: z
      .array(nonEmpty('an agent id'), { error: 'required: a list of agent ids' })
      .min(1, 'give at least one agent id')
      .refine((ids) => new Set(ids).size === ids.length, 'lists an agent twice'),
    wait: z.boolean({ error: 'required: true (queue) or false (refuse at once)' }),
  })
  .strict();

const { closedRuns } = proxyActivities<AgentLockActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});

/**
 * The per-cluster agent lock (design.md "Run"): grants per-agent leases so two runbooks never act on one agent at
 * once. `acquire` is all-or-nothing over its agents and idempotent for the same holder run; a refused request either
 * fails at once or queues (FIFO), and is granted and signalled `leaseGranted` when its agents are free. `release`
 * drops leases and queued requests.
 *
 * Leases of dead runs are dropped: on a conflict (before refusing), every `sweepIntervalMs` while anything is held or
 * queued, and when the grant signal cannot be delivered. A run is dead when Temporal no longer reports it RUNNING.
 */
export async function agentLock(input: AgentLockInput): Promise<never> {
  const leases = new Map<string, Lease>();
  for (const l of input.leases ?? []) leases.set(l.agentId, l);
  let queue: QueuedRequest[] = [...(input.queue ?? [])];
  const sweepIntervalMs = input.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  /** Grants made to queued runs, still to be signalled. */
  const outbox: { holder: string; runId: string; agentIds: string[] }[] = [];

  const now = () => new Date(Date.now()).toISOString();
  const sameRun = (a: { holder: string; runId: string }, b: { holder: string; runId: string }) => a.holder === b.holder && a.runId === b.runId;

  /** What stands in the way of `req`: another run's lease, else an earlier waiter wanting one of its agents. */
  function obstacle(req: Omit<AcquireRequest, 'wait'>): Pick<AcquireResult, 'heldBy' | 'heldByWaiter'> | undefined {
    for (const agentId of req.agentIds) {
      const lease = leases.get(agentId);
      if (lease && !sameRun(lease, req)) return { heldBy: lease };
    }
    for (const q of queue) {
      if (sameRun(q, req)) break; // only earlier waiters come first
      // A waiter that waits for this very run's leases does not come first (that would deadlock both).
      if (q.agentIds.some((a) => leases.has(a) && sameRun(leases.get(a)!, req))) continue;
      const agentId = q.agentIds.find((a) => req.agentIds.includes(a));
      if (agentId) return { heldBy: { agentId, holder: q.holder, runId: q.runId, runbook: q.runbook, since: q.since }, heldByWaiter: true };
    }
    return undefined;
  }

  function grant(req: Omit<AcquireRequest, 'wait'>): void {
    for (const agentId of req.agentIds) {
      if (!leases.has(agentId)) leases.set(agentId, { agentId, holder: req.holder, runId: req.runId, runbook: req.runbook, since: now() });
    }
    queue = queue.filter((q) => !sameRun(q, req));
  }

  /** Grants waiters in arrival order; a waiter still blocked keeps its agents from later waiters. */
  function grantQueued(): void {
    const claimed = new Set<string>();
    for (const q of [...queue]) {
      const free = q.agentIds.every((a) => !claimed.has(a) && (!leases.has(a) || sameRun(leases.get(a)!, q)));
      if (free) {
        grant(q);
        outbox.push({ holder: q.holder, runId: q.runId, agentIds: q.agentIds });
      } else {
        q.agentIds.forEach((a) => claimed.add(a));
      }
    }
  }

  function release(r: ReleaseRequest): void {
    const ofHolder = (x: { holder: string; runId: string }) => x.holder === r.holder && (r.runId === undefined || x.runId === r.runId);
    for (const [agentId, lease] of [...leases]) {
      if (ofHolder(lease) && (r.agentIds === undefined || r.agentIds.includes(agentId))) leases.delete(agentId);
    }
    queue = queue.filter((q) => !(ofHolder(q) && (r.agentIds === undefined || q.agentIds.some((a) => r.agentIds!.includes(a)))));
    grantQueued();
  }

  /** Drops the leases and queued requests of those of `runs` that are closed. */
  async function dropDead(runs: RunRef[]): Promise<void> {
    const unique = runs.filter((r, i) => runs.findIndex((o) => o.workflowId === r.workflowId && o.runId === r.runId) === i);
    if (unique.length === 0) return;
    let closed: RunRef[];
    try {
      closed = await closedRuns({ runs: unique });
    } catch (err) {
      // Cannot tell: keep the leases (a live run must never lose its lease); the next sweep tries again.
      log.warn('agent lock: could not check holders', { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    for (const run of closed) {
      log.info('agent lock: dropping a closed run', { ...run });
      release({ holder: run.workflowId, runId: run.runId });
    }
  }

  const runsHoldingOrWaiting = (): RunRef[] => [
    ...[...leases.values()].map((l) => ({ workflowId: l.holder, runId: l.runId })),
    ...queue.map((q) => ({ workflowId: q.holder, runId: q.runId })),
  ];

  setHandler(
    acquireUpdate,
    async (req) => {
      let blocked = obstacle(req);
      if (blocked) {
        // Before refusing, drop what dead runs hold or wait for among these agents.
        const suspects = [
          ...req.agentIds.flatMap((a) => {
            const l = leases.get(a);
            return l && !sameRun(l, req) ? [{ workflowId: l.holder, runId: l.runId }] : [];
          }),
          ...queue.filter((q) => !sameRun(q, req) && q.agentIds.some((a) => req.agentIds.includes(a))).map((q) => ({ workflowId: q.holder, runId: q.runId })),
        ];
        await dropDead(suspects);
        blocked = obstacle(req);
      }
      if (!blocked) {
        grant(req);
        return { granted: true, queued: false };
      }
      if (!req.wait) return { granted: false, queued: false, ...blocked };
      if (!queue.some((q) => sameRun(q, req))) {
        queue.push({ holder: req.holder, runId: req.runId, runbook: req.runbook, agentIds: [...req.agentIds], since: now() });
      }
      return { granted: false, queued: true, ...blocked };
    },
    {
      validator: (req) => {
        const parsed = AcquireRequestSchema.safeParse(req);
        if (!parsed.success) {
          const problems = formatIssues(parsed.error);
          throw invalidInput(`acquire: invalid request: ${problems.join('; ')}`, [problems]);
        }
      },
    },
  );
  setHandler(releaseSignal, (r) => {
    if (typeof r?.holder !== 'string' || r.holder === '') {
      log.warn('agent lock: ignoring a release without a holder', { release: r });
      return;
    }
    release(r);
  });
  setHandler(leasesQuery, () => ({ leases: [...leases.values()], queue: [...queue] }));

  const canContinueAsNew = () => outbox.length === 0 && workflowInfo().continueAsNewSuggested && allHandlersFinished();
  const busy = () => leases.size > 0 || queue.length > 0;
  grantQueued(); // carried-over waiters whose agents were freed by the last run's final releases
  let nextSweep = Date.now() + sweepIntervalMs;
  for (;;) {
    if (!busy()) {
      await condition(() => outbox.length > 0 || canContinueAsNew() || busy());
      nextSweep = Date.now() + sweepIntervalMs;
    } else {
      const woken = await condition(() => outbox.length > 0 || canContinueAsNew(), Math.max(1, nextSweep - Date.now()));
      if (!woken) {
        await dropDead(runsHoldingOrWaiting());
        nextSweep = Date.now() + sweepIntervalMs;
      }
    }
    if (outbox.length > 0) {
      const grants = outbox.splice(0);
      await Promise.all(
        grants.map(async (g) => {
          try {
            await getExternalWorkflowHandle(g.holder, g.runId).signal(leaseGrantedSignal, { agentIds: g.agentIds });
          } catch (err) {
            // The holder is gone (closed since it queued): its agents go to the next in line.
            log.info('agent lock: granted run is gone; releasing', { holder: g.holder, runId: g.runId, error: err instanceof Error ? err.message : String(err) });
            release({ holder: g.holder, runId: g.runId });
          }
        }),
      );
    } else if (canContinueAsNew()) {
      return continueAsNew<typeof agentLock>({ cluster: input.cluster, leases: [...leases.values()], queue, sweepIntervalMs: input.sweepIntervalMs });
    }
  }
}
