/**
 * The typed client of an agent's Operator API: one method per agent call, including the streaming container
 * sessions. Agents never redirect; every non-2xx answer is a {@link MesosError}.
 */
import type { z } from 'zod';
import { Caller, type CallOptions, type Outgoing } from './caller';
import * as calls from './calls/agent';
import type { ContainerIdInput } from './schemas/common';
import { JSON_CODEC, type Codec } from './codec';
import { normalizeBase } from './leader';
import { AgentClientOptionsSchema, checkOptions, DEFAULT_TIMEOUT_MS, type AgentClientOptions } from './options';
import { MesosError, safeUrl } from './errors';
import { encodeRecord } from './recordio';
import { AGENT_CALLS } from './response-kinds';
import type { Agent } from './schemas/master';
import { Transport, type HttpResponse } from './transport';

type Out<K extends keyof typeof AGENT_CALLS> = (typeof AGENT_CALLS)[K] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : never;

/** A decoded chunk of a container's output. */
export interface OutputChunk {
  stream: 'STDOUT' | 'STDERR';
  data: Buffer;
}

/** Options of {@link AgentClient.attachContainerInput}. */
export interface AttachContainerInputOptions {
  containerId: ContainerIdInput;
  /** Bytes for the container's stdin; an empty DATA record (EOF) is sent when it ends. */
  input: AsyncIterable<Uint8Array | string>;
  signal?: AbortSignal;
}

const DEFAULT_AGENT_PORT = 5051;

/**
 * The base URL of an agent from its GET_AGENTS entry: the pid `slave(1)@host:port` when present, otherwise
 * `agent_info.hostname` and `agent_info.port` (default 5051).
 *
 * @throws TypeError when neither is usable.
 */
export function agentUrlFromEntry(entry: Pick<Agent, 'pid' | 'agent_info'>, scheme = 'http'): string {
  const m = entry.pid ? /@([^@:]+|\[[^\]]+\]):(\d+)$/.exec(entry.pid) : null;
  if (m) return `${scheme}://${m[1]}:${m[2]}`;
  const host = entry.agent_info.hostname;
  if (!host) throw new TypeError('agent entry has neither a pid nor a hostname');
  return `${scheme}://${host}:${entry.agent_info.port ?? DEFAULT_AGENT_PORT}`;
}

/** A client of one agent. {@link close} it when done. */
export class AgentClient {
  private readonly transport: Transport;
  private readonly caller: Caller;
  private readonly codec: Codec = JSON_CODEC;
  /** The agent's base URL. */
  readonly url: string;

  /**
   * @throws TypeError when an option is invalid (e.g. `url` is not an http(s) URL).
   */
  constructor(opts: AgentClientOptions) {
    checkOptions(AgentClientOptionsSchema, opts, 'AgentClientOptions');
    this.url = normalizeBase(opts.url);
    this.transport = new Transport({
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    this.caller = new Caller(this.transport, this.codec, (out) => this.send(out), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.observer);
  }

  private async send(out: Outgoing): Promise<HttpResponse> {
    const res = await this.transport.send({ ...out, url: `${this.url}/api/v1`, withCredentials: true });
    if (res.status === 200 || res.status === 202) return res;
    throw await this.transport.failure(res, false);
  }

  getHealth(opts?: CallOptions): Promise<Out<'GET_HEALTH'>> {
    return this.caller.json(calls.getHealth(), AGENT_CALLS.GET_HEALTH.schema, opts);
  }
  getFlags(opts?: CallOptions): Promise<Out<'GET_FLAGS'>> {
    return this.caller.json(calls.getFlags(), AGENT_CALLS.GET_FLAGS.schema, opts);
  }
  getVersion(opts?: CallOptions): Promise<Out<'GET_VERSION'>> {
    return this.caller.json(calls.getVersion(), AGENT_CALLS.GET_VERSION.schema, opts);
  }
  getMetrics(opts?: calls.GetMetricsOptionsWithCall): Promise<Out<'GET_METRICS'>> {
    return this.caller.json(calls.getMetrics(opts), AGENT_CALLS.GET_METRICS.schema, opts);
  }
  getLoggingLevel(opts?: CallOptions): Promise<Out<'GET_LOGGING_LEVEL'>> {
    return this.caller.json(calls.getLoggingLevel(), AGENT_CALLS.GET_LOGGING_LEVEL.schema, opts);
  }
  setLoggingLevel(args: calls.SetLoggingLevelOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.setLoggingLevel(args), opts);
  }
  /** LIST_FILES of a virtual path (`/slave/log`, `/frameworks/<fid>/executors/<eid>/runs/latest`). */
  listFiles(args: { path: string }, opts?: CallOptions): Promise<Out<'LIST_FILES'>> {
    return this.caller.json(calls.listFiles(args), AGENT_CALLS.LIST_FILES.schema, opts);
  }
  readFile(args: calls.ReadFileOptions, opts?: CallOptions): Promise<Out<'READ_FILE'>> {
    return this.caller.json(calls.readFile(args), AGENT_CALLS.READ_FILE.schema, opts);
  }
  getState(opts?: CallOptions): Promise<Out<'GET_STATE'>> {
    return this.caller.json(calls.getState(), AGENT_CALLS.GET_STATE.schema, opts);
  }
  getContainers(args: Parameters<typeof calls.getContainers>[0] = {}, opts?: CallOptions): Promise<Out<'GET_CONTAINERS'>> {
    return this.caller.json(calls.getContainers(args), AGENT_CALLS.GET_CONTAINERS.schema, opts);
  }
  getFrameworks(opts?: CallOptions): Promise<Out<'GET_FRAMEWORKS'>> {
    return this.caller.json(calls.getFrameworks(), AGENT_CALLS.GET_FRAMEWORKS.schema, opts);
  }
  getExecutors(opts?: CallOptions): Promise<Out<'GET_EXECUTORS'>> {
    return this.caller.json(calls.getExecutors(), AGENT_CALLS.GET_EXECUTORS.schema, opts);
  }
  getOperations(opts?: CallOptions): Promise<Out<'GET_OPERATIONS'>> {
    return this.caller.json(calls.getOperations(), AGENT_CALLS.GET_OPERATIONS.schema, opts);
  }
  getTasks(opts?: CallOptions): Promise<Out<'GET_TASKS'>> {
    return this.caller.json(calls.getTasks(), AGENT_CALLS.GET_TASKS.schema, opts);
  }
  /** GET_AGENT: the agent's own view, including its drain config. */
  getAgent(opts?: CallOptions): Promise<Out<'GET_AGENT'>> {
    return this.caller.json(calls.getAgent(), AGENT_CALLS.GET_AGENT.schema, opts);
  }
  getResourceProviders(opts?: CallOptions): Promise<Out<'GET_RESOURCE_PROVIDERS'>> {
    return this.caller.json(calls.getResourceProviders(), AGENT_CALLS.GET_RESOURCE_PROVIDERS.schema, opts);
  }
  launchNestedContainer(args: calls.LaunchNestedContainerOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.launchNestedContainer(args), opts);
  }
  /** WAIT_NESTED_CONTAINER: a long poll without timeout; 404 for an unknown container. */
  waitNestedContainer(args: { containerId: ContainerIdInput }, opts?: CallOptions): Promise<Out<'WAIT_NESTED_CONTAINER'>> {
    return this.caller.json(calls.waitNestedContainer(args), AGENT_CALLS.WAIT_NESTED_CONTAINER.schema, { ...opts, longPoll: true });
  }
  killNestedContainer(args: Parameters<typeof calls.killNestedContainer>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.killNestedContainer(args), opts);
  }
  removeNestedContainer(args: { containerId: ContainerIdInput }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.removeNestedContainer(args), opts);
  }
  /** LAUNCH_CONTAINER: 200 when launched, 202 when it already exists (idempotent). */
  launchContainer(args: calls.LaunchContainerOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.launchContainer(args), opts);
  }
  /** WAIT_CONTAINER: a long poll without timeout; 404 for an unknown container. */
  waitContainer(args: { containerId: ContainerIdInput }, opts?: CallOptions): Promise<Out<'WAIT_CONTAINER'>> {
    return this.caller.json(calls.waitContainer(args), AGENT_CALLS.WAIT_CONTAINER.schema, { ...opts, longPoll: true });
  }
  killContainer(args: Parameters<typeof calls.killContainer>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.killContainer(args), opts);
  }
  removeContainer(args: { containerId: ContainerIdInput }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.removeContainer(args), opts);
  }
  addResourceProviderConfig(args: { info: calls.JsonObject }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.addResourceProviderConfig(args), opts);
  }
  updateResourceProviderConfig(args: { info: calls.JsonObject }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.updateResourceProviderConfig(args), opts);
  }
  removeResourceProviderConfig(args: { type: string; name: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.removeResourceProviderConfig(args), opts);
  }
  markResourceProviderGone(args: { resourceProviderId: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.markResourceProviderGone(args), opts);
  }
  pruneImages(args: Parameters<typeof calls.pruneImages>[0] = {}, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.pruneImages(args), opts);
  }

  /**
   * LAUNCH_NESTED_CONTAINER_SESSION: launches a DEBUG container and yields its decoded output. Ending the
   * iteration (break, or `signal`) closes the connection, which makes the agent destroy the container.
   *
   * @throws MesosError for a failed launch (400/403/500; 202 when the id already exists is reported as
   * MESOS_CONFLICT since no output follows), DECODE for a bad record, CONNECTION when the stream breaks.
   */
  launchNestedContainerSession(args: calls.LaunchNestedContainerOptions & { signal?: AbortSignal }): AsyncGenerator<OutputChunk, void, undefined> {
    return this.outputStream(calls.launchNestedContainerSession(args), args.signal);
  }

  /**
   * ATTACH_CONTAINER_OUTPUT: yields the decoded output of a running container (STDOUT/STDERR chunks; control
   * records such as heartbeats are skipped).
   */
  attachContainerOutput(args: { containerId: ContainerIdInput; signal?: AbortSignal }): AsyncGenerator<OutputChunk, void, undefined> {
    return this.outputStream(calls.attachContainerOutput(args), args.signal);
  }

  private async *outputStream(
    call: { type: 'LAUNCH_NESTED_CONTAINER_SESSION' | 'ATTACH_CONTAINER_OUTPUT' },
    signal: AbortSignal | undefined,
  ): AsyncGenerator<OutputChunk, void, undefined> {
    const spec = AGENT_CALLS[call.type];
    const res = await this.caller.openStream({
      callType: call.type,
      body: this.codec.encode(call),
      // Exactly recordio (an Accept that also allows JSON gets JSON); Message-Accept picks each record's encoding.
      headers: { 'Content-Type': this.codec.contentType, Accept: 'application/recordio', 'Message-Accept': this.codec.accept },
      read: spec.read,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 202) {
      // LAUNCH_NESTED_CONTAINER_SESSION answers 202 when the container id already exists: no session follows.
      await this.transport.discard(res);
      throw new MesosError({
        code: 'MESOS_CONFLICT',
        callType: call.type,
        status: 202,
        statusText: 'Accepted',
        url: safeUrl(res.url),
        detail: 'a container with this id already exists; no output stream follows',
      });
    }
    for await (const io of this.caller.records(res, spec.schema)) {
      if (io.type !== 'DATA' || !io.data) continue;
      const stream = io.data.type === 'STDERR' ? 'STDERR' : 'STDOUT';
      yield { stream, data: Buffer.from(io.data.data, 'base64') };
    }
  }

  /**
   * ATTACH_CONTAINER_INPUT: streams `input` to the container's stdin as a RecordIO request
   * (`Content-Type: application/recordio`, `Message-Content-Type: application/json`), then an EOF record. Resolves
   * when the agent answers after the input ended.
   *
   * @throws MesosError MESOS_CONFLICT for a second concurrent input connection, MESOS_NOT_FOUND for an unknown
   * container, CONNECTION when the connection breaks.
   */
  async attachContainerInput(args: AttachContainerInputOptions): Promise<void> {
    const codec = this.codec;
    async function* body(): AsyncGenerator<Buffer, void, undefined> {
      yield encodeRecord(codec.encode(calls.attachContainerInputStart(args)));
      for await (const chunk of args.input) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (bytes.byteLength === 0) continue; // an empty DATA record would mean EOF
        yield encodeRecord(codec.encode(calls.attachContainerInputData(bytes)));
      }
      yield encodeRecord(codec.encode(calls.attachContainerInputData('')));
    }
    const res = await this.caller.openStream({
      callType: 'ATTACH_CONTAINER_INPUT',
      body: body(),
      headers: { 'Content-Type': 'application/recordio', 'Message-Content-Type': codec.contentType, Accept: codec.accept },
      read: false,
      ...(args.signal ? { signal: args.signal } : {}),
    });
    await this.transport.readBody(res);
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}
