import { ConfigError, parseConfig } from '../../../src/config';

const clusters = { default: { masters: ['http://127.0.0.1:5050'] } };

function problems(doc: Record<string, unknown>): string {
  try {
    parseConfig({ clusters, ...doc });
  } catch (err) {
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration: observability and the codec server', () => {
  it('defaults: no metrics, no tracing, info logs; the codec server on 127.0.0.1:8888 with no CORS origin', () => {
    const config = parseConfig({ clusters });
    expect(config.observability).toEqual({ logging: { level: 'info' } });
    expect(config.codecServer).toEqual({ bindAddress: '127.0.0.1:8888', corsOrigins: [] });
    expect(config.temporal.encryption).toBeUndefined();
  });

  it('accepts metrics, tracing with header secrets by reference, and fills their defaults', () => {
    const config = parseConfig({
      clusters,
      observability: {
        metrics: { bindAddress: '0.0.0.0:9464' },
        tracing: { otlpEndpoint: 'http://otel-collector:4318/v1/traces', headers: { 'x-api-key': { env: 'OTEL_KEY' } } },
      },
    });
    expect(config.observability.metrics).toEqual({ bindAddress: '0.0.0.0:9464', clusterGauges: true });
    expect(config.observability.tracing).toMatchObject({ serviceName: 'mesos-runbooks-worker', headers: { 'x-api-key': { env: 'OTEL_KEY' } } });
    expect(parseConfig({ clusters, observability: { metrics: { bindAddress: '[::1]:9464' } } }).observability.metrics?.bindAddress).toBe('[::1]:9464');
  });

  it('names each bad field with its path and what is allowed', () => {
    const text = problems({
      observability: {
        metrics: { bindAddress: '9464', sdkBindAddress: '127.0.0.1:70000' },
        tracing: { otlpEndpoint: 'grpc://collector:4317', headers: { auth: 'Bearer abc' } },
        logging: { level: 'verbose' },
      },
      codecServer: { corsOrigins: ['http://localhost:8080/ui'] },
    });
    expect(text).toMatch(/^observability\.metrics\.bindAddress: a bind address is host:port/m);
    expect(text).toMatch(/^observability\.metrics\.sdkBindAddress: the port is 0-65535/m);
    expect(text).toMatch(/^observability\.tracing\.otlpEndpoint: an OTLP endpoint starts with http:\/\/ or https:\/\//m);
    expect(text).toMatch(/^observability\.tracing\.headers\.auth: /m);
    expect(text).toMatch(/^observability\.logging\.level: invalid value \(allowed: "trace", "debug", "info", "warn", "error"\)/m);
    expect(text).toMatch(/^codecServer\.corsOrigins\.0: an origin is scheme:\/\/host\[:port\], no path/m);
    // A secret written in place of a reference is refused, and not echoed back.
    expect(text).not.toContain('Bearer abc');
  });
});
