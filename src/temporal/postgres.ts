import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isExecutable } from './cli-binary';
import { freePort } from './free-port';
import { stopProcess } from './process';

export interface PostgresOptions {
  /** An empty or absent folder for the cluster's data, its socket and its log; reused (not re-initialised) when it holds one. */
  dataDir: string;
  /** 0 or unset = a free port on loopback. */
  port?: number;
  /** The role Temporal logs in as (created with CREATEDB); default `temporal`. */
  user?: string;
  log?: (line: string) => void;
}

export interface Postgres {
  host: '127.0.0.1';
  port: number;
  user: string;
  /** Generated per data folder; kept in `<dataDir>/.temporal-password` (mode 0600), never logged. */
  password: string;
  dataDir: string;
  logPath: string;
  version: string;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL server binaries from Debian's packages (`apt-get install postgresql`): `PG_BINDIR`, else the newest
 * `/usr/lib/postgresql/<major>/bin`, else `initdb` on PATH. Throws saying how to install them when none is found.
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BINDIR) {
    if (!isExecutable(path.join(env.PG_BINDIR, 'postgres'))) throw new Error(`PG_BINDIR=${env.PG_BINDIR} has no executable 'postgres'.`);
    return env.PG_BINDIR;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const dir = path.join(debian, major, 'bin');
      if (isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'postgres'))) return dir;
    }
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'postgres'))) return dir;
  }
  throw new Error("No PostgreSQL server found: install Debian's package ('apt-get install -y postgresql'), or set PG_BINDIR to the folder holding initdb and postgres.");
}

/** When running as root, PostgreSQL runs as the `postgres` system user (it refuses to run as root). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error("Running as root, but there is no 'postgres' user to run PostgreSQL as (Debian's postgresql package creates it).");
  }
}

/**
 * Starts a PostgreSQL server from Debian's packages on 127.0.0.1 only (its Unix socket in the data folder), creating
 * the cluster with `initdb` on first use: password (SCRAM) authentication over TCP, a role for Temporal with a
 * generated password and CREATEDB. Returns once it accepts connections; `stop()` shuts it down cleanly (fast mode).
 * For tests and local stacks: `fsync=off` survives a crash of PostgreSQL or Temporal, not of the host.
 *
 * Throws when the binaries are missing, `initdb` fails, or the server does not accept connections within 30 s (the
 * message names its log).
 */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bin = postgresBinDir();
  const owner = runAs();
  const user = options.user ?? 'temporal';
  mkdirSync(options.dataDir, { recursive: true });
  const pgdata = path.join(options.dataDir, 'pgdata');
  const socketDir = path.join(options.dataDir, 'socket');
  const logPath = path.join(options.dataDir, 'postgres.log');
  const passwordFile = path.join(options.dataDir, '.temporal-password');
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (owner) chownSync(options.dataDir, owner.uid, owner.gid);

  const fresh = !existsSync(path.join(pgdata, 'PG_VERSION'));
  if (fresh) {
    mkdirSync(socketDir, { recursive: true });
    if (owner) chownSync(socketDir, owner.uid, owner.gid);
    try {
      execFileSync(path.join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C'], {
        ...asOwner,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
      const hint = owner ? ` (PostgreSQL runs as the 'postgres' user: every folder above ${options.dataDir} must be searchable by it, e.g. mode 0755)` : '';
      throw new Error(`initdb failed: ${stderr}${hint}`);
    }
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = options.port || (await freePort());
  const args = ['-D', pgdata, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'];
  const logFd = openSync(logPath, 'a');
  if (owner) chownSync(logPath, owner.uid, owner.gid);
  const child = spawn(path.join(bin, 'postgres'), args, { ...asOwner, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT is PostgreSQL's "fast" shutdown.
  const stopPostgres = () => stopProcess(child, exited, { signal: 'SIGINT', killAfterMs: 15_000 });
  // SQL goes on stdin, so that the generated password is never in a command line or an error message.
  const psql = (sql: string) =>
    execFileSync(path.join(bin, 'psql'), ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qtA'], {
      ...asOwner,
      input: sql,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode} before accepting connections; see ${logPath}`);
    try {
      psql('SELECT 1');
      break;
    } catch {
      if (Date.now() > deadline) {
        await stopPostgres();
        throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within 30 s; see ${logPath}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (fresh) psql(`CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${password}'`);
  const version = psql('SHOW server_version').trim();
  log(`PostgreSQL ${version} ready on 127.0.0.1:${port} (data in ${pgdata})`);
  return { host: '127.0.0.1', port, user, password, dataDir: options.dataDir, logPath, version, stop: stopPostgres };
}

