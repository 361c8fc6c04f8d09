import { context, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { MesosCallEvent, MesosCallObserver } from '../mesos';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: an OTLP/HTTP exporter in production, an in-memory exporter in tests. */
  spanProcessor?: SpanProcessor;
  otlp?: { url: string; headers: Record<string, string> };
}

/**
 * OpenTelemetry tracing through the Temporal SDK's interceptors (@temporalio/interceptors-opentelemetry): a start from
 * our clients opens `StartWorkflow:<type>`, the workflow `RunWorkflow:<type>` (exported from the sandbox through a
 * sink), each activity `StartActivity:` / `RunActivity:<type>`, and each Mesos call made inside an activity
 * `mesos <CALL>` (from the client's observer, in the activity's context): one trace per run. A run started without
 * our client interceptor (Web UI, `temporal` CLI) gets its trace rooted at `RunWorkflow`.
 *
 * Registers the provider globally (the AsyncLocalStorage context manager and the W3C propagator), once per process.
 */
export class Tracing {
  readonly provider: NodeTracerProvider;
  readonly tracer: Tracer;
  readonly resource: Resource;
  private readonly processor: SpanProcessor;

  constructor(options: TracingOptions) {
    this.resource = new Resource({ 'service.name': options.serviceName });
    this.processor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlp?.url, headers: options.otlp?.headers ?? {} }));
    this.provider = new NodeTracerProvider({ resource: this.resource, spanProcessors: [this.processor] });
    this.provider.register();
    this.tracer = this.provider.getTracer('mesos-runbooks');
  }

  /** The workflow interceptor module (sandbox side) of the OTel interceptors. */
  workflowModules(): string[] {
    return [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
  }

  activityInterceptors(): ActivityInterceptorsFactory[] {
    return [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: this.tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })];
  }

  /** The sink that exports the workflow spans made in the sandbox. */
  sinks(): InjectedSinks<Record<string, never>> {
    return { exporter: makeWorkflowExporter(this.processor, this.resource) } as unknown as InjectedSinks<Record<string, never>>;
  }

  clientInterceptor(): WorkflowClientInterceptor {
    return new OpenTelemetryWorkflowClientInterceptor({ tracer: this.tracer });
  }

  /** A span per finished Mesos call, a child of the active span (the activity's). */
  mesosObserver(cluster: string): MesosCallObserver {
    return (event: MesosCallEvent) => {
      const span = this.tracer.startSpan(
        `mesos ${event.callType}`,
        {
          kind: SpanKind.CLIENT,
          startTime: event.startedAt,
          attributes: {
            'mesos.cluster': cluster,
            'mesos.call': event.callType,
            ...(event.status !== undefined ? { 'http.response.status_code': event.status } : {}),
            ...(event.url ? { 'url.full': event.url } : {}),
            ...(event.code ? { 'error.type': event.code } : {}),
          },
        },
        context.active(),
      );
      if (event.code) span.setStatus({ code: SpanStatusCode.ERROR, message: event.code });
      span.end(event.startedAt + event.durationMs);
    };
  }

  /** Flushes and stops the exporter. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
