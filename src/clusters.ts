import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig, Config } from './config';
import { resolveSecret } from './config';
import { CoalescingReader } from './convergence/sharing';
import { MasterClient, type GetAgents, type MesosCallObserver, type MesosClientOptions } from './mesos';

/**
 * The configured clusters, each with one lazily built {@link MasterClient} (one connection pool and one remembered
 * leader per cluster, shared by every activity of the worker). Secrets are resolved here, in the worker, and nowhere
 * else.
 */
export class ClusterRegistry {
  private readonly clients = new Map<string, MasterClient>();
  private readonly agentReads = new Map<string, CoalescingReader<GetAgents>>();

  constructor(
    private readonly clusters: Record<string, ClusterConfig>,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** An observer of each cluster's Mesos calls (metrics, tracing; src/observability), if any. */
    private readonly observe?: (cluster: string) => MesosCallObserver | undefined,
  ) {}

  static fromConfig(config: Config, env: NodeJS.ProcessEnv = process.env, observe?: (cluster: string) => MesosCallObserver | undefined): ClusterRegistry {
    return new ClusterRegistry(config.clusters, env, observe);
  }

  names(): string[] {
    return Object.keys(this.clusters);
  }

  /**
   * The client of `cluster`. Throws a non-retryable `INVALID_INPUT` failure naming the field `cluster` and the
   * configured names when it is unknown, and a plain error naming the reference when a secret cannot be resolved.
   */
  master(cluster: string): MasterClient {
    const existing = this.clients.get(cluster);
    if (existing) return existing;
    const config = this.clusters[cluster];
    if (!config) {
      throw ApplicationFailure.create({
        type: 'INVALID_INPUT',
        nonRetryable: true,
        message: `cluster: unknown cluster '${cluster}' (configured: ${this.names().join(', ') || 'none'})`,
      });
    }
    const observer = this.observe?.(cluster);
    const client = new MasterClient({ ...clientOptions(config, this.env), ...(observer ? { observer } : {}) });
    this.clients.set(cluster, client);
    return client;
  }

  /**
   * GET_AGENTS of `cluster`, shared by every activity of the worker: a caller joins the read in flight only if it
   * has not started yet, else the next, so each answer was read after its caller asked (a run sees its own writes),
   * and fifty runs checking their agents at once cost a few reads and decodes instead of fifty.
   */
  agents(cluster: string): Promise<GetAgents> {
    let reader = this.agentReads.get(cluster);
    if (!reader) {
      const master = this.master(cluster);
      reader = new CoalescingReader(() => master.getAgents());
      this.agentReads.set(cluster, reader);
    }
    return reader.read();
  }

  /**
   * The principal the cluster's configured credentials authenticate as (basic credentials), for the reservations and
   * volumes runbooks make (Mesos requires them to match the authenticated principal). Undefined without credentials
   * or with a bearer token (its principal is the token's, not known here). Never the secret. Throws like
   * {@link master} for an unknown cluster.
   */
  principal(cluster: string): string | undefined {
    if (!this.clusters[cluster]) this.master(cluster);
    const credentials = this.clusters[cluster]?.credentials;
    return credentials?.kind === 'basic' ? credentials.principal : undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
    this.agentReads.clear();
  }
}

function clientOptions(config: ClusterConfig, env: NodeJS.ProcessEnv): MesosClientOptions {
  const options: MesosClientOptions = {
    masters: config.masters,
    timeoutMs: config.timeoutSeconds * 1000,
    allowedRedirectHosts: config.allowedRedirectHosts,
  };
  if (config.credentials?.kind === 'basic') {
    options.credentials = { kind: 'basic', principal: config.credentials.principal, secret: resolveSecret(config.credentials.secret, env) };
  } else if (config.credentials?.kind === 'bearer') {
    options.credentials = { kind: 'bearer', token: resolveSecret(config.credentials.token, env) };
  }
  if (config.tls) {
    options.tls = {
      ca: config.tls.caFile ? readFileSync(config.tls.caFile) : undefined,
      cert: config.tls.certFile ? readFileSync(config.tls.certFile) : undefined,
      key: config.tls.keyFile ? readFileSync(config.tls.keyFile) : undefined,
      rejectUnauthorized: config.tls.rejectUnauthorized,
    };
  }
  return options;
}
