/**
 * One simulated agent process: its own HTTP endpoint on loopback, its sandbox folder with virtual paths, its
 * containers, its simulated image store and its resource provider configs.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LoggingLevel } from '../logging';
import { isTerminal, type Agent } from '../model/types';
import { agentHost } from '../model/views';
import type { SimRuntime } from '../runtime';
import { closeServer, listen } from '../runtime';
import { Containers } from './containers';
import { VirtualFiles } from './files';
import { ImageStore } from './images';
import { ResourceProviders } from './resource-providers';

/** One agent process. */
export class AgentNode {
  server: Server | undefined;
  port = 0;
  readonly dir: string;
  readonly files = new VirtualFiles();
  readonly containers: Containers;
  readonly images: ImageStore;
  readonly providers: ResourceProviders;
  readonly logging: LoggingLevel;
  /** Wall-clock ms until which the agent answers 503 'Agent has not finished recovery'. */
  recoveringUntil = 0;
  /** Executor container id of each task (created on first use). */
  private readonly taskContainers = new Map<string, string>();

  constructor(
    private readonly rt: SimRuntime,
    readonly agent: Agent,
  ) {
    this.dir = join(rt.workDir, 'agents', agent.id);
    mkdirSync(this.dir, { recursive: true });
    const log = join(this.dir, 'slave.log');
    if (!existsSync(log)) writeFileSync(log, `I0000 00:00:00.000000 slave.cpp] Agent ${agent.id} started on ${agent.hostname}\n`);
    this.files.attach('/slave/log', log);
    this.files.resolveMissing = (p) => this.attachSandboxFor(p);
    this.containers = new Containers(this.dir);
    this.images = new ImageStore(rt.rng.fork(agent.seq + 7));
    this.providers = new ResourceProviders(rt.rng.fork(agent.seq + 11), agent.id);
    this.logging = new LoggingLevel(rt.clock, rt.options.loggingLevel);
  }

  /** The agent's model record (the id stays the same for this process). */
  get model(): Agent {
    return this.agent;
  }

  /** True while the endpoint listens. */
  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** The endpoint's base URL. */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /**
   * Where the endpoint listens: the agent's own loopback address (as its pid says) when the simulator listens on
   * loopback; the configured host otherwise (e.g. 0.0.0.0 in a container).
   */
  get host(): string {
    const configured = this.rt.options.host;
    return configured === '127.0.0.1' || configured === 'localhost' ? agentHost(this.agent) : configured;
  }

  /** Opens the endpoint, on `preferredPort` when free, else any port. Resolves to the port. */
  async listen(handler: (req: IncomingMessage, res: ServerResponse) => void, preferredPort: number): Promise<number> {
    await this.closing;
    const host = this.host;
    if (preferredPort > 0) {
      try {
        this.server = createServer(handler);
        this.port = await listen(this.server, host, preferredPort);
        return this.port;
      } catch {
        this.server = undefined;
      }
    }
    this.server = createServer(handler);
    this.port = await listen(this.server, host, 0);
    return this.port;
  }

  /** Closes the endpoint (the process stopped); containers keep running, as a real agent's would. */
  close(): void {
    const s = this.server;
    this.server = undefined;
    if (s) this.closing = closeServer(s);
  }

  /** The last close, awaited before listening again on the same port. */
  private closing: Promise<void> = Promise.resolve();

  /** Kills every container process and closes the endpoint. */
  shutdown(): void {
    this.containers.killAll();
    this.close();
  }

  /** Resolves when the endpoint is closed. */
  async closed(): Promise<void> {
    if (this.server) await closeServer(this.server);
    await this.closing;
  }

  /** The agent's flags (GET_FLAGS, `/flags`, `/state`), every value a string. */
  flags(): Record<string, string> {
    return {
      attributes: this.agent.attributes.map((a) => `${a.name}:${a.text ?? a.scalar ?? ''}`).join(';'),
      authenticate_http_readonly: String(this.rt.options.credentials !== undefined),
      authenticate_http_readwrite: String(this.rt.options.credentials !== undefined),
      containerizers: 'mesos',
      executor_shutdown_grace_period: '5secs',
      hostname: this.agent.hostname,
      http_authenticators: 'basic',
      image_providers: 'docker',
      isolation: 'posix/cpu,posix/mem',
      logging_level: 'INFO',
      port: String(this.port),
      resources: 'cpus:8;mem:32768;disk:262144;ports:[31000-32000]',
      work_dir: this.dir,
    };
  }

  /** The agent's metrics (GET_METRICS, `/metrics/snapshot`): a small subset, computed from the model. */
  metrics(): Record<string, number> {
    const tasks = this.rt.model.tasksOf(this.agent);
    const count = (s: string): number => tasks.filter((t) => t.state === s).length;
    return {
      'slave/registered': this.agent.status === 'registered' ? 1 : 0,
      'slave/tasks_running': count('TASK_RUNNING'),
      'slave/tasks_killing': count('TASK_KILLING'),
      'slave/executors_running': tasks.filter((t) => !isTerminal(t.state)).length,
      'slave/uptime_secs': (Date.now() - Number(this.agent.registeredNs / 1_000_000n)) / 1000,
      'containerizer/mesos/container_destroy_errors': 0,
    };
  }

  /** The executor container id of a task: the one its status updates carry, else one made for this agent process. */
  containerIdForTask(taskId: string): string {
    const task = this.rt.model.tasks.get(taskId) ?? this.rt.model.unreachableTasks.get(taskId);
    if (task?.container) return task.container.id;
    let id = this.taskContainers.get(taskId);
    if (!id) {
      id = this.rt.rng.uuid();
      this.taskContainers.set(taskId, id);
    }
    return id;
  }

  /** Sandbox folder of a task's executor (created on first use, with stdout/stderr). */
  sandboxForTask(frameworkId: string, executorId: string, taskId: string, executorPid?: number): string {
    const cid = this.containerIdForTask(taskId);
    const dir = join(this.dir, 'slaves', this.agent.id, 'frameworks', frameworkId, 'executors', executorId, 'runs', cid);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'stdout'), `Starting task ${taskId}\n`);
      writeFileSync(join(dir, 'stderr'), `I0000 executor.cpp] Received SUBSCRIBED event\nI0000 executor.cpp] Starting task ${taskId}\n`);
    }
    this.containers.addExecutor(cid, frameworkId, executorId, dir, executorPid);
    return dir;
  }

  private attachSandboxFor(virtualPath: string): void {
    // A sandbox is reachable at its virtual path and at its real absolute path under the work dir (files.cpp).
    const real = `${join(this.dir, 'slaves', this.agent.id)}/`;
    const relative = virtualPath.startsWith(real) ? `/${virtualPath.slice(real.length)}` : virtualPath;
    const m = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/(latest|[^/]+)/.exec(relative);
    if (!m) return;
    const [, fid = '', eid = '', run = ''] = m;
    const task = this.rt.model.tasks.get(eid) ?? this.rt.model.completedTasks.find((t) => t.id === eid);
    if (!task || task.agentId !== this.agent.id || task.frameworkId !== fid) return;
    const dir = this.sandboxForTask(fid, eid, task.id, task.container?.executorPid);
    const cid = this.containerIdForTask(task.id);
    this.files.attach(`/frameworks/${fid}/executors/${eid}/runs/latest`, dir);
    this.files.attach(`/frameworks/${fid}/executors/${eid}/runs/${cid}`, dir);
    this.files.attach(dir, dir);
    void run;
  }
}
