import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { InjectedSinks } from '@temporalio/worker';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { agentLockWorkflowId, leasesQuery, watcherWorkflowId } from '../contracts';
import { WatchMessages, type Wait } from '../convergence/protocol';
import type { MesosCallEvent, MesosCallObserver } from '../mesos';
import type { RunbookMetricsSinks } from './sinks';

/** How long a scrape waits for the entity workflows' queries before reporting what it has. */
const QUERY_TIMEOUT_MS = 5_000;
/** An open wait the watcher has not listed this long after it was opened is taken as never registered. */
const UNREGISTERED_GRACE_MS = 10 * 60_000;

/**
 * The worker's Prometheus metrics (prom-client), every name under `mesos_runbooks_`:
 *
 * | metric | labels | from |
 * |---|---|---|
 * | `runs_started_total`, `runs_finished_total` | runbook; outcome, failure | the workflow interceptor |
 * | `run_duration_seconds` (histogram) | runbook, outcome | the workflow interceptor |
 * | `wait_duration_seconds` (histogram) | kind, outcome | the workflow interceptor, when a wait ends |
 * | `wait_oldest_age_seconds` | kind | open waits of the runs this worker has run |
 * | `waits` | cluster, kind | the cluster's watcher workflow (query at scrape) |
 * | `leases_held`, `lease_queue_length` | cluster | the cluster's agent lock (query at scrape) |
 * | `mesos_calls_total` | cluster, call, status | the Mesos client's observer |
 * | `mesos_call_duration_seconds` (histogram) | cluster, call | the Mesos client's observer |
 * | `watcher_reads_total` | cluster | GET_AGENTS made by the watcher activity |
 * | `cluster_gauge_errors_total` | cluster, source | failed queries at scrape |
 *
 * plus Node's process metrics (`process_*`, `nodejs_*`) and, merged into the same `/metrics`, the Temporal SDK's
 * own (`temporal_*`).
 */
export class RunbookMetrics {
  readonly registry = new Registry();
  private readonly openWaits = new Map<string, { kind: string; since: number; cluster?: string; seenByWatcher?: boolean }>();
  private clusterSource?: { client: Client; clusters: string[] };
  private snapshot?: Promise<Map<string, ClusterReading>>;
  private readonly runsStarted = new Counter({ name: 'mesos_runbooks_runs_started_total', help: 'Runs started, by runbook (workflow type)', labelNames: ['runbook'], registers: [this.registry] });
  private readonly runsFinished = new Counter({
    name: 'mesos_runbooks_runs_finished_total',
    help: 'Runs ended, by runbook, outcome (completed, planned, failed, cancelled, continued_as_new) and failure type',
    labelNames: ['runbook', 'outcome', 'failure'],
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'mesos_runbooks_run_duration_seconds',
    help: 'Run duration (workflow time), by runbook and outcome',
    labelNames: ['runbook', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400],
    registers: [this.registry],
  });
  private readonly waitDuration = new Histogram({
    name: 'mesos_runbooks_wait_duration_seconds',
    help: 'How long a run waited for a condition, by kind and outcome (signalled, ended_by_run, run_ended)',
    labelNames: ['kind', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });
  private readonly mesosCalls = new Counter({
    name: 'mesos_runbooks_mesos_calls_total',
    help: 'Mesos Operator API calls, by cluster, call type and status (HTTP status, or the error code when no response came)',
    labelNames: ['cluster', 'call', 'status'],
    registers: [this.registry],
  });
  private readonly mesosLatency = new Histogram({
    name: 'mesos_runbooks_mesos_call_duration_seconds',
    help: 'Mesos Operator API call latency (redirects and body included), by cluster and call type',
    labelNames: ['cluster', 'call'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly watcherReads = new Counter({
    name: 'mesos_runbooks_watcher_reads_total',
    help: "GET_AGENTS reads made by a cluster's shared watcher",
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  private readonly gaugeErrors = new Counter({
    name: 'mesos_runbooks_cluster_gauge_errors_total',
    help: 'Failed queries of the entity workflows behind the cluster gauges, by cluster and source (watcher, lock)',
    labelNames: ['cluster', 'source'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client calls collect() with the metric as `this`; these reach the registry's state.
    const openWaits = this.openWaits;
    const hasClusters = () => this.clusterSource !== undefined;
    const clusterSnapshot = () => this.clusterSnapshot();
    new Gauge({
      name: 'mesos_runbooks_wait_oldest_age_seconds',
      help: 'Age of the oldest open wait, by kind, among the runs this worker has run (take the max over workers)',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        if (hasClusters()) await clusterSnapshot(); // prunes waits the watchers no longer have
        this.reset();
        const oldest = new Map<string, number>();
        for (const w of openWaits.values()) oldest.set(w.kind, Math.min(oldest.get(w.kind) ?? Infinity, w.since));
        for (const [kind, since] of oldest) this.set({ kind }, Math.max(0, (Date.now() - since) / 1000));
      },
    });
    new Gauge({
      name: 'mesos_runbooks_waits',
      help: "Waits registered with each cluster's watcher, by kind (the same from every worker)",
      labelNames: ['cluster', 'kind'],
      registers: [this.registry],
      async collect() {
        const snapshot = await clusterSnapshot();
        this.reset();
        for (const [cluster, c] of snapshot) for (const [kind, n] of c.waits ?? []) this.set({ cluster, kind }, n);
      },
    });
    new Gauge({
      name: 'mesos_runbooks_leases_held',
      help: 'Agent leases held, by cluster (the same from every worker)',
      labelNames: ['cluster'],
      registers: [this.registry],
      async collect() {
        const snapshot = await clusterSnapshot();
        this.reset();
        for (const [cluster, c] of snapshot) if (c.leases !== undefined) this.set({ cluster }, c.leases);
      },
    });
    new Gauge({
      name: 'mesos_runbooks_lease_queue_length',
      help: 'Runs queued for an agent lease, by cluster (the same from every worker)',
      labelNames: ['cluster'],
      registers: [this.registry],
      async collect() {
        const snapshot = await clusterSnapshot();
        this.reset();
        for (const [cluster, c] of snapshot) if (c.queue !== undefined) this.set({ cluster }, c.queue);
      },
    });
  }

  /** Turns on the cluster gauges: at each scrape, query each cluster's watcher and lock through `client`. */
  watchClusters(client: Client, clusters: string[]): void {
    this.clusterSource = { client, clusters };
  }

  /** One read of every cluster's watcher and lock, shared by the gauges of one scrape. */
  private clusterSnapshot(): Promise<Map<string, ClusterReading>> {
    this.snapshot ??= this.readClusters().finally(() => {
      this.snapshot = undefined;
    });
    return this.snapshot;
  }

  private async readClusters(): Promise<Map<string, ClusterReading>> {
    const out = new Map<string, ClusterReading>();
    if (!this.clusterSource) return out;
    const { client, clusters } = this.clusterSource;
    const query = async <T>(workflowId: string, name: string): Promise<T | undefined> => {
      try {
        return await withTimeout(client.workflow.getHandle(workflowId).query<T>(name), QUERY_TIMEOUT_MS);
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
        throw err;
      }
    };
    await Promise.all(
      clusters.map(async (cluster) => {
        const reading: ClusterReading = {};
        const [watcher, lock] = await Promise.allSettled([
          query<Wait[]>(watcherWorkflowId(cluster), WatchMessages.waits),
          query<{ leases: unknown[]; queue: unknown[] }>(agentLockWorkflowId(cluster), leasesQuery.name),
        ]);
        if (watcher.status === 'fulfilled') {
          const current = watcher.value ?? [];
          reading.waits = new Map();
          for (const w of current) reading.waits.set(w.condition.kind, (reading.waits.get(w.condition.kind) ?? 0) + 1);
          // The watcher is authoritative: forget open waits it had and no longer has (closed on another worker), and
          // those it never got within the grace period (their registration failed).
          const ids = new Set(current.map((w) => w.waitId));
          for (const [id, w] of this.openWaits) {
            if (w.cluster !== cluster) continue;
            if (ids.has(id)) w.seenByWatcher = true;
            else if (w.seenByWatcher || Date.now() - w.since > UNREGISTERED_GRACE_MS) this.openWaits.delete(id);
          }
        } else this.gaugeErrors.inc({ cluster, source: 'watcher' });
        if (lock.status === 'fulfilled') {
          reading.leases = lock.value?.leases.length ?? 0;
          reading.queue = lock.value?.queue.length ?? 0;
        } else this.gaugeErrors.inc({ cluster, source: 'lock' });
        out.set(cluster, reading);
      }),
    );
    return out;
  }

  /** The observer for one cluster's Mesos client. */
  mesosObserver(cluster: string): MesosCallObserver {
    return (event: MesosCallEvent) => {
      this.mesosCalls.inc({ cluster, call: event.callType, status: String(event.status ?? event.code ?? 'ERROR') });
      this.mesosLatency.observe({ cluster, call: event.callType }, event.durationMs / 1000);
      if (event.callType === 'GET_AGENTS' && currentActivityType() === 'watchCluster') this.watcherReads.inc({ cluster });
    };
  }

  /** The worker side of the workflow interceptor's sink (./workflow-interceptors.ts). */
  sinks(): InjectedSinks<RunbookMetricsSinks> {
    return {
      runbookMetrics: {
        runStarted: { fn: (info) => this.runsStarted.inc({ runbook: info.workflowType }), callDuringReplay: false },
        runFinished: {
          fn: (info, outcome, failure, seconds) => {
            this.runsFinished.inc({ runbook: info.workflowType, outcome, failure });
            this.runDuration.observe({ runbook: info.workflowType, outcome }, seconds);
          },
          callDuringReplay: false,
        },
        waitOpened: {
          fn: (_info, waitId, kind, sinceMs) => {
            this.openWaits.set(waitId, { kind, since: sinceMs, cluster: clusterOfWait(waitId) });
          },
          callDuringReplay: true,
        },
        waitClosed: { fn: (_info, waitId) => void this.openWaits.delete(waitId), callDuringReplay: true },
        waitFinished: { fn: (_info, kind, outcome, seconds) => this.waitDuration.observe({ kind, outcome }, seconds), callDuringReplay: false },
      },
    };
  }

  /** The text of `/metrics` (this registry only). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

interface ClusterReading {
  waits?: Map<string, number>;
  leases?: number;
  queue?: number;
}

/** The cluster of a wait, from its run's workflow id (`<runbook>/<cluster>/<target>/...`); undefined when it has none. */
function clusterOfWait(waitId: string): string | undefined {
  return waitId.split('/')[1];
}

function currentActivityType(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined; // not inside an activity
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics`: the worker's registry followed by the Temporal SDK's own metrics, read from the SDK's exporter
 * at `sdkMetricsUrl` (when it cannot be read, a comment says so and the worker's metrics are still served).
 * Throws when the address is taken.
 */
export function serveMetrics(metrics: RunbookMetrics, options: { host: string; port: number; sdkMetricsUrl?: string }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    void (async () => {
      let text = await metrics.text();
      if (options.sdkMetricsUrl) {
        try {
          const sdk = await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(3_000) });
          if (!sdk.ok) throw new Error(`HTTP ${sdk.status}`);
          text += `\n# Temporal SDK runtime metrics (from ${options.sdkMetricsUrl})\n${await sdk.text()}`;
        } catch (err) {
          text += `\n# Temporal SDK runtime metrics unavailable from ${options.sdkMetricsUrl}: ${(err as Error).message}\n`;
        }
      }
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
