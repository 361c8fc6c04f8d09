/**
 * One handler per agent call type (include/mesos/v1/agent/agent.proto; src/slave/http.cpp).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentNode } from '../agent/agent-node';
import { containerKey, validateContainerId, type Container, type ContainerId, type LaunchSpec } from '../agent/containers';
import type { ProviderInfo } from '../agent/resource-providers';
import { nanos, stringifyJson } from '../json';
import { ApiError } from '../model/errors';
import { toEndpointFormat } from '../model/resources';
import { isTerminal, type Task } from '../model/types';
import { agentInfoView, drainConfigView, envelope, frameworkInfoView, operationView, taskView } from '../model/views';
import type { ParsedCall } from '../proto/call';
import type { AgentCallType } from '../proto/messages';
import { parseAgentCall } from '../proto/call';
import { encodeRecord, type RecordIoDecoder } from '../recordio';
import type { SimRuntime } from '../runtime';
import { sendEmpty, sendError } from './respond';

/** A handler's answer. */
export type AgentReply = { status: number; json?: string } | { streamed: true };

/** What an agent handler gets. */
export interface AgentContext {
  rt: SimRuntime;
  node: AgentNode;
  call: ParsedCall<AgentCallType>;
  req: IncomingMessage;
  res: ServerResponse;
  streamingAccept: boolean;
}

type Handler = (ctx: AgentContext) => AgentReply | Promise<AgentReply>;

const ok = (type: string, payload: unknown): AgentReply => ({ status: 200, json: envelope(type, stringifyJson(payload)) });
const done: AgentReply = { status: 200 };

function agentTasks(ctx: AgentContext): Task[] {
  const m = ctx.rt.model;
  return m.tasksOf(ctx.node.agent);
}

function executorInfo(ctx: AgentContext, t: Task): Record<string, unknown> {
  return {
    executor_id: { value: t.executorId ?? t.id },
    framework_id: { value: t.frameworkId },
    name: `Command Executor (Task: ${t.id}) (Command: sh -c '${t.command}')`,
    command: { shell: false, value: '/usr/libexec/mesos/mesos-executor', arguments: ['mesos-executor', '--launcher_dir=/usr/libexec/mesos'] },
    resources: [toEndpointFormat({ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, reservations: [] }), toEndpointFormat({ name: 'mem', type: 'SCALAR', scalar: { value: 32 }, reservations: [] })],
    source: t.id,
  };
}

function tasksPayload(ctx: AgentContext): Record<string, unknown> {
  const tasks = agentTasks(ctx);
  const live = tasks.filter((t) => !isTerminal(t.state)).map((t) => taskView(ctx.rt.model, t));
  const terminated = tasks.filter((t) => isTerminal(t.state)).map((t) => taskView(ctx.rt.model, t));
  const completed = ctx.rt.model.completedTasks.filter((t) => t.agentId === ctx.node.agent.id).slice(-1000).map((t) => taskView(ctx.rt.model, t));
  // Hand-written like the master's state handlers (`Http::jsonifyGetTasks`): every list, even when empty.
  return { pending_tasks: [], queued_tasks: [], launched_tasks: live, terminated_tasks: terminated, completed_tasks: completed };
}

function frameworksPayload(ctx: AgentContext): Record<string, unknown> {
  const ids = new Set(agentTasks(ctx).map((t) => t.frameworkId));
  const fws = [...ids].map((id) => ctx.rt.model.frameworks.get(id)).filter((f) => f !== undefined);
  return { frameworks: fws.map((f) => ({ framework_info: frameworkInfoView(f) })), completed_frameworks: [] };
}

function executorsPayload(ctx: AgentContext): Record<string, unknown> {
  const ex = agentTasks(ctx)
    .filter((t) => !isTerminal(t.state))
    .map((t) => ({ executor_info: executorInfo(ctx, t) }));
  return { executors: ex, completed_executors: [] };
}

function containerIdJson(id: ContainerId, withParent: boolean): Record<string, unknown> {
  const v: Record<string, unknown> = { value: id.value };
  if (withParent && id.parent) v.parent = containerIdJson(id.parent, true);
  return v;
}

function ensureExecutorContainers(ctx: AgentContext): void {
  for (const t of agentTasks(ctx)) if (!isTerminal(t.state)) ctx.node.sandboxForTask(t.frameworkId, t.executorId ?? t.id, t.id, t.container?.executorPid);
}

function launchSpec(call: ParsedCall<AgentCallType>, kind: LaunchSpec['kind']): LaunchSpec {
  const b = call.body as {
    container_id: ContainerId;
    command?: LaunchSpec['command'];
    container?: { tty_info?: { window_size?: { rows?: number; columns?: number } } };
  };
  validateContainerId(call.type.toLowerCase(), b.container_id);
  const spec: LaunchSpec = { id: b.container_id, kind };
  if (b.command) spec.command = b.command;
  const tty = b.container?.tty_info;
  if (tty) spec.tty = tty.window_size ? { rows: tty.window_size.rows ?? 0, columns: tty.window_size.columns ?? 0 } : {};
  return spec;
}

function depth(id: ContainerId): number {
  return id.parent ? 1 + depth(id.parent) : 0;
}

function launch(ctx: AgentContext, requireParent: boolean): AgentReply {
  ensureExecutorContainers(ctx);
  const spec = launchSpec(ctx.call, 'nested');
  if (requireParent && !spec.id.parent) throw new ApiError(400, `Expecting '${ctx.call.type.toLowerCase()}.container_id.parent' to be present`);
  const b = ctx.call.body as { resources?: unknown[]; limits?: unknown; container?: { linux_info?: { share_cgroups?: boolean } } };
  const share = b.container?.linux_info?.share_cgroups;
  if (depth(spec.id) >= 2 && ((b.resources?.length ?? 0) > 0 || b.limits !== undefined || share === false)) {
    throw new ApiError(400, 'Resources and limits cannot be set, and cgroups must be shared, for containers nested two or more levels deep');
  }
  if (depth(spec.id) === 0 && share === true) throw new ApiError(400, "Top-level containers cannot set 'share_cgroups' to true");
  if (!spec.id.parent) {
    spec.kind = 'standalone';
    const res = (ctx.call.body.resources as { reservations?: unknown[]; role?: string }[] | undefined) ?? [];
    if (res.some((r) => (r.reservations?.length ?? 0) > 0 || (r.role !== undefined && r.role !== '*'))) {
      throw new ApiError(400, 'Standalone containers must use unreserved, non-persistent, non-revocable resources');
    }
  }
  return { status: ctx.node.containers.launch(spec) === 'exists' ? 202 : 200 };
}

async function wait(ctx: AgentContext, type: 'WAIT_CONTAINER' | 'WAIT_NESTED_CONTAINER'): Promise<AgentReply> {
  const id = ctx.call.body.container_id as ContainerId;
  validateContainerId(type.toLowerCase(), id);
  // Only the wait status: Mesos sets a termination's state and reasons only for a container limitation.
  const t = await ctx.node.containers.wait(id);
  return ok(type, { exit_status: t.exitStatus });
}

function processIoRecord(stream: 'STDOUT' | 'STDERR', data: Buffer): string {
  return stringifyJson({ type: 'DATA', data: { type: stream, data: data.toString('base64') } });
}

/** KILL_CONTAINER / KILL_NESTED_CONTAINER: the signal (default SIGKILL) to the container's process. */
function kill(ctx: AgentContext): AgentReply {
  const b = ctx.call.body as { container_id: ContainerId; signal?: number };
  ctx.node.containers.kill(b.container_id, b.signal ?? 9);
  return done;
}

/** REMOVE_CONTAINER / REMOVE_NESTED_CONTAINER: forgets a terminated container. */
function remove(ctx: AgentContext): AgentReply {
  ctx.node.containers.remove(ctx.call.body.container_id as ContainerId);
  return done;
}

function streamOutput(ctx: AgentContext, c: Container, opts: { destroyOnEnd: boolean }): AgentReply {
  const { res, req } = ctx;
  const headers: Record<string, string> = { 'Transfer-Encoding': 'chunked' };
  if (ctx.streamingAccept) {
    headers['Content-Type'] = 'application/recordio';
    headers['Message-Content-Type'] = 'application/json';
  } else headers['Content-Type'] = 'application/json';
  res.writeHead(200, headers);
  res.flushHeaders();
  const write = (json: string): void => {
    if (!res.writableEnded && !res.destroyed) res.write(encodeRecord(json));
  };
  const listener = (stream: 'STDOUT' | 'STDERR', data: Buffer): void => write(processIoRecord(stream, data));
  const heartbeat = setInterval(() => write(stringifyJson({ type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: nanos(30_000_000_000n) } } })), 30_000);
  heartbeat.unref();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(heartbeat);
    c.outputListeners.delete(listener);
    c.endListeners.delete(onEnd);
    if (opts.destroyOnEnd) ctx.node.containers.destroy(c);
  };
  const onEnd = (): void => {
    // Let the stdout/stderr 'data' events queued before 'close' drain first.
    setImmediate(() => {
      finish();
      if (!res.writableEnded) res.end();
    });
  };
  c.outputListeners.add(listener);
  c.endListeners.add(onEnd);
  if (c.state === 'TERMINATED') onEnd();
  req.on('close', finish);
  res.on('close', finish);
  return { streamed: true };
}

/** Every agent call type → its handler. */
export const AGENT_HANDLERS = {
  UNKNOWN: () => ({ status: 501 }),
  GET_HEALTH: () => ok('GET_HEALTH', { healthy: true }),
  GET_FLAGS: (ctx) => ok('GET_FLAGS', { flags: Object.entries(ctx.node.flags()).map(([name, value]) => ({ name, value })) }),
  GET_VERSION: () => ok('GET_VERSION', { version_info: { version: '1.11.0', build_user: 'mesos-sim', git_sha: 'sim' } }),
  GET_METRICS: (ctx) => {
    const metrics = ctx.node.metrics();
    return ok('GET_METRICS', { metrics: Object.keys(metrics).sort().map((name) => ({ name, value: metrics[name] })) });
  },
  GET_LOGGING_LEVEL: (ctx) => ok('GET_LOGGING_LEVEL', { level: ctx.node.logging.level }),
  SET_LOGGING_LEVEL: (ctx) => {
    const b = ctx.call.body as { level: number; duration: { nanoseconds: bigint } };
    ctx.node.logging.set(b.level, Number(b.duration.nanoseconds) / 1e6);
    return done;
  },
  LIST_FILES: (ctx) => ok('LIST_FILES', { file_infos: ctx.node.files.list(String(ctx.call.body.path)) }),
  READ_FILE: (ctx) => {
    const b = ctx.call.body as { path: string; offset: bigint; length?: bigint };
    return ok('READ_FILE', ctx.node.files.read(b.path, Number(b.offset), b.length === undefined ? undefined : Number(b.length)));
  },
  GET_STATE: (ctx) => ok('GET_STATE', { get_tasks: tasksPayload(ctx), get_executors: executorsPayload(ctx), get_frameworks: frameworksPayload(ctx) }),
  GET_CONTAINERS: (ctx) => {
    ensureExecutorContainers(ctx);
    const b = ctx.call.body as { show_nested?: boolean; show_standalone?: boolean };
    const list = [...ctx.node.containers.byKey.values()]
      .filter((c) => c.kind === 'executor' || (c.kind === 'nested' && b.show_nested) || (c.kind === 'debug' && b.show_nested) || (c.kind === 'standalone' && b.show_standalone))
      .map((c) => {
        const v: Record<string, unknown> = {};
        if (c.kind === 'executor') {
          v.framework_id = { value: c.frameworkId };
          v.executor_id = { value: c.executorId };
          v.executor_name = `Command Executor (Task: ${c.executorId ?? ''})`;
        }
        v.container_id = containerIdJson(c.id, false);
        const pid = c.child?.pid ?? c.executorPid;
        v.container_status = { ...(pid !== undefined ? { executor_pid: pid } : {}), container_id: containerIdJson(c.id, true) };
        return v;
      });
    return ok('GET_CONTAINERS', list.length > 0 ? { containers: list } : {});
  },
  GET_FRAMEWORKS: (ctx) => ok('GET_FRAMEWORKS', frameworksPayload(ctx)),
  GET_EXECUTORS: (ctx) => ok('GET_EXECUTORS', executorsPayload(ctx)),
  GET_OPERATIONS: (ctx) => {
    const ops = ctx.rt.model.operations.filter((o) => o.agentId === ctx.node.agent.id).map(operationView);
    return ok('GET_OPERATIONS', ops.length > 0 ? { operations: ops } : {});
  },
  GET_TASKS: (ctx) => ok('GET_TASKS', tasksPayload(ctx)),
  GET_AGENT: (ctx) => {
    const a = ctx.node.agent;
    const p: Record<string, unknown> = { agent_info: agentInfoView(a) };
    if (a.drain?.state === 'DRAINING' && a.status === 'registered') {
      p.drain_config = drainConfigView(a.drain);
      // `Seconds(estimatedDrainStartTime->secs())`: whole seconds, as the master shows it.
      if (a.estimatedDrainStartNs !== undefined) p.estimated_drain_start_time = nanos((a.estimatedDrainStartNs / 1_000_000_000n) * 1_000_000_000n);
    }
    return ok('GET_AGENT', p);
  },
  GET_RESOURCE_PROVIDERS: (ctx) => {
    const list = ctx.node.providers.list();
    return ok('GET_RESOURCE_PROVIDERS', list.length > 0 ? { resource_providers: list } : {});
  },
  LAUNCH_NESTED_CONTAINER: (ctx) => launch(ctx, true),
  WAIT_NESTED_CONTAINER: (ctx) => wait(ctx, 'WAIT_NESTED_CONTAINER'),
  KILL_NESTED_CONTAINER: kill,
  REMOVE_NESTED_CONTAINER: remove,
  LAUNCH_NESTED_CONTAINER_SESSION: (ctx) => {
    ensureExecutorContainers(ctx);
    const spec = launchSpec(ctx.call, 'debug');
    if (!spec.id.parent) throw new ApiError(400, "Expecting 'launch_nested_container_session.container_id.parent' to be present");
    if (ctx.node.containers.launch(spec) === 'exists') return { status: 202 };
    const c = ctx.node.containers.get(spec.id) as Container;
    return streamOutput(ctx, c, { destroyOnEnd: true });
  },
  ATTACH_CONTAINER_INPUT: () => {
    throw new ApiError(415, "Expecting 'Content-Type' to be application/recordio for ATTACH_CONTAINER_INPUT call");
  },
  ATTACH_CONTAINER_OUTPUT: (ctx) => {
    const id = ctx.call.body.container_id as ContainerId;
    const c = ctx.node.containers.get(id);
    const root = ctx.node.containers.root(id);
    if (!c || root?.kind !== 'executor') throw new ApiError(404, `Container ${containerKey(id)} cannot be found`);
    if (!c.child) throw new ApiError(500, 'I/O switchboard server was disabled for this container');
    return streamOutput(ctx, c, { destroyOnEnd: false });
  },
  LAUNCH_CONTAINER: (ctx) => launch(ctx, false),
  WAIT_CONTAINER: (ctx) => wait(ctx, 'WAIT_CONTAINER'),
  KILL_CONTAINER: kill,
  REMOVE_CONTAINER: remove,
  ADD_RESOURCE_PROVIDER_CONFIG: (ctx) => {
    ctx.node.providers.add(ctx.call.body.info as ProviderInfo);
    return done;
  },
  UPDATE_RESOURCE_PROVIDER_CONFIG: (ctx) => {
    ctx.node.providers.update(ctx.call.body.info as ProviderInfo);
    return done;
  },
  REMOVE_RESOURCE_PROVIDER_CONFIG: (ctx) => {
    ctx.node.providers.remove(String(ctx.call.body.type), String(ctx.call.body.name));
    return done;
  },
  MARK_RESOURCE_PROVIDER_GONE: (ctx) => {
    ctx.node.providers.markGone((ctx.call.body.resource_provider_id as { value: string }).value);
    return done;
  },
  PRUNE_IMAGES: (ctx) => {
    ctx.node.images.prune((ctx.call.body.excluded_images as { type: string; docker?: { name: string } }[] | undefined) ?? []);
    return done;
  },
} satisfies Record<AgentCallType, Handler>;

/**
 * ATTACH_CONTAINER_INPUT: the first record names the container; then PROCESS_IO records feed its stdin; an empty
 * DATA record is EOF. Answers 200 when the input stream ends.
 * @throws ApiError 400 bad first record, 404 unknown container, 409 a second input connection.
 */
export async function attachContainerInput(
  rt: SimRuntime,
  node: AgentNode,
  call: ParsedCall<AgentCallType>,
  req: IncomingMessage,
  res: ServerResponse,
  decoder: RecordIoDecoder,
  pending: Buffer[],
): Promise<void> {
  const first = call.body as { type?: string; container_id?: ContainerId };
  if (first.type !== 'CONTAINER_ID' || !first.container_id) throw new ApiError(400, "Expecting 'attach_container_input.type' to be CONTAINER_ID");
  const c = node.containers.get(first.container_id);
  if (!c) throw new ApiError(404, `Container ${containerKey(first.container_id)} cannot be found`);
  if (c.inputAttached) throw new ApiError(409, 'Multiple input connections are not allowed');
  const audit = rt.audit;
  void audit;
  c.inputAttached = true;
  const stdin = c.child?.stdin;
  let failed: string | undefined;
  const handle = (rec: Buffer): void => {
    const parsed = parseAgentCall(rec.toString('utf8'));
    if (!parsed.ok) {
      failed = parsed.message;
      return;
    }
    const io = (parsed.call.body as {
      process_io?: { type?: string; data?: { type?: string; data?: string }; control?: { type?: string; tty_info?: { window_size?: { rows?: number; columns?: number } } } };
    }).process_io;
    if (io?.type === 'DATA' && io.data?.type === 'STDIN') {
      const bytes = Buffer.from(io.data.data ?? '', 'base64');
      // A zero-length DATA record is EOF only without a terminal (a terminal's EOF is the ^D the client types).
      if (bytes.length === 0) {
        if (!c.tty) stdin?.end();
      } else stdin?.write(bytes);
    } else if (io?.type === 'CONTROL' && io.control?.type === 'TTY_INFO') {
      const size = io.control.tty_info?.window_size;
      if (size) node.containers.resize(c, size.rows ?? 0, size.columns ?? 0);
    }
  };
  try {
    pending.forEach(handle);
    await new Promise<void>((resolve, reject) => {
      req.on('data', (chunk: Buffer) => {
        try {
          decoder.push(chunk).forEach(handle);
        } catch (err) {
          failed = (err as Error).message;
        }
      });
      req.on('end', () => resolve());
      req.on('error', reject);
      req.resume();
    });
  } finally {
    c.inputAttached = false;
  }
  if (failed) return sendError(req, res, 400, failed);
  sendEmpty(req, res, 200);
}
