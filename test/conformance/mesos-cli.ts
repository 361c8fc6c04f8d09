/**
 * Mesos's own Python CLI (PyPI `avmesos-cli`, pinned with everything it pulls in by python/requirements.txt) in a
 * virtual environment under `.cache/`, made once per requirements file, and a runner for its commands.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REQUIREMENTS = join(__dirname, 'python', 'requirements.txt');

/** The CLI's interpreter and how long making its environment took. */
export interface MesosCli {
  python: string;
  venv: string;
  /** `created`: installed now; `cached`: the environment was already there. */
  mode: 'created' | 'cached';
  ms: number;
}

/** Interpreters to try: `MESOS_CLI_PYTHON`, then PATH, then pyenv's installed versions (newest first). */
function candidates(): string[] {
  const out = process.env.MESOS_CLI_PYTHON ? [process.env.MESOS_CLI_PYTHON] : [];
  out.push('python3.13', 'python3.12', 'python3');
  const pyenv = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const versions = existsSync(join(pyenv, 'versions')) ? readdirSync(join(pyenv, 'versions')) : [];
  for (const v of versions.filter((x) => /^3\.\d+\.\d+$/.test(x)).sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))) {
    out.push(join(pyenv, 'versions', v, 'bin', 'python3'));
  }
  return out;
}

/** The first interpreter avmesos-cli supports (it requires Python >= 3.12). */
function findPython(): string {
  const tried: string[] = [];
  for (const candidate of candidates()) {
    const r = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 12))'], { encoding: 'utf8' });
    tried.push(`${candidate}: ${r.error || r.status !== 0 ? 'not runnable' : r.stdout.trim() === 'True' ? 'ok' : 'older than 3.12'}`);
    if (!r.error && r.status === 0 && r.stdout.trim() === 'True') return candidate;
  }
  throw new Error(`avmesos-cli needs Python >= 3.12 and none was found on PATH (${tried.join('; ')})`);
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/**
 * The CLI's virtual environment, made when missing: `python -m venv`, then `pip install --no-deps` of the pinned
 * requirements from PyPI.
 * @throws Error naming what is missing (Python >= 3.12) or pip's output when the install fails.
 */
export async function ensureMesosCli(): Promise<MesosCli> {
  const started = Date.now();
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12);
  const venv = join(ROOT, '.cache', `mesos-cli-venv-${hash}`);
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, '.installed');
  if (existsSync(marker)) return { python, venv, mode: 'cached', ms: Date.now() - started };
  rmSync(venv, { recursive: true, force: true });
  await run(findPython(), ['-m', 'venv', venv]);
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '--no-deps', '-r', REQUIREMENTS]);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return { python, venv, mode: 'created', ms: Date.now() - started };
}

/** One CLI run: exit code and output. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mesos-cli <args...>` with the given config file. `tty` runs it under a pseudo-terminal (util-linux `script`). */
export function mesosCli(cli: MesosCli, config: string, args: string[], opts: { tty?: boolean } = {}): Promise<CliRun> {
  const argv = [cli.python, '-m', 'avmesos.cli.mesos-cli', ...args];
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const [file, fileArgs] = opts.tty ? ['script', ['-qec', argv.map(quote).join(' '), '/dev/null']] : [argv[0] as string, argv.slice(1)];
  return new Promise((resolve) => {
    execFile(file, fileArgs, { env: { ...process.env, MESOS_CLI_CONFIG: config }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
