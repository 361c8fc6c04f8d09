/**
 * Containers of one agent that run real local processes: executor containers of tasks (no process; they are
 * parents), standalone and nested containers launched through the agent API, and DEBUG session containers.
 * Exit statuses are raw wait statuses as Mesos reports them (`exit 1` → 256, SIGKILL → 9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
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
  sandbox: string;
  child?: ChildProcess;
  state: 'RUNNING' | 'TERMINATED';
  /** Raw wait status. */
  exitStatus?: number;
  killed: boolean;
  startedAt: number;
  waiters: ((c: Container) => void)[];
  outputListeners: Set<OutputListener>;
  endListeners: Set<() => void>;
  inputAttached: boolean;
  files: WriteStream[];
}

/** Launch parameters (from the call's CommandInfo). */
export interface LaunchSpec {
  id: ContainerId;
  kind: 'standalone' | 'nested' | 'debug';
  command?: { shell?: boolean; value?: string; arguments?: string[]; environment?: { variables?: { name: string; value?: string }[] } };
}

/** A container that has just started: running, nobody waiting or listening yet. */
function newContainer(c: Pick<Container, 'id' | 'key' | 'kind' | 'frameworkId' | 'executorId' | 'sandbox' | 'child' | 'files'>): Container {
  return { ...c, state: 'RUNNING', killed: false, startedAt: Date.now(), waiters: [], outputListeners: new Set(), endListeners: new Set(), inputAttached: false };
}

/** The containerizer of one agent. */
export class Containers {
  readonly byKey = new Map<string, Container>();

  constructor(private readonly sandboxRoot: string) {}

  /** Registers an executor container (a task's), a parent for nested containers; no process. */
  addExecutor(id: string, frameworkId: string, executorId: string, sandbox: string): Container {
    const existing = this.byKey.get(id);
    if (existing) return existing;
    const c = newContainer({ id: { value: id }, key: id, kind: 'executor', frameworkId, executorId, sandbox, files: [] });
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
    const child = shell
      ? spawn('/bin/sh', ['-c', value], { cwd: sandbox, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
      : spawn(value, spec.command?.arguments?.slice(1) ?? [], { cwd: sandbox, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
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
    });
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (d: Buffer) => {
      out.write(d);
      for (const l of c.outputListeners) l('STDOUT', d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      err.write(d);
      for (const l of c.outputListeners) l('STDERR', d);
    });
    let exited = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exited) return;
      exited = true;
      c.state = 'TERMINATED';
      c.exitStatus = signal ? signalNumber(signal) : (code ?? 0) << 8;
      out.end();
      err.end();
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

  /** WAIT_CONTAINER: resolves when the container terminates. @throws ApiError 404 when unknown. */
  wait(id: ContainerId): Promise<Container> {
    const c = this.get(id);
    if (!c) throw new ApiError(404, `Container ${containerKey(id)} cannot be found`);
    if (c.state === 'TERMINATED') return Promise.resolve(c);
    return new Promise((resolve) => c.waiters.push(resolve));
  }

  /** KILL_CONTAINER. @throws ApiError 404 when unknown or already killed. */
  kill(id: ContainerId, signal = 9): void {
    const c = this.get(id);
    if (!c || c.killed || c.state === 'TERMINATED' || !c.child) throw new ApiError(404, `Container '${containerKey(id)}' cannot be found (or is already killed)`);
    c.killed = true;
    killTree(c.child, signal);
  }

  /** REMOVE_CONTAINER. @throws ApiError 500 'Nested container has not terminated yet' / 'Unknown root container'. */
  remove(id: ContainerId): void {
    if (!this.root(id)) throw new ApiError(500, 'Unknown root container');
    const c = this.get(id);
    if (!c) return;
    if (c.state !== 'TERMINATED') throw new ApiError(500, 'Nested container has not terminated yet');
    this.byKey.delete(c.key);
  }

  /** Destroys a container (session end): kill and forget. */
  destroy(c: Container): void {
    if (c.child && c.state === 'RUNNING') killTree(c.child, 9);
    this.byKey.delete(c.key);
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

function signalNumber(signal: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12, SIGPIPE: 13 };
  return map[signal] ?? 9;
}
