import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalBinary, type ResolvedTemporalBinary } from './cli-binary';
import { freePort, isPortFree } from './free-port';
import { searchAttributeCliTypes } from './search-attributes';
import { stopProcess } from './process';
import { ensureSearchAttributes } from './register';

export interface DevServerOptions {
  /** Folder for the SQLite file and the server log; state in it survives a restart. */
  dataDir: string;
  /** SQLite file name inside dataDir (default `temporal.db`). */
  dbFile?: string;
  /** Frontend gRPC port; 0 or unset = a free one. */
  port?: number;
  /** Web UI port; 0 or unset = a free one. Ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  ip?: string;
  /** How long to wait for the server to answer (default 60 s: the first start creates the database). */
  readyTimeoutMs?: number;
  binary?: ResolvedTemporalBinary;
  log?: (line: string) => void;
  /**
   * Server dynamic config, passed as `--dynamic-config-value KEY=JSON`, e.g.
   * `{ 'limit.historyCount.suggestContinueAsNew': 40 }` to have long-lived workflows continue as new sooner.
   */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** The codec server the Web UI calls to show encrypted payloads (`--ui-codec-endpoint`; see src/temporal/codec-server.ts). */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  /** `host:port` of the frontend, for `Connection.connect({ address })`. */
  address: string;
  namespace: string;
  /** The Web UI base URL, or undefined when headless. */
  uiUrl?: string;
  binary: ResolvedTemporalBinary;
  pid: number;
  dbPath: string;
  logPath: string;
  /** Milliseconds from spawn to a server that answers with its search attributes registered. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with its state in `dataDir`, waits until it answers, registers the project's
 * search attributes in the namespace, and returns a handle whose `stop()` ends it cleanly (SIGTERM, then SIGKILL
 * after 10 s).
 *
 * Throws when no binary can be found or built, when the process exits early (the message quotes the end of its
 * log), or when it does not answer within `readyTimeoutMs`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binary = options.binary ?? (await resolveTemporalBinary({ log }));
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port || (await freePort(ip));
  const uiPort = options.headless ? undefined : options.uiPort || (await freePort(ip));
  // The server does not always exit on a taken port, and a readiness probe would then reach the other server.
  for (const [what, p] of [['frontend', port], ['Web UI', uiPort]] as const) {
    if (p !== undefined && !(await isPortFree(ip, p))) {
      throw new Error(`Temporal ${what} port ${ip}:${p} is already in use (another Temporal server?); choose another port`);
    }
  }
  const namespace = options.namespace ?? 'default';
  mkdirSync(options.dataDir, { recursive: true });
  const dbPath = path.join(options.dataDir, options.dbFile ?? 'temporal.db');
  const logPath = path.join(options.dataDir, `${path.basename(dbPath, '.db')}.log`);

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--db-filename', dbPath, '--namespace', namespace, '--log-level', 'warn'];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-ip', ip, '--ui-port', String(uiPort), ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []));
  for (const [name, type] of Object.entries(searchAttributeCliTypes)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const started = Date.now();
  const logFd = openSync(logPath, 'a');
  // A process group of its own: a Ctrl-C in the terminal reaches only us, and we stop the server after the worker
  // has drained (a server that stops first leaves the worker retrying refused connections). Killed with us.
  const child = spawn(binary.path, args, { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  const killWithUs = () => child.kill('SIGKILL');
  process.once('exit', killWithUs);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', killWithUs);
      resolve(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const address = `${ip}:${port}`;
  const deadline = started + (options.readyTimeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`temporal server start-dev exited with code ${exitCode} before answering; see ${logPath}`);
    }
    if (Date.now() > deadline) {
      await stopProcess(child, exited);
      throw new Error(`temporal server start-dev did not answer on ${address} within ${options.readyTimeoutMs ?? 60_000} ms (${String(lastError)}); see ${logPath}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await ensureSearchAttributes(connection, namespace);
      } finally {
        await connection.close();
      }
      break;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const startMs = Date.now() - started;
  log(`Temporal dev server ready on ${address} in ${startMs} ms (namespace ${namespace}, state in ${dbPath})`);
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    binary,
    pid: child.pid ?? -1,
    dbPath,
    logPath,
    startMs,
    stop: () => stopProcess(child, exited),
  };
}

