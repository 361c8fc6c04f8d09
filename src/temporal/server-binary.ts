import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findOnPath, isExecutable, runCommand } from './cli-binary';
import { cacheDir } from './paths';

/**
 * The Temporal server the CLI v1.5.1 embeds (temporal.md), built from Temporal's own Go module, with its SQL schema
 * tool from the same module. The tool carries the schema files of that version (`schema/postgresql/v12/...`, embedded
 * with go:embed), so the database and the server can never disagree on the schema version.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const PACKAGES = { server: `${TEMPORAL_SERVER_MODULE}/cmd/server`, sqlTool: `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql` } as const;

export interface TemporalServerBinaries {
  /** `temporal-server` (`go.temporal.io/server/cmd/server`). */
  server: string;
  /** `temporal-sql-tool` (`go.temporal.io/server/cmd/tools/sql`). */
  sqlTool: string;
  source: 'env' | 'cache' | 'go-build';
  /** Milliseconds the build took, when this call built them. */
  buildMs?: number;
}

export interface ResolveServerOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Build when nothing is found (default true). */
  build?: boolean;
}

/** Where the built binaries are cached (the CLI's cache folder; the version is in the names, so an upgrade rebuilds). */
export function cachedServerBinaries(env: NodeJS.ProcessEnv = process.env): { server: string; sqlTool: string } {
  const bin = path.join(cacheDir(env), 'bin');
  return { server: path.join(bin, `temporal-server-${TEMPORAL_SERVER_VERSION}`), sqlTool: path.join(bin, `temporal-sql-tool-${TEMPORAL_SERVER_VERSION}`) };
}

/**
 * Finds the Temporal server and its SQL tool, or builds both, never downloading from a web site. Order:
 * 1. `TEMPORAL_SERVER_BIN` and `TEMPORAL_SQL_TOOL` (paths; both or neither);
 * 2. the cached build in {@link cacheDir}/bin (`temporal-server-v1.29.1`, `temporal-sql-tool-v1.29.1`);
 * 3. `CGO_ENABLED=0 go install go.temporal.io/server/cmd/server@v1.29.1 go.temporal.io/server/cmd/tools/sql@v1.29.1`
 *    into that folder.
 *
 * Throws when only one of the two variables is set, when one names a file that is not executable, when Go is
 * missing, and when the build fails (the message quotes the end of Go's output).
 */
export async function resolveServerBinaries(options: ResolveServerOptions = {}): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (env.TEMPORAL_SERVER_BIN || env.TEMPORAL_SQL_TOOL) {
    if (!env.TEMPORAL_SERVER_BIN || !env.TEMPORAL_SQL_TOOL) {
      throw new Error('TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL go together: set both (a temporal-server and a temporal-sql-tool of the same version) or neither.');
    }
    for (const name of ['TEMPORAL_SERVER_BIN', 'TEMPORAL_SQL_TOOL'] as const) {
      if (!isExecutable(path.resolve(env[name]!))) throw new Error(`${name}=${env[name]} is not an executable file.`);
    }
    return { server: path.resolve(env.TEMPORAL_SERVER_BIN), sqlTool: path.resolve(env.TEMPORAL_SQL_TOOL), source: 'env' };
  }
  const cached = cachedServerBinaries(env);
  if (isExecutable(cached.server) && isExecutable(cached.sqlTool)) return { ...cached, source: 'cache' };
  if (options.build === false) throw new Error(`No Temporal server build found: ${cached.server} or ${cached.sqlTool} is missing.`);

  const go = findOnPath('go', env.PATH ?? '');
  if (!go) {
    throw new Error(`Cannot build the Temporal server ${TEMPORAL_SERVER_VERSION}: 'go' is not on PATH. Install Go >= 1.25, or set TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL.`);
  }
  const binDir = path.dirname(cached.server);
  mkdirSync(binDir, { recursive: true });
  // go install names them `server` and `sql`: build into a scratch folder, then move them into place.
  const scratch = mkdtempSync(path.join(binDir, '.build-'));
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool from ${TEMPORAL_SERVER_MODULE} into ${binDir} (once per machine)...`);
  const started = Date.now();
  try {
    await runCommand(go, ['install', `${PACKAGES.server}@${TEMPORAL_SERVER_VERSION}`, `${PACKAGES.sqlTool}@${TEMPORAL_SERVER_VERSION}`], {
      ...env,
      CGO_ENABLED: '0',
      GOBIN: scratch,
      GOFLAGS: [env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' '),
    });
    renameSync(path.join(scratch, 'sql'), cached.sqlTool);
    renameSync(path.join(scratch, 'server'), cached.server);
  } catch (err) {
    throw new Error(`go install ${PACKAGES.server}@${TEMPORAL_SERVER_VERSION} failed: ${(err as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const buildMs = Date.now() - started;
  log(`built the Temporal server in ${Math.round(buildMs / 1000)} s`);
  return { ...cached, source: 'go-build', buildMs };
}
