/**
 * Containers of one agent that run real local processes: executor containers of tasks (no process; they are
 * parents), standalone and nested containers launched through the agent API, and DEBUG session containers.
 * Exit statuses are raw wait statuses as Mesos reports them (`exit 1` → 256, SIGKILL → 9).
 *
 * A terminated container leaves the live set, as it leaves `MesosContainerizerProcess::containers_`; a nested
 * one keeps its termination (Mesos checkpoints it in the runtime dir) until REMOVE_CONTAINER, so WAIT_CONTAINER
 * answers its exit status after the fact. A container launched with `tty_info` runs under a pseudo-terminal:
 * util-linux `script` is the wrapper (see {@link ttyCommand}).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readlinkSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../model/errors';

/** A ContainerID with its parent chain. */
export interface ContainerId {
  value: string;
  parent?: ContainerId;
}

/** The chain key `root.child.grandchild`. */
export function containerKey(id: ContainerId): string {
  return id.parent ? `${containerKey(id.parent)}.${id.value}` : id.value;
}

/** Validates a ContainerID chain like `validateContainerId`. @throws ApiError 400. */
export function validateContainerId(call: string, id: ContainerId): void {
  let cur: ContainerId | undefined = id;
  while (cur) {
    const v = cur.value;
    if (v === '' || v === '.' || v === '..' || v.length > 255 || /[/\\\u0000-\u001f\u007f]/.test(v)) {
      throw new ApiError(400, `'${call}.container_id' is invalid: '${v}' is not a valid ID`);
    }
    cur = cur.parent;
  }
}

/** Output listener: stream and base64-free raw bytes. */
export type OutputListener = (stream: 'STDOUT' | 'STDERR', data: Buffer) => void;

/** One container. */
export interface Container {
  id: ContainerId;
  key: string;
  kind: 'executor' | 'standalone' | 'nested' | 'debug';
  frameworkId?: string;
  executorId?: string;
  /** The executor's pid for an executor container (it has no process of ours). */
  executorPid?: number;
  sandbox: string;
  child?: ChildProcess;
  /** True when the process runs under a pseudo-terminal (`tty_info`): one output stream, no STDERR. */
  tty: boolean;
  state: 'RUNNING' | 'TERMINATED';
  /** Raw wait status. */
  exitStatus?: number;
  killed: boolean;
  /** The signal KILL_CONTAINER sent. */
  killSignal?: number;
  startedAt: number;
  waiters: ((c: Container) => void)[];
  outputListeners: Set<OutputListener>;
  endListeners: Set<() => void>;
  inputAttached: boolean;
  files: WriteStream[];
}

/** Launch parameters (from the call's CommandInfo and ContainerInfo). */
export interface LaunchSpec {
  id: ContainerId;
  kind: 'standalone' | 'nested' | 'debug';
  command?: { shell?: boolean; value?: string; arguments?: string[]; environment?: { variables?: { name: string; value?: string }[] } };
  /** `container.tty_info`: run under a pseudo-terminal of this size (rows × columns; 0 × 0 when unset). */
  tty?: { rows?: number; columns?: number };
}

/** How a terminated container ended, kept until REMOVE_CONTAINER (nested containers only). */
export interface Termination {
  /** Raw wait status. */
  exitStatus: number;
}

/** A container that has just started: running, nobody waiting or listening yet. */
function newContainer(c: Pick<Container, 'id' | 'key' | 'kind' | 'frameworkId' | 'executorId' | 'executorPid' | 'sandbox' | 'child' | 'files' | 'tty'>): Container {
  return { ...c, state: 'RUNNING', killed: false, startedAt: Date.now(), waiters: [], outputListeners: new Set(), endListeners: new Set(), inputAttached: false };
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The command line run under a pseudo-terminal: `script -qfec <cmd> /dev/null` (util-linux, in every Debian
 * image including node:*-slim; a pty needs a native module in Node otherwise). `script` gives its child a new
 * session on a fresh /dev/pts/N, copies its stdin to the terminal and the terminal to its stdout (flushed at
 * once: -f), exits with the child's exit code (-e; 128+N for signal N), and logs nothing (-q, /dev/null).
 */
export function ttyCommand(spec: LaunchSpec): { file: string; args: string[] } {
  const value = spec.command?.value ?? '';
  const cmd = spec.command?.shell === false ? `exec ${[value, ...(spec.command.arguments ?? []).slice(1)].map(quote).join(' ')}` : value;
  const size = spec.tty?.rows !== undefined && spec.tty.columns !== undefined ? `stty rows ${spec.tty.rows} cols ${spec.tty.columns} 2>/dev/null; ` : '';
  return { file: 'script', args: ['-qfec', `${size}${cmd}`, '/dev/null'] };
}

let scriptAvailable: boolean | undefined;
function hasScript(): boolean {
  scriptAvailable ??= spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
  return scriptAvailable;
}

/** The containerizer of one agent. */
export class Containers {
  /** Live containers (`containers_`). */
  readonly byKey = new Map<string, Container>();
  /** Terminations of nested containers that ended and were not removed yet. */
  readonly terminations = new Map<string, Termination>();

  constructor(private readonly sandboxRoot: string) {}

  /** Registers an executor container (a task's), a parent for nested containers; no process. */
  addExecutor(id: string, frameworkId: string, executorId: string, sandbox: string, executorPid?: number): Container {
    const existing = this.byKey.get(id);
    if (existing) return existing;
    const c = newContainer({ id: { value: id }, key: id, kind: 'executor', frameworkId, executorId, sandbox, files: [], tty: false, ...(executorPid !== undefined ? { executorPid } : {}) });
    this.byKey.set(id, c);
    return c;
  }

  /** The root container of a chain. */
  root(id: ContainerId): Container | undefined {
    let cur = id;
    while (cur.parent) cur = cur.parent;
    return this.byKey.get(cur.value);
  }

  /**
   * Launches a container running a real process.
   * @returns 'launched', or 'exists' (202: the ID is already in use).
   * @throws ApiError 400 when the parent does not exist or the command is missing.
   */
  launch(spec: LaunchSpec): 'launched' | 'exists' {
    const key = containerKey(spec.id);
    if (this.byKey.has(key)) return 'exists';
    if (spec.tty && !hasScript()) throw new ApiError(500, "Failed to allocate a pseudo-terminal: util-linux 'script' is not installed");
    let parent: Container | undefined;
    if (spec.id.parent) {
      parent = this.byKey.get(containerKey(spec.id.parent));
      if (!parent || parent.state !== 'RUNNING') throw new ApiError(400, `Parent container ${containerKey(spec.id.parent)} does not exist or has terminated`);
    }
    const value = spec.command?.value;
    if (value === undefined || value === '') throw new ApiError(400, 'The provided ContainerInfo is not supported: a command is required');
    const sandbox = parent ? join(parent.sandbox, 'containers', spec.id.value) : join(this.sandboxRoot, 'containers', spec.id.value);
    mkdirSync(sandbox, { recursive: true });
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', MESOS_SANDBOX: sandbox, MESOS_CONTAINER_ID: spec.id.value };
    for (const v of spec.command?.environment?.variables ?? []) env[v.name] = v.value ?? '';
    const shell = spec.command?.shell !== false;
    const tty = spec.tty !== undefined;
    const opts = { cwd: sandbox, env: tty ? { ...env, SHELL: '/bin/sh', TERM: 'xterm' } : env, stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], detached: true };
    let child: ChildProcess;
    if (tty) {
      const t = ttyCommand(spec);
      child = spawn(t.file, t.args, opts);
    } else child = shell ? spawn('/bin/sh', ['-c', value], opts) : spawn(value, spec.command?.arguments?.slice(1) ?? [], opts);
    this.terminations.delete(key);
    const out = createWriteStream(join(sandbox, 'stdout'));
    const err = createWriteStream(join(sandbox, 'stderr'));
    const c = newContainer({
      id: spec.id,
      key,
      kind: spec.kind,
      ...(parent?.frameworkId !== undefined ? { frameworkId: parent.frameworkId } : {}),
      ...(parent?.executorId !== undefined ? { executorId: parent.executorId } : {}),
      sandbox,
      child,
      files: [out, err],
      tty,
    });
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (d: Buffer) => {
      out.write(d);
      for (const l of c.outputListeners) l('STDOUT', d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      // Under a terminal there is one stream: whatever the wrapper itself writes is terminal output too.
      (tty ? out : err).write(d);
      for (const l of c.outputListeners) l(tty ? 'STDOUT' : 'STDERR', d);
    });
    let exited = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exited) return;
      exited = true;
      c.state = 'TERMINATED';
      c.exitStatus = waitStatus(c, code, signal);
      out.end();
      err.end();
      if (this.byKey.get(key) === c) {
        this.byKey.delete(key);
        if (spec.id.parent) this.terminations.set(key, { exitStatus: c.exitStatus });
      }
      for (const w of c.waiters.splice(0)) w(c);
      for (const l of c.endListeners) l();
    };
    child.on('close', finish);
    child.on('error', () => finish(127, null));
    this.byKey.set(key, c);
    return 'launched';
  }

  /** Finds a container by its chain. */
  get(id: ContainerId): Container | undefined {
    return this.byKey.get(containerKey(id));
  }

  /**
   * WAIT_CONTAINER: resolves with the termination when a live container ends, at once for a nested container that
   * already ended and was not removed.
   * @throws ApiError 404 when unknown, removed, or a terminated top-level container.
   */
  wait(id: ContainerId): Promise<Termination> {
    const key = containerKey(id);
    const c = this.byKey.get(key);
    if (c && c.state === 'RUNNING') return new Promise((resolve) => c.waiters.push((done) => resolve({ exitStatus: done.exitStatus ?? 0 })));
    const t = this.terminations.get(key);
    if (t) return Promise.resolve(t);
    if (c?.kind === 'executor') return new Promise(() => undefined);
    throw new ApiError(404, `Container ${key} cannot be found`);
  }

  /** KILL_CONTAINER. @throws ApiError 404 when unknown, terminated or already killed. */
  kill(id: ContainerId, signal = 9): void {
    const c = this.get(id);
    if (!c || c.killed || c.state === 'TERMINATED' || !c.child) throw new ApiError(404, `Container '${containerKey(id)}' cannot be found (or is already killed)`);
    c.killed = true;
    c.killSignal = signal;
    killTree(c.child, signal);
  }

  /**
   * REMOVE_CONTAINER: forgets a terminated nested container's termination (200 also when there is none, and for
   * a terminated standalone container).
   * @throws ApiError 500 'Nested container has not terminated yet' / 'Unknown root container'.
   */
  remove(id: ContainerId): void {
    if (this.get(id)) throw new ApiError(500, 'Nested container has not terminated yet');
    if (!id.parent) return; // a terminated standalone container left nothing behind
    if (!this.root(id)) throw new ApiError(500, 'Unknown root container');
    this.terminations.delete(containerKey(id));
  }

  /** Destroys a container (session end): its process is killed; its termination stays until REMOVE_CONTAINER. */
  destroy(c: Container): void {
    if (c.child && c.state === 'RUNNING') {
      c.killSignal ??= 9;
      killTree(c.child, 9);
    }
  }

  /**
   * TTY_INFO window size on ATTACH_CONTAINER_INPUT: resizes the container's terminal (`stty -F /dev/pts/N`, which
   * sends SIGWINCH to its foreground process group). Best effort: Linux /proc only.
   */
  resize(c: Container, rows: number, columns: number): void {
    const pid = c.child?.pid;
    if (!c.tty || pid === undefined || c.state !== 'RUNNING') return;
    try {
      const inner = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
      const pts = readlinkSync(`/proc/${inner}/fd/0`);
      if (pts.startsWith('/dev/pts/')) spawn('stty', ['-F', pts, 'rows', String(rows), 'cols', String(columns)], { stdio: 'ignore' }).on('error', () => undefined);
    } catch {
      /* the process is gone, or not Linux */
    }
  }

  /** Kills every process (agent shutdown). */
  killAll(): void {
    for (const c of this.byKey.values()) if (c.child && c.state === 'RUNNING') killTree(c.child, 9);
  }
}

function killTree(child: ChildProcess, signal: number): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The raw wait status Mesos reports: `code << 8` for an exit, the signal number for a signal. A killed container
 * reports the signal KILL_CONTAINER sent (under a terminal the wrapper exits on its own after it); a terminal's
 * wrapper reports a child killed by signal N as exit code 128+N, mapped back to N.
 */
function waitStatus(c: Container, code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return signalNumber(signal);
  if (c.tty && c.killSignal !== undefined) return c.killSignal;
  if (c.tty && code !== null && code > 128 && code < 128 + 65) return code - 128;
  return (code ?? 0) << 8;
}

function signalNumber(signal: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12, SIGPIPE: 13 };
  return map[signal] ?? 9;
}
