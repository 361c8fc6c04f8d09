/**
 * The running simulator: the model, the masters' HTTP servers, the agents' endpoints, leadership, faults, the
 * audit log and simulated time. `startCluster` (index.ts) wraps it for callers.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleAdmin } from './admin';
import { AgentNode } from './agent/agent-node';
import { VirtualFiles } from './agent/files';
import { AuditLog } from './audit';
import { Authorizer } from './authz';
import { SimClock } from './clock';
import { Faults } from './faults';
import { Leadership } from './ha';
import { handleAgentApi } from './http/agent-api';
import { handleMasterApi } from './http/master-api';
import { handleMasterReadOnly } from './http/readonly';
import type { LeaderState } from './http/pipeline';
import { sendError } from './http/respond';
import type { SubscribeStream } from './http/subscribe';
import { LoggingLevel } from './logging';
import { Cluster } from './model/cluster';
import { installDrainHooks } from './model/drain';
import { seedCluster } from './model/seed';
import { recoverAfterFailover } from './model/lifecycle';
import { isTerminal, type Agent } from './model/types';
import { Rng } from './random';
import { loadRehearsal, savedPayload, type RehearsalReport } from './rehearsal';
import { SimOptionsSchema, type ResolvedSimOptions, type SimOptions } from './options';
import { scalarSum } from './model/resources';
import { agentJson, allocatedResources, frameworkInfoView, taskJson } from './model/views';
import { ApiError } from './model/errors';

/** One simulated master process. */
export interface MasterNode {
  index: number;
  id: string;
  server: Server;
  port: number;
  url: string;
  startTime: number;
  streams: Set<SubscribeStream>;
}

/** The running simulator. */
export class SimRuntime {
  readonly options: ResolvedSimOptions;
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly model: Cluster;
  readonly audit = new AuditLog();
  readonly authz = new Authorizer();
  readonly faults: Faults;
  readonly leadership: Leadership;
  readonly masters: MasterNode[] = [];
  readonly agentNodes = new Map<string, AgentNode>();
  readonly logging: LoggingLevel;
  readonly masterFiles = new VirtualFiles();
  readonly workDir: string;
  rehearsal: RehearsalReport | undefined;
  private readonly ownsWorkDir: boolean;
  private viewCache = new Map<string, { version: number; body: Buffer }>();
  private stopped = false;

  private constructor(options: ResolvedSimOptions) {
    this.options = options;
    const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    this.options.seed = seed;
    this.clock = new SimClock(options.timeScale);
    this.rng = new Rng(seed);
    const clusterId = this.rng.uuid();
    this.model = new Cluster(clusterId, this.clock, this.rng.fork(1), {
      agentReturnDelayMs: options.agentReturnDelaySeconds * 1000,
      operationPendingMs: options.operationPendingSeconds * 1000,
      defaultKillGraceMs: options.defaultKillGraceSeconds * 1000,
    });
    this.model.rolesWhitelist = options.roles;
    installDrainHooks(this.model);
    this.faults = new Faults(seed);
    this.leadership = new Leadership(this.clock, options.masters);
    this.logging = new LoggingLevel(this.clock, options.loggingLevel);
    this.ownsWorkDir = options.workDir === undefined;
    this.workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'mesos-sim-'));
    mkdirSync(this.workDir, { recursive: true });
  }

  /**
   * Starts a simulator.
   * @throws ZodError for invalid options; RehearsalError for a malformed state file; listen errors (port in use).
   */
  static async start(input: SimOptions = {}): Promise<SimRuntime> {
    const rt = new SimRuntime(SimOptionsSchema.parse(input));
    try {
      await rt.init();
    } catch (err) {
      await rt.stop();
      throw err;
    }
    return rt;
  }

  private async init(): Promise<void> {
    const o = this.options;
    if (o.taskExitSeconds) {
      const ms = (v: number | 'grace') => (v === 'grace' ? Infinity : v * 1000);
      this.model.taskExit = {
        ...(o.taskExitSeconds.default !== undefined ? { default: ms(o.taskExitSeconds.default) } : {}),
        frameworks: Object.fromEntries(Object.entries(o.taskExitSeconds.frameworks).map(([k, v]) => [k, ms(v)])),
      };
    }
    if (o.state !== undefined) {
      this.rehearsal = loadRehearsal(this.model, o.state, o.maintenanceSchedule, { maintenanceStatus: o.maintenanceStatus, quota: o.quota, weights: o.weights, flags: o.flags });
    }
    else seedCluster(this.model, { agents: o.agents, tasksPerAgent: o.tasksPerAgent, frameworks: o.frameworks, mountDisksMb: o.mountDisksMb });
    if (!o.relaunchTasks) for (const f of this.model.frameworks.values()) f.relaunches = false;
    const masterLog = join(this.workDir, 'master.log');
    writeFileSync(masterLog, glogLine(`master.cpp] Mesos simulator master 1.11.0 started (seed ${o.seed ?? ''})`));
    this.masterFiles.attach('/master/log', masterLog);
    this.audit.onRecord = (e) => {
      try {
        appendFileSync(masterLog, glogLine(`http.cpp] Processing call ${e.call}${e.target ? ` for ${e.target}` : ''}: ${e.status} ${e.outcome}`));
      } catch {
        /* the work folder is gone after stop() */
      }
    };
    for (let i = 0; i < o.masters; i++) await this.startMaster(i);
    this.leadership.onDemoted = (index) => this.demoted(index);
    this.model.hooks = {
      agentProcessStarted: (agent) => this.openAgent(agent, true),
      agentProcessStopped: (agent) => this.closeAgent(agent.id),
    };
    let opened = 0;
    for (const agent of this.model.agents.values()) {
      if (agent.status !== 'registered') continue;
      if (opened < o.agentListenLimit) {
        await this.openAgent(agent.id);
        opened++;
      }
    }
    this.faults.onScheduleChange = () => this.applyFailoverSchedule();
    if (o.faults) this.faults.set(o.faults);
    if (o.deny) this.authz.set(o.deny);
    if (o.warmCaches) this.warmViews();
  }

  /** Fills the per-object JSON caches in the background (small slices, so requests are not held up). */
  /** Fills the per-object JSON caches before the cluster reports ready, so even the first GET_STATE is fast. */
  private warmViews(): void {
    for (const a of this.model.agents.values()) agentJson(this.model, a);
    for (const t of this.model.tasks.values()) taskJson(this.model, t);
  }

  private applyFailoverSchedule(): void {
    const every = this.faults.failoverEverySeconds;
    this.leadership.scheduleFailovers(every === undefined ? undefined : every * 1000, () => void this.failover());
  }

  private async startMaster(index: number): Promise<void> {
    const server = createServer((req, res) => this.route(node, req, res));
    server.keepAliveTimeout = 5000;
    const port = await listen(server, this.options.host, this.options.port === 0 ? 0 : this.options.port + index);
    const node: MasterNode = {
      index,
      id: this.rng.uuid(),
      server,
      port,
      url: `http://${urlHost(this.options.host)}:${port}`,
      startTime: Date.now() / 1000,
      streams: new Set(),
    };
    this.masters.push(node);
  }

  private route(node: MasterNode, req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const fail = (err: unknown): void => {
      if (!res.headersSent) sendError(req, res, 500, (err as Error).message);
      else res.destroy();
    };
    if (path === '/api/v1' || path === '/master/api/v1') {
      handleMasterApi(this, node, req, res).catch(fail);
    } else if (path.startsWith('/sim/v1')) {
      handleAdmin(this, node, req, res).catch(fail);
    } else if (path === '/health' || path === '/master/health') {
      req.resume();
      sendError(req, res, 200, '');
    } else if (path === '/redirect' || path === '/master/redirect') {
      req.resume();
      const leader = this.leaderNode();
      if (!leader) sendError(req, res, 503, 'No leader elected');
      else sendError(req, res, 307, '', { Location: `//${urlHost(this.options.host)}:${leader.port}` });
    } else if (!handleMasterReadOnly(this, node, req, res)) {
      req.resume();
      sendError(req, res, 404, '');
    }
  }

  /** The leading master, when one is elected. */
  leaderNode(): MasterNode | undefined {
    const i = this.leadership.leader;
    return i === null ? undefined : this.masters[i];
  }

  /** How a master answers a leader-only request right now. */
  leaderStateFor(node: MasterNode): LeaderState {
    const leader = this.leaderNode();
    if (!leader) return { kind: 'no-leader' };
    if (leader !== node) return { kind: 'redirect', hostPort: `${urlHost(this.options.host)}:${leader.port}` };
    if (this.leadership.recovering) return { kind: 'recovering' };
    return { kind: 'leader' };
  }

  /**
   * Fails the leader over: its SUBSCRIBE streams end, no leader is known for the election time, the new leader
   * recovers the registry (drain info, maintenance, reservations, quota are kept), and agents re-register.
   */
  async failover(opts: { to?: number; electionSeconds?: number; recoverySeconds?: number } = {}): Promise<string> {
    for (const a of this.model.registeredAgents()) a.estimatedDrainStartNs = undefined;
    const index = await this.leadership.failover({
      ...(opts.to !== undefined ? { to: opts.to } : {}),
      electionMs: (opts.electionSeconds ?? this.options.electionSeconds) * 1000,
      recoveryMs: (opts.recoverySeconds ?? this.options.recoverySeconds) * 1000,
    });
    recoverAfterFailover(this.model, this.options.agentReregisterSeconds * 1000, 600_000);
    return (this.masters[index] as MasterNode).url;
  }

  private demoted(index: number): void {
    const node = this.masters[index];
    if (!node) return;
    for (const s of [...node.streams]) s.end();
    node.streams.clear();
  }

  /** Closes the oldest streams beyond the subscriber cap (`maxSubscribers`, 1000). */
  capSubscribers(node: MasterNode): void {
    while (node.streams.size > this.options.maxSubscribers) {
      const oldest = node.streams.values().next().value as SubscribeStream | undefined;
      if (!oldest) break;
      oldest.end();
      node.streams.delete(oldest);
    }
  }

  /** A whole response cached until the model changes (like Mesos's batched read-only handler). */
  cachedView(key: string, build: () => Buffer): Buffer {
    const hit = this.viewCache.get(key);
    if (hit && hit.version === this.model.version) return hit.body;
    const body = build();
    this.viewCache.set(key, { version: this.model.version, body });
    return body;
  }

  /** Opens an agent's endpoint (at start, on restart, or on demand at scale). Resolves to its port. */
  async openAgent(agentOrId: string | Agent, restarted = false): Promise<number> {
    const agent = typeof agentOrId === 'string' ? this.model.agents.get(agentOrId) : agentOrId;
    if (!agent) throw new Error(`Unknown agent ${String(agentOrId)}`);
    const agentId = agent.id;
    let node = this.agentNodes.get(agentId);
    if (node?.listening) return node.port;
    if (!node) {
      node = new AgentNode(this, agent);
      this.agentNodes.set(agentId, node);
    }
    const preferred = agent.port;
    const port = await node.listen((req, res) => {
      handleAgentApi(this, node as AgentNode, req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(req, res, 500, (err as Error).message);
      });
    }, preferred);
    agent.port = port;
    if (restarted) node.recoveringUntil = Date.now() + this.clock.realMs(this.options.agentRecoverySeconds * 1000);
    this.model.touchAgent(agent);
    return port;
  }

  /** Closes an agent's endpoint (its process stopped). */
  closeAgent(agentId: string): void {
    this.agentNodes.get(agentId)?.close();
  }

  /** URLs of the agents whose endpoints are open. */
  agentUrls(): string[] {
    const out: string[] = [];
    for (const n of this.agentNodes.values()) if (n.listening) out.push(n.url);
    return out;
  }

  /** The ready line printed by the CLI. */
  readyLine(): string {
    const leader = this.leaderNode();
    return JSON.stringify({
      masters: this.masters.map((m) => m.url),
      leader: leader?.url ?? null,
      agents: this.agentUrls(),
      admin: `${(leader ?? this.masters[0])?.url ?? ''}/sim/v1`,
    });
  }

  /** GET_MASTER payload of a master. */
  masterInfoPayload(node: MasterNode): Record<string, unknown> {
    const ip = ipToUint32('127.0.0.1');
    const info = {
      id: node.id,
      ip,
      port: node.port,
      pid: `master@127.0.0.1:${node.port}`,
      hostname: '127.0.0.1',
      version: '1.11.0',
      address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: node.port },
      // A 1.11 master's MASTER_CAPABILITIES() include QUOTA_V2, a value of the C++ (v0) enum only: converted to v1
      // (`evolve`), the unknown enum value leaves `type` unset, so the capability is written as `{}`.
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, {}],
    };
    return { master_info: info, start_time: node.startTime, elected_time: this.leadership.electedAt / 1000 };
  }

  /** GET_FLAGS of a master (every value a string). */
  masterFlags(node: MasterNode): { name: string; value: string }[] {
    const o = this.options;
    const saved = savedPayload(o.flags, 'get_flags') as { flags?: { name: string; value?: string }[] } | undefined;
    if (saved?.flags) return saved.flags.map((f) => ({ name: f.name, value: f.value ?? '' }));
    const flags: Record<string, string> = {
      agent_ping_timeout: '15secs',
      agent_reregister_timeout: '10mins',
      allocation_interval: '1secs',
      allocator: 'hierarchical',
      authenticate_agents: 'false',
      authenticate_frameworks: 'false',
      authenticate_http_readonly: String(o.credentials !== undefined),
      authenticate_http_readwrite: String(o.credentials !== undefined),
      authorizers: 'local',
      hostname: o.host,
      http_authenticators: 'basic',
      ip: o.host,
      log_dir: this.workDir,
      logging_level: 'INFO',
      max_agent_ping_timeouts: '5',
      max_completed_frameworks: '50',
      max_completed_tasks_per_framework: '1000',
      max_operator_event_stream_subscribers: String(this.options.maxSubscribers),
      port: String(node.port),
      quorum: String(Math.floor(o.masters / 2) + 1),
      registry: o.masters > 1 ? 'replicated_log' : 'in_memory',
      registry_max_agent_age: '2weeks',
      version: 'false',
      work_dir: join(this.workDir, 'master'),
    };
    if (o.roles) flags.roles = o.roles.join(',');
    if (this.model.weights.size > 0) flags.weights = [...this.model.weights].map(([r, w]) => `${r}=${w}`).join(',');
    return Object.keys(flags)
      .sort()
      .map((name) => ({ name, value: flags[name] as string }));
  }

  /** GET_METRICS of the master: gauges computed from the model, counters from its events. */
  masterMetrics(): { name: string; value: number }[] {
    const m = this.model;
    const reg = m.registeredAgents();
    const m2: Record<string, number> = { ...m.counters };
    const set = (k: string, v: number): void => {
      m2[k] = v;
    };
    set('master/elected', this.leadership.leader === null ? 0 : 1);
    set('master/uptime_secs', Date.now() / 1000 - (this.masters[0]?.startTime ?? 0));
    set('master/slaves_active', reg.filter((a) => m.isActive(a)).length);
    set('master/slaves_inactive', reg.filter((a) => !m.isActive(a)).length);
    set('master/slaves_connected', reg.filter((a) => a.status === 'registered').length);
    set('master/slaves_disconnected', reg.filter((a) => a.status === 'disconnected').length);
    set('master/slaves_unreachable', [...m.agents.values()].filter((a) => a.status === 'unreachable').length);
    set('master/frameworks_active', [...m.frameworks.values()].filter((f) => f.active).length);
    set('master/frameworks_connected', [...m.frameworks.values()].filter((f) => f.active).length);
    const byState: Record<string, number> = {};
    for (const t of m.tasks.values()) byState[t.state] = (byState[t.state] ?? 0) + 1;
    for (const s of ['STAGING', 'STARTING', 'RUNNING', 'KILLING', 'UNREACHABLE']) set(`master/tasks_${s.toLowerCase()}`, byState[`TASK_${s}`] ?? 0);
    set('master/tasks_unreachable', m.unreachableTasks.size);
    for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
      let total = 0;
      let used = 0;
      for (const a of reg) {
        total += scalarSum(a.totalResources, name);
        used += scalarSum(allocatedResources(m, a), name);
      }
      set(`master/${name}_total`, total);
      set(`master/${name}_used`, used);
      set(`master/${name}_percent`, total > 0 ? used / total : 0);
    }
    set('master/event_queue_messages', 0);
    set('master/operator_event_stream_subscribers', this.masters.reduce((s, n) => s + n.streams.size, 0));
    set('system/cpus_total', 2);
    for (const k of ['killed', 'lost', 'gone_by_operator', 'finished', 'failed']) m2[`master/tasks_${k}`] ??= 0;
    return Object.keys(m2)
      .sort()
      .map((name) => ({ name, value: m2[name] as number }));
  }

  /** TEARDOWN: the framework's tasks are killed and it is removed (FRAMEWORK_REMOVED). @throws ApiError 400. */
  teardownFramework(frameworkId: string): void {
    const fw = this.model.frameworks.get(frameworkId);
    if (!fw) {
      throw new ApiError(400, 'No framework found with specified ID');
    }
    for (const t of [...this.model.tasks.values()]) {
      if (t.frameworkId !== frameworkId) continue;
      if (!isTerminal(t.state)) this.model.updateTask(t, 'TASK_KILLED', { reason: 'REASON_FRAMEWORK_REMOVED', source: 'SOURCE_MASTER' });
      t.acknowledged = true;
      this.model.removeTask(t);
      const agent = this.model.agents.get(t.agentId);
      if (agent) this.model.afterTaskRemoved?.(agent);
    }
    fw.active = false;
    this.model.frameworks.delete(frameworkId);
    this.model.completedFrameworks.push(fw);
    this.model.touch();
    this.model.events.publish({
      type: 'FRAMEWORK_REMOVED',
      build: () => ({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: frameworkInfoView(fw) } }),
    });
  }

  /** Finds an agent by id. @throws Error when unknown. */
  agent(id: string): Agent {
    const a = this.model.agents.get(id);
    if (!a) throw new Error(`Unknown agent ${id}`);
    return a;
  }

  /** Stops every server, stream, timer and child process; removes the work folder it created. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.leadership.stop();
    this.clock.stop();
    for (const m of this.masters) for (const s of [...m.streams]) s.end();
    for (const n of this.agentNodes.values()) n.shutdown();
    await Promise.all([
      ...this.masters.map((m) => closeServer(m.server)),
      ...[...this.agentNodes.values()].map((n) => n.closed()),
    ]);
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Listens on host:port (0 = any free port) and resolves to the port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and every open connection. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A glog-style line: `I1125 16:14:05.123456 4242 <text>`. */
function glogLine(text: string): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `I${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)} ${process.pid} ${text}\n`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function ipToUint32(ip: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return (a + (b << 8) + (c << 16) + d * 2 ** 24) >>> 0;
}

