import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { runCommand } from './cli-binary';
import { freePort, isPortFree } from './free-port';
import type { Postgres } from './postgres';
import { stopProcess } from './process';
import { ensureSearchAttributes } from './register';
import { resolveServerBinaries, type TemporalServerBinaries } from './server-binary';

/** The schema sets of the SQL tool's embedded files (go.temporal.io/server schema/postgresql/v12/...). */
const SCHEMAS = [
  { database: 'temporal', schemaName: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schemaName: 'postgresql/v12/visibility' },
] as const;

export interface TemporalServerOptions {
  postgres: Postgres;
  /** Folder for the generated configuration and the server log. */
  dataDir: string;
  namespace?: string;
  /** The frontend's gRPC port: 0 or unset = a free one. Kept across {@link TemporalServer.restart}. */
  port?: number;
  /** Server dynamic config values (`KEY: value`), e.g. `{ 'system.forceSearchAttributesCacheRefreshOnRead': true }`. */
  dynamicConfig?: Record<string, unknown>;
  binaries?: TemporalServerBinaries;
  /** How long to wait for the server to answer after a (re)start (default 90 s). */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface TemporalServer {
  /** `127.0.0.1:<port>` of the frontend. */
  address: string;
  namespace: string;
  /** The server's own Prometheus endpoint (`http://127.0.0.1:<port>/metrics`). */
  metricsUrl: string;
  pid: number;
  logPath: string;
  binaries: TemporalServerBinaries;
  /** Milliseconds of the schema setup (create-database, setup-schema, update-schema for both databases). */
  schemaMs: number;
  /** Milliseconds from spawn until the server answered with the namespace and search attributes in place. */
  startMs: number;
  /** SIGKILL (crash) or SIGTERM (clean stop), then the same server again on the same ports and database. */
  restart(how?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Temporal server (all four services in one process: frontend, history, matching, worker) on PostgreSQL,
 * loopback only. Sets the schema up with Temporal's own `temporal-sql-tool` (create-database, setup-schema -v 0.0,
 * update-schema to the version the tool embeds: idempotent, so a reused database is brought up to date), writes the
 * server configuration (the database password is read from the environment by the config template, never written to
 * a file), starts the server, registers the namespace and the project's search attributes, and returns once it
 * answers.
 *
 * Throws when the binaries cannot be found or built, a schema step fails (the message names the step), the server
 * exits early or does not answer in time (the message names its log).
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binaries = options.binaries ?? (await resolveServerBinaries({ log }));
  const { postgres } = options;
  const namespace = options.namespace ?? 'default';
  mkdirSync(options.dataDir, { recursive: true });
  const sqlEnv = { ...process.env, SQL_PASSWORD: postgres.password };
  const sqlArgs = ['--plugin', 'postgres12', '--ep', postgres.host, '-p', String(postgres.port), '-u', postgres.user];

  const schemaStarted = Date.now();
  for (const { database, schemaName } of SCHEMAS) {
    const step = async (what: string, args: string[]) => {
      try {
        await runCommand(binaries.sqlTool, [...sqlArgs, '--db', database, ...args], sqlEnv);
      } catch (err) {
        throw new Error(`temporal-sql-tool ${what} of database ${database} failed: ${(err as Error).message}`);
      }
    };
    if (!existsSync(path.join(options.dataDir, `.schema-${database}`))) {
      await step('create-database', ['create-database']);
      await step('setup-schema', ['setup-schema', '-v', '0.0']);
      writeFileSync(path.join(options.dataDir, `.schema-${database}`), '');
    }
    await step('update-schema', ['update-schema', '--schema-name', schemaName]);
  }
  const schemaMs = Date.now() - schemaStarted;

  const ports = {
    frontend: options.port || (await freePort()),
    frontendHttp: await freePort(),
    frontendMembership: await membershipPort(),
    history: await freePort(),
    historyMembership: await membershipPort(),
    matching: await freePort(),
    matchingMembership: await membershipPort(),
    worker: await freePort(),
    workerMembership: await membershipPort(),
    metrics: await freePort(),
  };
  const configDir = path.join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfigPath = path.join(configDir, 'dynamic.yaml');
  writeFileSync(dynamicConfigPath, dynamicConfigYaml(options.dynamicConfig ?? {}));
  writeFileSync(path.join(configDir, 'production.yaml'), serverConfigYaml(postgres, ports, dynamicConfigPath));
  const logPath = path.join(options.dataDir, 'temporal-server.log');
  const address = `127.0.0.1:${ports.frontend}`;
  const serverEnv = { ...process.env, TEMPORAL_SQL_PASSWORD: postgres.password };

  let child: ChildProcess;
  let exited: Promise<void>;
  const spawnServer = async (): Promise<number> => {
    const started = Date.now();
    const fd = openSync(logPath, 'a');
    child = spawn(binaries.server, ['--root', options.dataDir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'], {
      env: serverEnv,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitReady(child, address, namespace, options.readyTimeoutMs ?? 90_000, logPath);
    return Date.now() - started;
  };
  const startMs = await spawnServer();
  log(`Temporal server ${binaries.server} ready on ${address} in ${startMs} ms (PostgreSQL 127.0.0.1:${postgres.port}, schema ${schemaMs} ms)`);

  const server: TemporalServer = {
    address,
    namespace,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    get pid() {
      return child.pid ?? -1;
    },
    logPath,
    binaries,
    schemaMs,
    startMs,
    async restart(how = 'SIGKILL') {
      await stopProcess(child, exited, { signal: how, killAfterMs: 15_000 });
      await spawnServer();
    },
    stop: () => stopProcess(child, exited, { killAfterMs: 15_000 }),
  };
  return server;
}

async function waitReady(child: ChildProcess, address: string, namespace: string, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal-server exited (${child.exitCode ?? child.signalCode}) before answering; see ${logPath}`);
    }
    if (Date.now() > deadline) {
      await stopProcess(child, new Promise((r) => child.once('exit', r)), { signal: 'SIGKILL' });
      throw new Error(`temporal-server did not answer on ${address} within ${timeoutMs} ms (${String(lastError)}); see ${logPath}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await ensureNamespace(connection, namespace);
        await ensureSearchAttributes(connection, namespace);
        // The namespace answers a list call once every service knows it.
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      } finally {
        await connection.close();
      }
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Registers `namespace` (one day of retention) unless it exists: a plain server, unlike the dev server, has none. */
async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if ((err as { code?: number }).code !== 5) throw err; // gRPC NOT_FOUND
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e; // ALREADY_EXISTS: registered by a concurrent attempt
    }
    throw new Error(`namespace ${namespace} registered; waiting for the services to see it`);
  }
}

/**
 * A free port for ringpop membership below 32768: the server stores membership ports in a PostgreSQL `smallint`
 * (cluster_membership.rpc_port), and the kernel's ephemeral ports (what port 0 hands out) are above that.
 */
async function membershipPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isPortFree('127.0.0.1', candidate)) return candidate;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1 for Temporal membership');
}

function dynamicConfigYaml(values: Record<string, unknown>): string {
  const lines = Object.entries(values).map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n    constraints: {}`);
  return lines.length ? `${lines.join('\n')}\n` : '{}\n';
}

function serverConfigYaml(postgres: Postgres, ports: Record<string, number>, dynamicConfigPath: string): string {
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${postgres.port}"
        connectProtocol: "tcp"
        user: "${postgres.user}"
        password: {{ env "TEMPORAL_SQL_PASSWORD" | quote }}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# enable-template
# Generated by mesos-runbooks (src/temporal/server.ts): Temporal on PostgreSQL, loopback only.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${datastore('temporal', 20)}
    postgres-visibility:
${datastore('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"
services:
  frontend:
${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfigPath}"
  pollInterval: "10s"
`;
}
