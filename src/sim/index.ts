/**
 * The Mesos cluster simulator, in process: `startCluster()` runs masters and agents speaking the v1 Operator
 * HTTP API on loopback, backed by a cluster model that behaves like Mesos (see docs/simulator.md).
 */
import type { AuditEntry } from './audit';
import type { FaultConfigInput } from './faults';
import { markUnreachable, restartAgent, stopAgent } from './model/lifecycle';
import type { Cluster } from './model/cluster';
import { finishTask, launchTask, type LaunchTaskInput } from './model/scheduler';
import type { SimOptions } from './options';
import { SimRuntime } from './runtime';
import { agentHost } from './model/views';

export type { AuditEntry } from './audit';
export type { FaultConfigInput, FaultRuleInput } from './faults';
export type { SimOptions } from './options';
export type { LaunchTaskInput } from './model/scheduler';
export { RehearsalError } from './rehearsal';
export { parseJson, stringifyJson, I64 } from './json';
export { encodeRecord, RecordIoDecoder } from './recordio';

/** A running simulated cluster. */
export interface SimCluster {
  /** Base URLs of every master (`http://127.0.0.1:<port>`). */
  readonly masters: string[];
  /** URL of the current leader (the first master while none is elected). */
  readonly leader: string;
  /** Base URLs of the agents whose endpoints are open. */
  readonly agents: string[];
  /** Base URL of the admin API (`<leader>/sim/v1`). */
  readonly admin: string;
  /** The in-memory cluster model, for tests to inspect and drive. */
  readonly model: Cluster;
  /** The runtime (servers, leadership, faults, clock), for advanced tests. */
  readonly runtime: SimRuntime;
  /** The one JSON line the CLI prints when ready. */
  readyLine(): string;
  /** Stops every server, stream, timer and process. */
  stop(): Promise<void>;
  /** Moves leadership (default: to the next master); resolves to the new leader's URL when it serves. */
  failover(opts?: { to?: number; electionSeconds?: number; recoverySeconds?: number }): Promise<string>;
  /** The audit log of mutating calls. */
  audit(): AuditEntry[];
  /** Replaces the fault configuration. */
  setFault(config: FaultConfigInput): void;
  /** Stops an agent process (it stays registered but disconnected until the ping timeout). */
  stopAgent(id: string): void;
  /** Restarts an agent process; resolves to the id it registers under (a new id if the master removed it). */
  restartAgent(id: string): Promise<string | undefined>;
  /** Marks an agent unreachable. */
  makeUnreachable(id: string): void;
  /** Makes a framework acknowledge (or never acknowledge) status updates. */
  setFrameworkAcknowledges(frameworkId: string, acknowledges: boolean): void;
  /** Opens an agent's endpoint on demand (large clusters open only `agentListenLimit` at start). */
  openAgent(id: string): Promise<string>;
  /**
   * Launches a TASK_RUNNING task holding `resources` (reserved ones and persistent volumes included) on an agent, as a
   * framework would from an offer; returns its id. Throws 409 when the agent's available resources lack them.
   */
  launchTask(input: LaunchTaskInput): string;
  /** Ends a task with TASK_FINISHED (acknowledged; not replaced): what it held is free again. */
  finishTask(taskId: string): void;
}

/**
 * Starts a simulated cluster.
 * @throws ZodError for invalid options (the message names the field); RehearsalError for a malformed `state`.
 */
export async function startCluster(opts: SimOptions = {}): Promise<SimCluster> {
  const rt = await SimRuntime.start(opts);
  return {
    get masters() {
      return rt.masters.map((m) => m.url);
    },
    get leader() {
      return (rt.leaderNode() ?? rt.masters[0])?.url ?? '';
    },
    get agents() {
      return rt.agentUrls();
    },
    get admin() {
      return `${(rt.leaderNode() ?? rt.masters[0])?.url ?? ''}/sim/v1`;
    },
    model: rt.model,
    runtime: rt,
    readyLine: () => rt.readyLine(),
    stop: () => rt.stop(),
    failover: (o) => rt.failover(o),
    audit: () => rt.audit.list(),
    setFault: (c) => rt.faults.set(c),
    stopAgent: (id) => stopAgent(rt.model, id),
    restartAgent: async (id) => (await restartAgent(rt.model, id))?.id,
    makeUnreachable: (id) => markUnreachable(rt.model, id),
    setFrameworkAcknowledges: (id, ack) => rt.model.setFrameworkAcknowledges(id, ack),
    launchTask: (input) => launchTask(rt.model, input),
    finishTask: (id) => finishTask(rt.model, id),
    openAgent: async (id) => {
      const port = await rt.openAgent(id);
      const agent = rt.model.agents.get(id);
      return `http://${agent ? agentHost(agent) : '127.0.0.1'}:${port}`;
    },
  };
}
