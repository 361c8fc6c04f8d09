import { Context, log } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRegistry } from '../src/clusters';
import { formatIssues } from '../src/common/zod-issues';
import { ConditionSchema, concernsAgent, evaluate, ipFromPid, readsOf, type ClusterReads, type Condition, type Evaluation, type ReadKind } from '../src/convergence/conditions';
import { LiveTasks } from '../src/convergence/live-tasks';
import { EntityWorkflowTypes, watcherWorkflowId } from '../src/contracts';
import { WaitSchema, WatchMessages, type ConditionMetInput, type Wait } from '../src/convergence/protocol';
import { Batcher, CoalescingReader } from '../src/convergence/sharing';
import { ReadPlanner, type BurstOptions, type FreshOptions } from '../src/convergence/read-planner';
import type { GetAgents, MasterClient, MasterEvent } from '../src/mesos';
import { asActivity } from './errors';

export interface WatchActivityDeps {
  clusters: ClusterRegistry;
  temporal: {
    client: Client;
    /** The task queue the watcher workflow (and its activity) runs on. */
    taskQueue: string;
  };
}

export interface CheckConditionInput {
  cluster: string;
  condition: Condition;
}

export interface RegisterWaitInput {
  cluster: string;
  waitId: string;
  workflowId: string;
  runId: string;
  condition: Condition;
  /** Be signalled also when the condition can no longer hold (the agent is gone), with the reason. */
  reportImpossible?: boolean;
}

export interface CancelWaitActivityInput {
  cluster: string;
  waitId: string;
}

export interface WatchClusterInput {
  cluster: string;
  watcherWorkflowId: string;
  /** At most one GET_AGENTS per this interval when no event calls for more (default 5000). */
  baselineIntervalMs?: number;
  burst?: BurstOptions;
  fresh?: FreshOptions;
  /** Return after this long with no wait (default 30000); the watcher workflow starts it again when one comes. */
  idleExitMs?: number;
  /** How often the current waits are queried from the watcher workflow (default 1000). */
  waitsRefreshMs?: number;
}

/** What watchCluster returns when it stops for lack of waits (small: it goes into the watcher's history). */
export interface WatchClusterResult {
  baselineReads: number;
  burstReads: number;
  burstReadsCapped: number;
  freshReads: number;
  signalled: number;
  events: number;
  subscriptions: number;
}

const DEFAULT_IDLE_EXIT_MS = 30_000;
const DEFAULT_WAITS_REFRESH_MS = 1_000;
const HEARTBEAT_EVERY_MS = 2_000;
/** The loop counts as stuck (and stops heartbeating, so Temporal retries the activity) after this long. */
const STUCK_AFTER_MS = 120_000;
/** A run already signalled is not signalled again for this long (until the watcher drops its wait). */
const RESIGNAL_AFTER_MS = 30_000;
const SIGNAL_CONCURRENCY = 32;
const REGISTRATIONS_PER_UPDATE = 200;
/** Events are routed to waits that appear this long after them (registration races the event stream). */
const RECENT_EVENTS_MS = 5_000;

/**
 * The convergence building block's shared machinery (design.md "Waiting is shared per cluster"): a run registers
 * what it waits for with the cluster's watcher workflow; one long-running activity per cluster polls GET_AGENTS
 * (a baseline of at most one read per 5 s, however many runs wait), reads a few more times right after a SUBSCRIBE
 * event says a change is near, and signals each run whose condition holds.
 */
export function createWatchActivities({ clusters, temporal }: WatchActivityDeps) {
  const readers = new Map<string, ClusterReaders>();
  const reader = (cluster: string): ClusterReaders => {
    let r = readers.get(cluster);
    if (!r) {
      r = clusterReaders(() => clusters.master(cluster), () => clusters.agents(cluster));
      readers.set(cluster, r);
    }
    return r;
  };
  const client = temporal.client;
  const registrars = new Map<string, Batcher<Wait>>();
  const registrar = (cluster: string): Batcher<Wait> => {
    let r = registrars.get(cluster);
    if (!r) {
      r = new Batcher((waits) => sendRegistrations(client, temporal.taskQueue, cluster, waits), REGISTRATIONS_PER_UPDATE);
      registrars.set(cluster, r);
    }
    return r;
  };

  return {
    /**
     * One authoritative GET_AGENTS (shared with concurrent checks of the same cluster: a check joins a read that
     * starts after it was asked), evaluated for `condition`. For a run's own check at registration and at its
     * deadline. Fails non-retryably with `INVALID_INPUT` for a malformed condition or an unknown cluster.
     */
    async checkCondition(input: CheckConditionInput): Promise<Evaluation> {
      return asActivity(async () => {
        const condition = parseCondition(input.condition);
        const { view, reads } = await readFor(reader(input.cluster), new Set(readsOf(condition)));
        return evaluate(condition, view, reads);
      });
    },

    /**
     * Registers a wait with the cluster's watcher workflow (`cluster-watcher/<cluster>`), starting it if it is
     * not running (Update-with-Start, USE_EXISTING). Concurrent registrations of one cluster in this worker go in
     * one Update (the server admits only 10 Updates in flight per workflow). Idempotent: registering a wait id
     * again replaces it. Fails non-retryably with `INVALID_INPUT` when the wait is malformed (naming the field).
     */
    async registerWait(input: RegisterWaitInput): Promise<void> {
      return asActivity(async () => {
        const parsed = WaitSchema.safeParse({
          waitId: input.waitId,
          workflowId: input.workflowId,
          runId: input.runId,
          condition: input.condition,
          ...(input.reportImpossible ? { reportImpossible: true } : {}),
        });
        if (!parsed.success) throw invalid(`registerWait: ${formatIssues(parsed.error).join('; ')}`);
        if (!input.cluster) throw invalid('cluster: required');
        clusters.master(input.cluster); // unknown cluster: INVALID_INPUT before a watcher is started for it
        await registrar(input.cluster).add(parsed.data);
      });
    },

    /** Removes a wait from the cluster's watcher (a signal). Succeeds when the watcher or the wait is gone. */
    async cancelWait(input: CancelWaitActivityInput): Promise<void> {
      return asActivity(async () => {
        try {
          await client.workflow.getHandle(watcherWorkflowId(input.cluster)).signal(WatchMessages.cancelWait, { waitId: input.waitId });
        } catch (err) {
          if (errorName(err) !== 'WorkflowNotFoundError') throw err;
        }
      });
    },

    /**
     * The long-running, heartbeating watcher of one cluster. Loops: reads the current waits by querying the
     * watcher workflow (queries add no history); reads GET_AGENTS at most once per baseline interval, plus capped
     * bursts after events; signals `conditionMet` to each run whose condition holds and `resolved` to the watcher.
     * In parallel it follows SUBSCRIBE; a broken stream never fails it (the client reconnects; polling stays
     * authoritative). Returns after `idleExitMs` with no wait. Throws `CancelledFailure` when cancelled (the
     * watcher continuing as new, or a heartbeat timeout).
     */
    async watchCluster(input: WatchClusterInput): Promise<WatchClusterResult> {
      return new ClusterWatch(input, { client, master: () => clusters.master(input.cluster), reader: reader(input.cluster) }).run();
    },
  };
}

export type WatchActivities = ReturnType<typeof createWatchActivities>;

/** One registerWait Update (with start) carrying a batch of waits. */
async function sendRegistrations(client: Client, taskQueue: string, cluster: string, waits: Wait[]): Promise<void> {
  const startWorkflowOperation = new WithStartWorkflowOperation(EntityWorkflowTypes.clusterWatcher, {
    workflowId: watcherWorkflowId(cluster),
    taskQueue,
    args: [{ cluster }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Shared convergence watcher of cluster ${cluster}`,
  });
  try {
    await client.workflow.executeUpdateWithStart(WatchMessages.registerWait, { args: [{ waits }], startWorkflowOperation });
  } catch (err) {
    if (errorName(err) === 'WorkflowUpdateFailedError') {
      const cause = (err as { cause?: Error }).cause;
      throw invalid(`registerWait refused: ${cause?.message ?? (err as Error).message}`);
    }
    throw err;
  }
}

interface WatchDeps {
  client: Client;
  master: () => ReturnType<ClusterRegistry['master']>;
  reader: ClusterReaders;
}

/**
 * One shared reader per read kind of a cluster: concurrent callers (the watcher, runs' own checks) join the next read
 * of that kind that starts after they asked.
 */
interface ClusterReaders {
  agents: Reader<GetAgents>;
  operations: Reader<NonNullable<ClusterReads['operations']>>;
  quota: Reader<NonNullable<ClusterReads['quota']>>;
  weights: Reader<NonNullable<ClusterReads['weights']>>;
  maintenance: Reader<NonNullable<ClusterReads['maintenance']>>;
}

type Reader<T> = Pick<CoalescingReader<T>, 'read'>;

function clusterReaders(master: () => MasterClient, agents: () => Promise<GetAgents>): ClusterReaders {
  return {
    agents: { read: agents }, // the registry's: shared with the runs' own reads
    operations: new CoalescingReader(() => master().getOperations()),
    quota: new CoalescingReader(() => master().getQuota()),
    weights: new CoalescingReader(() => master().getWeights()),
    maintenance: new CoalescingReader(() => master().getMaintenanceStatus()),
  };
}

const EMPTY_VIEW: GetAgents = { agents: [], recovered_agents: [] };

/** The reads `kinds` name, in parallel (GET_AGENTS only when named; an empty view otherwise). */
async function readFor(readers: ClusterReaders, kinds: ReadonlySet<ReadKind>): Promise<{ view: GetAgents; reads: ClusterReads }> {
  const [view, operations, quota, weights, maintenance] = await Promise.all([
    kinds.has('agents') ? readers.agents.read() : EMPTY_VIEW,
    kinds.has('operations') ? readers.operations.read() : undefined,
    kinds.has('quota') ? readers.quota.read() : undefined,
    kinds.has('weights') ? readers.weights.read() : undefined,
    kinds.has('maintenance') ? readers.maintenance.read() : undefined,
  ]);
  return { view, reads: { ...(operations ? { operations } : {}), ...(quota ? { quota } : {}), ...(weights ? { weights } : {}), ...(maintenance ? { maintenance } : {}) } };
}

/** One run of the watchCluster activity. */
class ClusterWatch {
  private readonly ctx = Context.current();
  private readonly signal = this.ctx.cancellationSignal;
  private readonly planner: ReadPlanner;
  private readonly tasks = new LiveTasks();
  private waits: Wait[] = [];
  private waitsAt = 0;
  private readonly signalled = new Map<string, number>();
  private readonly recent: { at: number; concerns: (c: Condition) => boolean }[] = [];
  private wake: (() => void) | undefined;
  private progressAt = Date.now();
  private readonly stats = { signalled: 0, events: 0, subscriptions: 0 };

  constructor(
    private readonly input: WatchClusterInput,
    private readonly deps: WatchDeps,
  ) {
    this.planner = new ReadPlanner({ baselineIntervalMs: input.baselineIntervalMs, burst: input.burst, fresh: input.fresh });
  }

  async run(): Promise<WatchClusterResult> {
    const heartbeat = setInterval(() => this.heartbeat(), HEARTBEAT_EVERY_MS);
    const stopFollowing = new AbortController();
    const following = this.follow(AbortSignal.any([this.signal, stopFollowing.signal]));
    try {
      return await this.loop();
    } finally {
      clearInterval(heartbeat);
      stopFollowing.abort();
      await following;
    }
  }

  private heartbeat(): void {
    if (Date.now() - this.progressAt > STUCK_AFTER_MS) return;
    this.ctx.heartbeat({ waits: this.waits.length, ...this.planner.stats, ...this.stats });
  }

  private throwIfCancelled(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  private async loop(): Promise<WatchClusterResult> {
    const idleExitMs = this.input.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
    const refreshMs = this.input.waitsRefreshMs ?? DEFAULT_WAITS_REFRESH_MS;
    let idleSince: number | undefined;
    this.heartbeat();
    for (;;) {
      this.throwIfCancelled();
      this.progressAt = Date.now();
      if (Date.now() - this.waitsAt >= refreshMs) await this.refreshWaits();
      const now = Date.now();
      if (this.waits.length === 0) {
        idleSince ??= now;
        if (now - idleSince >= idleExitMs) return { ...this.planner.stats, ...this.stats };
      } else {
        idleSince = undefined;
        const kind = this.planner.due(now);
        if (kind) {
          this.planner.read(now, kind);
          await this.readAndSignal();
          continue;
        }
      }
      const until = Math.min(this.waits.length > 0 ? this.planner.nextAt() : Infinity, this.waitsAt + refreshMs);
      await this.sleep(until - Date.now());
    }
  }

  /** Sleeps until `ms` passed, an event planned an earlier read, or cancellation. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  private async refreshWaits(): Promise<void> {
    try {
      const waits = await this.deps.client.workflow.getHandle(this.input.watcherWorkflowId).query<Wait[]>(WatchMessages.waits);
      const known = new Set(this.waits.map((w) => w.waitId));
      this.waits = waits;
      this.waitsAt = Date.now();
      const ids = new Set(waits.map((w) => w.waitId));
      this.planner.retain(ids);
      for (const id of [...this.signalled.keys()]) if (!ids.has(id)) this.signalled.delete(id);
      const fresh = waits.filter((w) => !known.has(w.waitId));
      if (fresh.length > 0) {
        // They may already hold: one read soon, shared by every wait registered meanwhile (no run reads itself).
        this.planner.registered(Date.now(), fresh.map((w) => w.waitId));
        this.wake?.();
      }
      this.routeRecentEvents(fresh);
    } catch (err) {
      this.throwIfCancelled();
      this.waitsAt = Date.now();
      log.warn('watcher: cannot query the waits; keeping the last known', { cluster: this.input.cluster, error: String(err) });
    }
  }

  /**
   * One read of each kind the waits need (GET_AGENTS, and GET_OPERATIONS / GET_QUOTA / GET_WEIGHTS for the kinds
   * that declare them), with a fresh list of waits, then the signals for every wait they show met. A read that fails
   * leaves the waits that need it for the next cycle; the others are evaluated.
   */
  private async readAndSignal(): Promise<void> {
    await this.refreshWaits();
    const now = Date.now();
    const due = this.waits.filter((w) => {
      const at = this.signalled.get(w.waitId);
      return at === undefined || now - at >= RESIGNAL_AFTER_MS;
    });
    const kinds = new Set<ReadKind>(due.flatMap((w) => readsOf(w.condition)));
    const failed = new Set<ReadKind>();
    const read = async <T>(kind: ReadKind, r: Reader<T>): Promise<T | undefined> => {
      if (!kinds.has(kind)) return undefined;
      try {
        return await r.read();
      } catch (err) {
        this.throwIfCancelled();
        failed.add(kind);
        log.warn(`watcher: ${READ_NAMES[kind]} failed; will read again at the next interval`, { cluster: this.input.cluster, error: String(err) });
        return undefined;
      }
    };
    const { agents, operations, quota, weights, maintenance } = this.deps.reader;
    const [view, ops, q, w, mt] = await Promise.all([read('agents', agents), read('operations', operations), read('quota', quota), read('weights', weights), read('maintenance', maintenance)]);
    const reads: ClusterReads = { ...(ops ? { operations: ops } : {}), ...(q ? { quota: q } : {}), ...(w ? { weights: w } : {}), ...(mt ? { maintenance: mt } : {}) };
    const met: { wait: Wait; evaluation: Evaluation }[] = [];
    for (const wait of due) {
      if (readsOf(wait.condition).some((k) => failed.has(k))) continue;
      const evaluation = evaluate(wait.condition, view ?? EMPTY_VIEW, reads);
      if (evaluation.met || (evaluation.impossible !== undefined && wait.reportImpossible)) met.push({ wait, evaluation });
    }
    if (met.length === 0) return;
    const resolved: string[] = [];
    for (let i = 0; i < met.length; i += SIGNAL_CONCURRENCY) {
      await Promise.all(
        met.slice(i, i + SIGNAL_CONCURRENCY).map(async ({ wait, evaluation }) => {
          if (await this.signalRun(wait, evaluation)) resolved.push(wait.waitId);
        }),
      );
    }
    if (resolved.length === 0) return;
    for (const id of resolved) this.signalled.set(id, now);
    this.planner.resolved(resolved);
    this.waits = this.waits.filter((w) => !resolved.includes(w.waitId));
    try {
      await this.deps.client.workflow.getHandle(this.input.watcherWorkflowId).signal(WatchMessages.resolved, { waitIds: resolved });
    } catch (err) {
      this.throwIfCancelled();
      log.warn('watcher: cannot signal resolved waits to the watcher workflow', { cluster: this.input.cluster, error: String(err) });
    }
  }

  /** Signals the waiting run. True when the wait is done with (signalled, or its run is gone). */
  private async signalRun(wait: Wait, evaluation: Evaluation): Promise<boolean> {
    const payload: ConditionMetInput = {
      waitId: wait.waitId,
      observation: evaluation.observation,
      ...(evaluation.met || evaluation.impossible === undefined ? {} : { impossible: evaluation.impossible }),
    };
    try {
      await this.deps.client.workflow.getHandle(wait.workflowId, wait.runId).signal(WatchMessages.conditionMet, payload);
      this.stats.signalled += 1;
      return true;
    } catch (err) {
      if (errorName(err) === 'WorkflowNotFoundError') return true;
      log.warn('watcher: cannot signal a waiting run; will retry', { workflowId: wait.workflowId, error: String(err) });
      return false;
    }
  }

  /** Follows SUBSCRIBE, turning events about the agents waits concern into burst reads. Never throws. */
  private async follow(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const stream = this.deps.master().subscribe({ signal });
        for await (const event of stream) {
          failures = 0;
          this.onEvent(event);
        }
      } catch (err) {
        if (signal.aborted) return;
        failures += 1;
        log.warn('watcher: the event stream failed; polling continues, resubscribing', { cluster: this.input.cluster, error: String(err) });
      }
      if (signal.aborted) return;
      const backoff = Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  }

  private onEvent(event: MasterEvent): void {
    this.stats.events += 1;
    switch (event.type) {
      case 'SUBSCRIBED': {
        this.stats.subscriptions += 1;
        const state = event.subscribed.get_state;
        this.tasks.reset(state.get_tasks.tasks.map((t) => ({ taskId: t.task_id.value, agentId: t.agent_id?.value, state: t.state })));
        // A re-subscription follows a failover or a broken stream: events may have been missed.
        if (this.stats.subscriptions > 1) this.burst(() => true);
        return;
      }
      case 'TASK_ADDED': {
        const t = event.task_added.task;
        this.tasks.update({ taskId: t.task_id.value, agentId: t.agent_id?.value, state: t.state });
        return;
      }
      case 'TASK_UPDATED': {
        const status = event.task_updated.status;
        const { agentId, lastLiveEnded } = this.tasks.update({ taskId: status.task_id.value, agentId: status.agent_id?.value, state: event.task_updated.state });
        if (lastLiveEnded && agentId !== undefined) this.burst((c) => concernsAgent(c, { agentId }));
        return;
      }
      case 'AGENT_ADDED': {
        const agent = event.agent_added.agent;
        const ref = { agentId: agent.agent_info.id?.value, hostname: agent.agent_info.hostname, ip: ipFromPid(agent.pid) };
        this.burst((c) => concernsAgent(c, ref));
        return;
      }
      case 'AGENT_REMOVED': {
        const agentId = event.agent_removed.agent_id.value;
        this.burst((c) => concernsAgent(c, { agentId }));
        return;
      }
      default:
        return;
    }
  }

  /**
   * Plans a burst of reads for the waits `concerns` selects. The event is also remembered for a few seconds: a
   * wait registered just before it may not be in the last queried list yet, and is routed when it appears.
   */
  private burst(concerns: (c: Condition) => boolean): void {
    const now = Date.now();
    this.recent.push({ at: now, concerns });
    while ((this.recent[0]?.at ?? now) < now - RECENT_EVENTS_MS) this.recent.shift();
    const ids = this.waits.filter((w) => concerns(w.condition)).map((w) => w.waitId);
    if (ids.length === 0) return;
    this.planner.event(now, ids);
    this.wake?.();
  }

  /** Routes the recently remembered events to waits that just appeared. */
  private routeRecentEvents(fresh: Wait[]): void {
    if (fresh.length === 0) return;
    const now = Date.now();
    let planned = false;
    for (const e of this.recent) {
      if (e.at < now - RECENT_EVENTS_MS) continue;
      const ids = fresh.filter((w) => e.concerns(w.condition)).map((w) => w.waitId);
      if (ids.length === 0) continue;
      this.planner.event(e.at, ids);
      planned = true;
    }
    if (planned) this.wake?.();
  }
}

const READ_NAMES: Record<ReadKind, string> = { agents: 'GET_AGENTS', operations: 'GET_OPERATIONS', quota: 'GET_QUOTA', weights: 'GET_WEIGHTS', maintenance: 'GET_MAINTENANCE_STATUS' };

function parseCondition(raw: unknown): Condition {
  const parsed = ConditionSchema.safeParse(raw);
  if (!parsed.success) throw invalid(`condition: ${formatIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'INVALID_INPUT', nonRetryable: true, message });
}
