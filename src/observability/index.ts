/**
 * The worker's observability, built from the configuration's `observability` section: structured logs (pino, the
 * Temporal SDK's logger included), Prometheus metrics (prom-client, with the SDK's runtime metrics merged into the
 * same `/metrics`), and OpenTelemetry traces (the SDK's interceptors plus a span per Mesos call). See
 * docs/production.md.
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client, WorkflowClientInterceptor } from '@temporalio/client';
import { Runtime, type InjectedSinks, type WorkerInterceptors } from '@temporalio/worker';
import type pino from 'pino';
import type { Config } from '../config';
import { resolveSecret } from '../config';
import type { MesosCallEvent, MesosCallObserver } from '../mesos';
import { freePort } from '../temporal/free-port';
import { createLogger, PinoSdkLogger } from './logging';
import { RunbookMetrics, serveMetrics, type MetricsServer } from './metrics';
import { Tracing } from './tracing';

export { RunbookMetrics } from './metrics';
export { Tracing } from './tracing';
export { createLogger, PinoSdkLogger } from './logging';

export interface ObservabilityOverrides {
  /** Where spans go (tests: an in-memory exporter); turns tracing on even without `observability.tracing`. */
  spanProcessor?: SpanProcessor;
  /**
   * Install the process's Temporal Runtime with the pino logger and the SDK's Prometheus exporter (default true).
   * A process whose Runtime already exists (tests, the demo) passes false; metrics then come without `temporal_*`.
   */
  installRuntime?: boolean;
  /** Where the log lines go (default stdout). */
  logDestination?: pino.DestinationStream;
  env?: NodeJS.ProcessEnv;
}

/** Splits `host:port` (`[::1]:9464` too). */
function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}

export class Observability {
  private metricsServer?: MetricsServer;

  private constructor(
    readonly logger: pino.Logger,
    readonly metrics: RunbookMetrics | undefined,
    readonly tracing: Tracing | undefined,
    /** `observability.metrics.clusterGauges`. */
    private readonly clusterGauges: boolean,
  ) {}

  /**
   * Builds what the configuration asks for and starts the `/metrics` server. Throws naming the field when the metrics
   * address is taken, when a tracing header's secret cannot be resolved, or when metrics are asked for but the
   * process's Temporal Runtime was installed before (without the SDK's exporter).
   */
  static async start(config: Config, overrides: ObservabilityOverrides = {}): Promise<Observability> {
    const env = overrides.env ?? process.env;
    const { metrics: metricsConfig, tracing: tracingConfig, logging } = config.observability;
    const logger = createLogger({ level: logging.level, ...(overrides.logDestination ? { destination: overrides.logDestination } : {}) });
    let sdkMetricsUrl: string | undefined;
    if (overrides.installRuntime !== false) {
      const sdkAddress = metricsConfig ? (metricsConfig.sdkBindAddress ?? `127.0.0.1:${await freePort()}`) : undefined;
      try {
        Runtime.install({
          logger: new PinoSdkLogger(logger),
          ...(sdkAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkAddress, useSecondsForDurations: true } } } } : {}),
        });
        if (sdkAddress) sdkMetricsUrl = `http://${sdkAddress}/metrics`;
      } catch (err) {
        if (metricsConfig) {
          throw new Error(`observability.metrics: the Temporal Runtime of this process was installed before the worker's (${(err as Error).message}); start the worker in a process of its own`);
        }
        // The process already has a Runtime (the demo's, a test's): its logger stays.
      }
    }
    const metrics = metricsConfig ? new RunbookMetrics() : undefined;
    let tracing: Tracing | undefined;
    if (tracingConfig || overrides.spanProcessor) {
      const headers: Record<string, string> = {};
      for (const [name, ref] of Object.entries(tracingConfig?.headers ?? {})) {
        try {
          headers[name] = resolveSecret(ref, env);
        } catch (err) {
          throw new Error(`observability.tracing.headers.${name}: ${(err as Error).message}`);
        }
      }
      tracing = new Tracing({
        serviceName: tracingConfig?.serviceName ?? 'mesos-runbooks-worker',
        ...(overrides.spanProcessor ? { spanProcessor: overrides.spanProcessor } : {}),
        ...(tracingConfig ? { otlp: { url: tracingConfig.otlpEndpoint, headers } } : {}),
      });
    }
    const observability = new Observability(logger, metrics, tracing, metricsConfig?.clusterGauges ?? false);
    if (metrics && metricsConfig) {
      try {
        observability.metricsServer = await serveMetrics(metrics, { ...hostPort(metricsConfig.bindAddress), sdkMetricsUrl });
      } catch (err) {
        throw new Error(`observability.metrics.bindAddress: cannot listen on ${metricsConfig.bindAddress} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      logger.info({ metricsUrl: observability.metricsServer.url, sdkMetricsUrl }, 'serving Prometheus metrics');
    }
    return observability;
  }

  /** `http://host:port/metrics`, when metrics are on. */
  get metricsUrl(): string | undefined {
    return this.metricsServer?.url;
  }

  /** The observer of one cluster's Mesos calls (metrics and spans), or undefined when neither is on. */
  mesosObserver(cluster: string): MesosCallObserver | undefined {
    const observers = [this.metrics?.mesosObserver(cluster), this.tracing?.mesosObserver(cluster)].filter((o): o is MesosCallObserver => Boolean(o));
    if (observers.length === 0) return undefined;
    return (event: MesosCallEvent) => {
      for (const observe of observers) observe(event);
    };
  }

  /** What the worker adds to `Worker.create`: workflow and activity interceptors, and their sinks. */
  workerOptions(): { interceptors?: WorkerInterceptors; sinks?: InjectedSinks<never> } {
    const workflowModules = [...(this.tracing?.workflowModules() ?? []), ...(this.metrics ? [require.resolve('./workflow-interceptors')] : [])];
    if (workflowModules.length === 0) return {};
    const sinks = { ...this.tracing?.sinks(), ...this.metrics?.sinks() } as InjectedSinks<never>;
    return { interceptors: { workflowModules, activity: this.tracing?.activityInterceptors() ?? [] }, sinks };
  }

  /** Client interceptors (tracing: a start opens the run's trace). */
  clientInterceptors(): { workflow: WorkflowClientInterceptor[] } | undefined {
    return this.tracing ? { workflow: [this.tracing.clientInterceptor()] } : undefined;
  }

  /** Turns on the cluster gauges (waits, leases), read through `client` at each scrape. */
  watchClusters(client: Client, clusters: string[]): void {
    if (this.metrics && this.clusterGauges) this.metrics.watchClusters(client, clusters);
  }

  async close(): Promise<void> {
    await this.metricsServer?.close();
    await this.tracing?.shutdown();
    this.logger.flush();
  }
}
