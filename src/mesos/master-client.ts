/**
 * The typed client of the master Operator API: one method per master call, each built from a plain-data call
 * builder (./calls/master.ts) and checked with the zod schema of ./response-kinds.ts.
 *
 * Failures are {@link MesosError}s with a stable `code` and `retryable`; the client follows leader redirects but
 * never retries a call (Temporal owns retries).
 */
import type { z } from 'zod';
import { AgentClient, agentUrlFromEntry } from './agent-client';
import { Caller, type CallOptions, type Outgoing } from './caller';
import * as calls from './calls/master';
import { JSON_CODEC, type Codec } from './codec';
import { MasterRouter } from './leader';
import { checkOptions, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_MS, MesosClientOptionsSchema, type MesosClientOptions } from './options';
import { MASTER_CALLS } from './response-kinds';
import type { MachineID, ScheduleInput } from './schemas/common';
import type { Agent } from './schemas/master';
import { MasterEventStream, type SubscribeOptions } from './subscribe';
import { Transport } from './transport';

type Out<K extends keyof typeof MASTER_CALLS> = (typeof MASTER_CALLS)[K] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : never;

/** A client of one Mesos cluster's masters. Create one per cluster and share it; {@link close} it at shutdown. */
export class MasterClient {
  private readonly transport: Transport;
  private readonly router: MasterRouter;
  private readonly caller: Caller;
  private readonly codec: Codec = JSON_CODEC;
  private readonly streams = new Set<MasterEventStream>();

  /**
   * @throws TypeError when an option is invalid (no master, a non-http(s) URL, a negative timeout...).
   */
  constructor(private readonly opts: MesosClientOptions) {
    checkOptions(MesosClientOptionsSchema, opts, 'MesosClientOptions');
    this.transport = new Transport({
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    this.router = new MasterRouter(this.transport, {
      masters: opts.masters,
      allowedRedirectHosts: opts.allowedRedirectHosts ?? [],
      maxRedirects: opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    });
    this.caller = new Caller(this.transport, this.codec, (out: Outgoing) => this.router.send({ ...out, body: toBuffer(out.body) }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.observer);
  }

  /** The base URL of the master that answered last (the leader), if known. */
  get leader(): string | undefined {
    return this.router.leader;
  }

  /** GET_HEALTH: answered only by the leader (a non-leader redirects). */
  async getHealth(opts?: CallOptions): Promise<{ healthy: boolean }> {
    const r = await this.caller.json(calls.getHealth(), MASTER_CALLS.GET_HEALTH.schema, opts);
    return { healthy: r.healthy };
  }
  getFlags(opts?: CallOptions): Promise<Out<'GET_FLAGS'>> {
    return this.caller.json(calls.getFlags(), MASTER_CALLS.GET_FLAGS.schema, opts);
  }
  getVersion(opts?: CallOptions): Promise<Out<'GET_VERSION'>> {
    return this.caller.json(calls.getVersion(), MASTER_CALLS.GET_VERSION.schema, opts);
  }
  /** GET_METRICS; metrics not collected within `timeoutNanoseconds` are omitted. */
  getMetrics(opts?: calls.GetMetricsOptionsWithCall): Promise<Out<'GET_METRICS'>> {
    return this.caller.json(calls.getMetrics(opts), MASTER_CALLS.GET_METRICS.schema, opts);
  }
  getLoggingLevel(opts?: CallOptions): Promise<Out<'GET_LOGGING_LEVEL'>> {
    return this.caller.json(calls.getLoggingLevel(), MASTER_CALLS.GET_LOGGING_LEVEL.schema, opts);
  }
  /** SET_LOGGING_LEVEL: the level reverts to the startup level after the duration. */
  setLoggingLevel(args: calls.SetLoggingLevelOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.setLoggingLevel(args), opts);
  }
  /** LIST_FILES of a virtual path (e.g. `/master/log`); 404 when it does not resolve. */
  listFiles(args: { path: string }, opts?: CallOptions): Promise<Out<'LIST_FILES'>> {
    return this.caller.json(calls.listFiles(args), MASTER_CALLS.LIST_FILES.schema, opts);
  }
  /** READ_FILE: `data` is base64; Mesos caps a read at 16 pages. */
  readFile(args: calls.ReadFileOptions, opts?: CallOptions): Promise<Out<'READ_FILE'>> {
    return this.caller.json(calls.readFile(args), MASTER_CALLS.READ_FILE.schema, opts);
  }
  /** GET_STATE: the whole cluster (about 108 MB of JSON at 10k agents / 100k tasks). */
  getState(opts?: CallOptions): Promise<Out<'GET_STATE'>> {
    return this.caller.json(calls.getState(), MASTER_CALLS.GET_STATE.schema, opts);
  }
  /** GET_AGENTS: registered agents (with drain info) and recovered agents not yet re-registered. */
  getAgents(opts?: CallOptions): Promise<Out<'GET_AGENTS'>> {
    return this.caller.json(calls.getAgents(), MASTER_CALLS.GET_AGENTS.schema, opts);
  }
  getFrameworks(opts?: CallOptions): Promise<Out<'GET_FRAMEWORKS'>> {
    return this.caller.json(calls.getFrameworks(), MASTER_CALLS.GET_FRAMEWORKS.schema, opts);
  }
  getExecutors(opts?: CallOptions): Promise<Out<'GET_EXECUTORS'>> {
    return this.caller.json(calls.getExecutors(), MASTER_CALLS.GET_EXECUTORS.schema, opts);
  }
  getTasks(opts?: CallOptions): Promise<Out<'GET_TASKS'>> {
    return this.caller.json(calls.getTasks(), MASTER_CALLS.GET_TASKS.schema, opts);
  }
  getRoles(opts?: CallOptions): Promise<Out<'GET_ROLES'>> {
    return this.caller.json(calls.getRoles(), MASTER_CALLS.GET_ROLES.schema, opts);
  }
  /** GET_OPERATIONS: operator-API operations appear only briefly (not a convergence signal). */
  getOperations(opts?: CallOptions): Promise<Out<'GET_OPERATIONS'>> {
    return this.caller.json(calls.getOperations(), MASTER_CALLS.GET_OPERATIONS.schema, opts);
  }
  getWeights(opts?: CallOptions): Promise<Out<'GET_WEIGHTS'>> {
    return this.caller.json(calls.getWeights(), MASTER_CALLS.GET_WEIGHTS.schema, opts);
  }
  updateWeights(args: Parameters<typeof calls.updateWeights>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.updateWeights(args), opts);
  }
  getMaster(opts?: CallOptions): Promise<Out<'GET_MASTER'>> {
    return this.caller.json(calls.getMaster(), MASTER_CALLS.GET_MASTER.schema, opts);
  }
  /** RESERVE_RESOURCES (202). Not idempotent: after a lost response, read GET_AGENTS before retrying. */
  reserveResources(args: calls.ReserveResourcesOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.reserveResources(args), opts);
  }
  unreserveResources(args: Parameters<typeof calls.unreserveResources>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.unreserveResources(args), opts);
  }
  createVolumes(args: Parameters<typeof calls.createVolumes>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.createVolumes(args), opts);
  }
  destroyVolumes(args: Parameters<typeof calls.destroyVolumes>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.destroyVolumes(args), opts);
  }
  growVolume(args: Parameters<typeof calls.growVolume>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.growVolume(args), opts);
  }
  shrinkVolume(args: Parameters<typeof calls.shrinkVolume>[0], opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.shrinkVolume(args), opts);
  }
  getMaintenanceStatus(opts?: CallOptions): Promise<Out<'GET_MAINTENANCE_STATUS'>> {
    return this.caller.json(calls.getMaintenanceStatus(), MASTER_CALLS.GET_MAINTENANCE_STATUS.schema, opts);
  }
  getMaintenanceSchedule(opts?: CallOptions): Promise<Out<'GET_MAINTENANCE_SCHEDULE'>> {
    return this.caller.json(calls.getMaintenanceSchedule(), MASTER_CALLS.GET_MAINTENANCE_SCHEDULE.schema, opts);
  }
  /** UPDATE_MAINTENANCE_SCHEDULE replaces the whole schedule (read-modify-write it). */
  updateMaintenanceSchedule(schedule: ScheduleInput, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.updateMaintenanceSchedule(schedule), opts);
  }
  /** START_MAINTENANCE: machines must be DRAINING (a DOWN machine is 400). */
  startMaintenance(args: { machines: MachineID[] }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.startMaintenance(args), opts);
  }
  /** STOP_MAINTENANCE: machines must be DOWN. */
  stopMaintenance(args: { machines: MachineID[] }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.stopMaintenance(args), opts);
  }
  /** GET_QUOTA: `status.configs` (beside the deprecated `status.infos`). */
  getQuota(opts?: CallOptions): Promise<Out<'GET_QUOTA'>> {
    return this.caller.json(calls.getQuota(), MASTER_CALLS.GET_QUOTA.schema, opts);
  }
  updateQuota(args: calls.UpdateQuotaOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.updateQuota(args), opts);
  }
  /** TEARDOWN a framework; unknown framework is 400. */
  teardown(args: { frameworkId: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.teardown(args), opts);
  }
  /** MARK_AGENT_GONE (idempotent; 503 while another transition is in progress). */
  markAgentGone(args: { agentId: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.markAgentGone(args), opts);
  }
  /** DRAIN_AGENT; `maxGracePeriodSeconds` goes out as `{seconds}`. 400 `Unknown agent` for gone/unknown agents. */
  drainAgent(args: calls.DrainAgentOptions, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.drainAgent(args), opts);
  }
  /** DEACTIVATE_AGENT (idempotent). */
  deactivateAgent(args: { agentId: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.deactivateAgent(args), opts);
  }
  /** REACTIVATE_AGENT: 400 while DRAINING or when not deactivated. */
  reactivateAgent(args: { agentId: string }, opts?: CallOptions): Promise<void> {
    return this.caller.empty(calls.reactivateAgent(args), opts);
  }

  /**
   * SUBSCRIBE: an async iterator of typed events that reconnects to the current leader with backoff (a fresh
   * SUBSCRIBED snapshot each time) and closes a stream that stays silent for 5 heartbeat intervals.
   */
  subscribe(opts: SubscribeOptions = {}): MasterEventStream {
    const stream: MasterEventStream = new MasterEventStream(
      {
        open: (signal) =>
          this.caller.openStream({
            callType: 'SUBSCRIBE',
            body: this.codec.encode(calls.subscribe()),
            headers: { 'Content-Type': this.codec.contentType, Accept: this.codec.accept },
            read: true,
            signal,
          }),
        records: (res, max) => this.caller.records(res, MASTER_CALLS.SUBSCRIBE.schema, max),
        forgetLeader: () => this.router.forgetLeader(),
        release: () => this.streams.delete(stream),
      },
      opts,
    );
    this.streams.add(stream);
    return stream;
  }

  /**
   * An agent client for a GET_AGENTS entry: its URL comes from the pid (`slave(1)@host:port`) or hostname and
   * port, with this client's scheme, credentials, TLS and timeout.
   *
   * @throws TypeError when the entry has neither a usable pid nor a hostname.
   */
  agent(entry: Agent): AgentClient {
    const scheme = new URL(this.opts.masters[0]).protocol.replace(':', '');
    return new AgentClient({
      url: agentUrlFromEntry(entry, scheme),
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
    });
  }

  /** Ends open event streams, then closes the connection pool once in-flight calls finish. */
  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    this.streams.clear();
    await this.transport.close();
  }
}

function toBuffer(body: Buffer | AsyncIterable<Uint8Array>): Buffer {
  if (!Buffer.isBuffer(body)) throw new TypeError('master calls have no streaming request bodies');
  return body;
}
