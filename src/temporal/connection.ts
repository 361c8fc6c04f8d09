import { readFileSync } from 'node:fs';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { resolveSecret } from '../config';
import { dataConverterFor } from './codec';

type TemporalConfig = Config['temporal'];

function tlsOptions(config: TemporalConfig) {
  if (!config.tls) return undefined;
  return {
    serverNameOverride: config.tls.serverName,
    serverRootCACertificate: config.tls.caFile ? readFileSync(config.tls.caFile) : undefined,
    clientCertPair: config.tls.certFile && config.tls.keyFile ? { crt: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
  };
}

/**
 * A client connection to the configured Temporal server (TLS and API key by reference, resolved here). Throws, naming
 * the address and how to fix it, when the server cannot be reached.
 */
export async function connectClient(config: TemporalConfig, extra: { interceptors?: ClientInterceptors } = {}): Promise<Client> {
  const dataConverter = dataConverterFor(config.encryption); // a missing or bad key fails before anything connects
  const connection = await reachable(config, () =>
    Connection.connect({ address: config.address, tls: tlsOptions(config), apiKey: config.apiKey ? resolveSecret(config.apiKey) : undefined }),
  );
  return new Client({ connection, namespace: config.namespace, dataConverter, ...(extra.interceptors ? { interceptors: extra.interceptors } : {}) });
}

/** The worker's native connection to the same server; throws like {@link connectClient}. */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return reachable(config, () =>
    NativeConnection.connect({ address: config.address, tls: tlsOptions(config), apiKey: config.apiKey ? resolveSecret(config.apiKey) : undefined }),
  );
}

async function reachable<T>(config: TemporalConfig, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot reach the Temporal server at ${config.address} (${why.split('\n')[0]}); start one with 'mesos-runbooks dev-server', or set temporal.address in the configuration or TEMPORAL_ADDRESS`,
    );
  }
}

/** The Web UI page of one run. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
