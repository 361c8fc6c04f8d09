import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { selectAgents, type AgentSelection } from '../agents/selection';
import { lookupAgent } from '../agents/vocabulary';
import { catalog, runbookEntry, runbookNames, type CatalogEntry } from '../catalog';
import type { ClusterRegistry } from '../clusters';
import { formatIssues } from '../common/zod-issues';
import {
  clusterFreezeWorkflowId,
  CONTROL_ACTIONS,
  controlUpdates,
  EntityWorkflowTypes,
  freezeStateQuery,
  freezeUpdate,
  unfreezeUpdate,
  type FreezeState,
  failureMessage,
  failureType,
  parseRunReference,
  progressQuery,
  runbookWorkflowId,
  type ControlAck,
  type ControlAction,
  type ControlInputs,
  type Progress,
  type ProgressEvent,
  type RunPlan,
} from '../contracts';
import { runUrl } from './connection';
import { SearchAttributes } from './search-attributes';

/** A runbook input refused at a start path: nothing was started. Lists every problem, each naming its field. */
export class RunbookInputError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly runbook: string,
    readonly problems: string[],
  ) {
    super(`${runbook}: invalid input:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RunbookInputError';
  }
}

/**
 * A control request that could not be carried out: `RUN_NOT_FOUND` (no such run), `RUN_AMBIGUOUS` (a reference that
 * names several open runs; they are listed), `CONTROL_REFUSED` (the run refused the message: the reason is the
 * run's own), `RUN_EXISTS` (a start of a request already running).
 */
export class ControlError extends Error {
  constructor(
    readonly code: 'RUN_NOT_FOUND' | 'RUN_AMBIGUOUS' | 'CONTROL_REFUSED' | 'RUN_EXISTS',
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** A run, as `start` answers and `findRuns` lists it. */
export interface RunInfo {
  workflowId: string;
  runId?: string;
  runbook: string;
  cluster?: string;
  /** The run's business key (agent id or hostname, ...). */
  target?: string;
  status?: string;
  phase?: string;
  initiator?: string;
  startTime?: string;
  /** The run's page in the Temporal Web UI, when the UI's address is configured. */
  url?: string;
}

/** What `history` tells of a run. */
export interface RunHistory {
  workflowId: string;
  runId: string;
  runbook: string;
  status: string;
  startTime: string;
  closeTime?: string;
  initiator?: string;
  phase?: string;
  steps?: Progress['steps'];
  events: ProgressEvent[];
  result?: unknown;
  failure?: { type?: string; message: string };
  url?: string;
}

/** A run named by its workflow id (what `start` printed) or by runbook + cluster + target (agent id or hostname). */
export type RunReference = string | { runbook: string; cluster: string; target: string };

export interface RunbookClientOptions {
  client: Client;
  taskQueue: string;
  /**
   * Who uses this client, as its surface knows them (the CLI's user, the chat user): the initiator of the runs it
   * starts and the sender of its control messages (the approver of its approvals).
   */
  identity?: string;
  /** With it, `start` and `plan` also check the input against the cluster (read only): the cluster is configured, the agent exists. */
  clusters?: ClusterRegistry;
  /** The Temporal Web UI's base URL, for links. */
  uiUrl?: string;
}

export interface StartOptions {
  /** Appended to the workflow id (`<runbook>/<cluster>/<target>/<suffix>`): repeated demos, tests. */
  idSuffix?: string;
}

/** Filters of {@link RunbookClient.findRuns}; all optional, combined with AND. */
export interface RunFilter {
  runbook?: string;
  cluster?: string;
  /** An agent id or hostname (or another runbook's target). */
  target?: string;
  phase?: string;
  /** Only running runs (default true). */
  open?: boolean;
  /** Only runs this user started (the `Initiator` search attribute). */
  initiator?: string;
  limit?: number;
}

/**
 * The typed control client of every runbook (design.md "One control surface"): start, plan, progress, the control
 * messages (approve, pause, resume, abort, complete, extend, skip) and finding runs. The CLI uses it; the chat bot
 * and schedules will. Every message goes as an Update, so the run's validator answers at once (a refusal is a
 * {@link ControlError} with the run's reason).
 */
export class RunbookClient {
  constructor(private readonly options: RunbookClientOptions) {}

  get identity(): string | undefined {
    return this.options.identity;
  }

  /** The catalog the client validates against. */
  catalog(): ReadonlyMap<string, CatalogEntry> {
    return catalog();
  }

  /**
   * Validates `input` with the runbook's schema and, with a cluster registry, against the cluster (read only): the
   * cluster is configured; for a runbook on one agent, `agentId` / `hostname` names exactly one agent (one
   * re-registering after a master failover counts: the run waits for it; an unlisted agent id counts where the
   * runbook allows it, as decommissionAgent does); for a runbook on several agents, the selection names at least one
   * registered agent. Returns the parsed input; throws {@link RunbookInputError} listing every problem at once (the
   * agent's included) before anything starts.
   */
  async check(runbook: string, input: unknown): Promise<Record<string, unknown>> {
    const entry = entryOf(runbook);
    const result = entry.inputSchema.safeParse(input ?? {});
    const problems = result.success ? [] : formatIssues(result.error);
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const cluster = typeof raw.cluster === 'string' ? raw.cluster : 'default';
    const { clusters } = this.options;
    if (clusters) {
      const { lookup } = entry;
      if (!clusters.names().includes(cluster)) problems.push(`cluster: unknown cluster '${cluster}' (configured: ${clusters.names().join(', ')})`);
      else if (lookup.kind === 'agent' && (typeof raw.agentId === 'string' || typeof raw.hostname === 'string')) {
        const problem = await agentProblem(clusters, cluster, raw, lookup.allowUnlisted === true);
        if (problem) problems.push(problem);
      } else if (lookup.kind === 'agents' && result.success) {
        const selection = (result.data as Record<string, unknown>)[lookup.field] as AgentSelection;
        const selected = selectAgents(await clusters.master(cluster).getAgents(), selection, cluster, lookup.field);
        if (!selected.ok) problems.push(selected.message);
      }
    }
    if (problems.length > 0 || !result.success) throw new RunbookInputError(runbook, problems);
    return result.data as Record<string, unknown>;
  }

  /**
   * Validates (see {@link check}) and starts one run, its id `<runbook>/<cluster>/<target>`, so Temporal refuses a
   * second start of the same request while the first runs (`RUN_EXISTS`, naming it). The client's identity is the
   * run's initiator.
   */
  async start(runbook: string, input: unknown, options: StartOptions = {}): Promise<RunInfo> {
    const parsed = await this.check(runbook, input);
    const entry = entryOf(runbook);
    const cluster = String(parsed.cluster ?? 'default');
    const target = entry.target(parsed);
    const identity = this.options.identity;
    const args = { ...(input as Record<string, unknown>), ...(identity ? { initiator: identity } : {}) };
    const workflowId = runbookWorkflowId(runbook, cluster, target) + (options.idSuffix ? `/${options.idSuffix}` : '');
    const initiator = identity ?? (typeof parsed.initiator === 'string' ? parsed.initiator : undefined);
    try {
      const handle = await this.options.client.workflow.start(runbook, {
        taskQueue: this.options.taskQueue,
        workflowId,
        args: [args],
        staticSummary: `${runbook} on ${cluster}: ${target}${parsed.reason ? ` — ${String(parsed.reason)}` : ''}${parsed.dryRun ? ' (plan)' : ''}`,
        typedSearchAttributes: [
          { key: SearchAttributes.RunbookName, value: runbook },
          { key: SearchAttributes.MesosCluster, value: cluster },
          ...(initiator ? [{ key: SearchAttributes.Initiator, value: initiator }] : []),
          ...(typeof parsed.ticket === 'string' ? [{ key: SearchAttributes.Ticket, value: parsed.ticket }] : []),
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId, runbook, cluster, target, ...(initiator ? { initiator } : {}), ...this.link(workflowId, handle.firstExecutionRunId) };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ControlError('RUN_EXISTS', `a ${runbook} run on ${cluster} for ${target} is already running: ${workflowId} (watch it, or abort it first)`);
      }
      throw err;
    }
  }

  /** Plan mode: starts the runbook with `dryRun: true` (reads only) and returns its plan. */
  async plan(runbook: string, input: unknown): Promise<RunPlan & { workflowId: string }> {
    const started = await this.start(runbook, { ...(input as Record<string, unknown>), dryRun: true }, { idSuffix: `plan-${Date.now().toString(36)}` });
    const plan = await this.options.client.workflow.getHandle(started.workflowId).result();
    return { ...(plan as RunPlan), workflowId: started.workflowId };
  }

  /** The run's progress (the `progress` query). */
  async progress(ref: RunReference): Promise<Progress> {
    const handle = await this.resolve(ref, { open: false });
    return handle.query(progressQuery);
  }

  /**
   * A run's whole story: its status, start and close times, every progress event it kept, and its result or
   * failure (closed runs too).
   */
  async history(ref: RunReference): Promise<RunHistory> {
    const handle = await this.resolve(ref, { open: false });
    const described = await handle.describe();
    let progress: Progress | undefined;
    try {
      progress = await handle.query(progressQuery);
    } catch {
      progress = undefined; // a run that failed before its first workflow task, or a non-runbook workflow
    }
    const history: RunHistory = {
      workflowId: handle.workflowId,
      runId: described.runId,
      runbook: described.type,
      status: described.status.name,
      startTime: described.startTime.toISOString(),
      ...(described.closeTime ? { closeTime: described.closeTime.toISOString() } : {}),
      ...(progress?.initiator ? { initiator: progress.initiator } : {}),
      ...(progress ? { phase: progress.phase, steps: progress.steps } : {}),
      events: progress?.events ?? (progress?.log ?? []).map((line, i) => ({ kind: 'note' as const, seq: i + 1, at: line.slice(0, 24), text: line.slice(25) })),
      ...this.link(handle.workflowId, described.runId),
    };
    if (described.status.name === 'COMPLETED') history.result = await handle.result();
    else if (described.status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        history.failure = { ...(failureType(err) ? { type: failureType(err)! } : {}), message: failureMessage(err) };
      }
    }
    return history;
  }

  /**
   * Freezes a cluster until `until` (ISO): no run on it starts a step meanwhile (they wait at their next checkpoint,
   * saying who froze it, why and until when), and schedules' firings wait too. The client's identity is who froze
   * it. Refused (`CONTROL_REFUSED`, naming the field) for a past `until`, more than 14 days ahead, or no reason.
   */
  async freeze(cluster: string, input: { until: string; reason: string }): Promise<FreezeState> {
    return this.freezeUpdate(cluster, freezeUpdate, { by: this.options.identity ?? '', reason: input.reason, until: input.until });
  }

  /** Lifts a cluster's freeze: waiting runs go on. Refused when the cluster is not frozen. */
  async unfreeze(cluster: string, input: { reason?: string } = {}): Promise<FreezeState> {
    return this.freezeUpdate(cluster, unfreezeUpdate, { by: this.options.identity ?? '', ...(input.reason ? { reason: input.reason } : {}) });
  }

  /** A cluster's freeze now (`freeze` absent when it is not frozen). */
  async freezeState(cluster: string): Promise<FreezeState> {
    try {
      return await this.options.client.workflow.getHandle(clusterFreezeWorkflowId(cluster)).query(freezeStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { cluster };
      throw err;
    }
  }

  private async freezeUpdate<A>(cluster: string, update: UpdateDefinition<FreezeState, [A]>, arg: A): Promise<FreezeState> {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(cluster)) throw new RunbookInputError('freeze', [`cluster: '${cluster}' is not a cluster name`]);
    const names = this.options.clusters?.names();
    if (names && !names.includes(cluster)) throw new RunbookInputError('freeze', [`cluster: unknown cluster '${cluster}' (configured: ${names.join(', ')})`]);
    try {
      return await this.options.client.workflow.executeUpdateWithStart(update, {
        args: [arg],
        startWorkflowOperation: new WithStartWorkflowOperation(EntityWorkflowTypes.clusterFreeze, {
          workflowId: clusterFreezeWorkflowId(cluster),
          taskQueue: this.options.taskQueue,
          args: [{ cluster }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new ControlError('CONTROL_REFUSED', failureMessage(err.cause ?? err));
      throw err;
    }
  }

  /** The run's result (waits for it); rejects with the run's failure. */
  async result(ref: RunReference): Promise<unknown> {
    return (await this.resolve(ref, { open: false })).result();
  }

  approve(ref: RunReference, input: { reason: string; confirm?: string }): Promise<ControlAck> {
    return this.send(ref, 'approve', { approver: this.options.identity ?? '', reason: input.reason, ...(input.confirm ? { confirm: input.confirm } : {}) });
  }
  pause(ref: RunReference, input: { reason: string }): Promise<ControlAck> {
    return this.send(ref, 'pause', { ...this.by(), reason: input.reason });
  }
  resume(ref: RunReference): Promise<ControlAck> {
    return this.send(ref, 'resume', this.by());
  }
  abort(ref: RunReference, input: { reason: string }): Promise<ControlAck> {
    return this.send(ref, 'abort', { ...this.by(), reason: input.reason });
  }
  complete(ref: RunReference, input: { note?: string } = {}): Promise<ControlAck> {
    return this.send(ref, 'complete', { ...this.by(), ...(input.note ? { note: input.note } : {}) });
  }
  extend(ref: RunReference, input: { minutes: number }): Promise<ControlAck> {
    return this.send(ref, 'extend', { ...this.by(), minutes: input.minutes });
  }
  skip(ref: RunReference, input: { reason: string }): Promise<ControlAck> {
    return this.send(ref, 'skip', { ...this.by(), reason: input.reason });
  }

  /** One control message as an Update: the run's validator answers at once; a refusal is `CONTROL_REFUSED` with its reason. */
  async send<A extends ControlAction>(ref: RunReference, action: A, input: ControlInputs[A]): Promise<ControlAck> {
    const handle = await this.resolve(ref);
    try {
      return await handle.executeUpdate(controlUpdates[action] as never, { args: [input] as never });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ControlError('RUN_NOT_FOUND', `no run ${handle.workflowId}`);
      if (err instanceof WorkflowUpdateFailedError) throw new ControlError('CONTROL_REFUSED', `${action} refused by ${handle.workflowId}: ${failureMessage(err.cause ?? err)}`);
      const type = failureType(err);
      throw new ControlError('CONTROL_REFUSED', `${action} refused by ${handle.workflowId}: ${failureMessage(err)}${type ? ` [${type}]` : ''}`);
    }
  }

  /**
   * One of the runbook's own control messages (e.g. rollingMaintenance's `machine`, `budget`, `addMachine`; the
   * catalog lists them) as an Update; the sender (`by`) is added. Refused (`CONTROL_REFUSED`) when the run's runbook
   * has no such message, or its validator refuses the input.
   */
  async sendOwn(ref: RunReference, name: string, input: Record<string, unknown>): Promise<ControlAck> {
    const handle = await this.resolve(ref);
    const runbook = (await handle.describe()).type;
    const own = runbookEntry(runbook)?.controls ?? [];
    if (!own.some((c) => c.name === name)) {
      throw new ControlError('CONTROL_REFUSED', `${name}: not a control message of ${runbook} (${own.length ? `its own: ${own.map((c) => c.name).join(', ')}; ` : ''}common: ${CONTROL_ACTIONS.join(', ')})`);
    }
    try {
      return await handle.executeUpdate<ControlAck, [unknown]>(name, { args: [{ ...this.by(), ...input }] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new ControlError('CONTROL_REFUSED', `${name} refused by ${handle.workflowId}: ${failureMessage(err.cause ?? err)}`);
      throw err;
    }
  }

  /**
   * The runs matching `filter` (visibility, by search attributes), newest first. A target matches a run whose id
   * ends in it, or whose `AgentIds` or `Machines` name it (a run started by agent id is found by hostname and back).
   */
  async findRuns(filter: RunFilter = {}): Promise<RunInfo[]> {
    const clauses: string[] = [];
    if (filter.runbook) clauses.push(`WorkflowType = '${quote(filter.runbook)}'`);
    else clauses.push(`RunbookName IN (${runbookNames().map((n) => `'${quote(n)}'`).join(', ')})`);
    if (filter.cluster) clauses.push(`MesosCluster = '${quote(filter.cluster)}'`);
    if (filter.phase) clauses.push(`RunbookPhase = '${quote(filter.phase)}'`);
    if (filter.initiator) clauses.push(`Initiator = '${quote(filter.initiator)}'`);
    if (filter.open ?? true) clauses.push(`ExecutionStatus = 'Running'`);
    const found: RunInfo[] = [];
    const limit = filter.limit ?? 100;
    for await (const w of this.options.client.workflow.list({ query: clauses.join(' AND ') })) {
      const attrs = w.typedSearchAttributes;
      const agentIds = (attrs.get(SearchAttributes.AgentIds) ?? []) as string[];
      const machines = (attrs.get(SearchAttributes.Machines) ?? []) as string[];
      const ref = parseRunReference(w.workflowId);
      if (filter.target && !matchesTarget(filter.target, w.workflowId, ref?.target, agentIds, machines)) continue;
      const phase = attrs.get(SearchAttributes.RunbookPhase);
      const initiator = attrs.get(SearchAttributes.Initiator);
      found.push({
        workflowId: w.workflowId,
        runId: w.runId,
        runbook: w.type,
        ...(ref ? { cluster: ref.cluster, target: ref.target } : {}),
        status: w.status.name,
        ...(phase ? { phase: String(phase) } : {}),
        ...(initiator ? { initiator: String(initiator) } : {}),
        startTime: w.startTime.toISOString(),
        ...this.link(w.workflowId, w.runId),
      });
      if (found.length >= limit) break;
    }
    return found;
  }

  /**
   * The run a reference names. A string is first taken as a workflow id; else, of the form
   * `<runbook>/<cluster>/<target>`, it names the open run of that runbook on that cluster for that agent id or
   * hostname (whichever the run was started with). Throws `RUN_NOT_FOUND` or `RUN_AMBIGUOUS` (listing the runs).
   * `open: false` also accepts the latest closed run.
   */
  async resolve(ref: RunReference, options: { open?: boolean } = {}): Promise<WorkflowHandle> {
    const client = this.options.client;
    if (typeof ref === 'string') {
      const handle = client.workflow.getHandle(ref);
      try {
        const described = await handle.describe();
        if (described.status.name === 'RUNNING' || options.open === false) return handle;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    const address = typeof ref === 'string' ? parseRunReference(ref) : ref;
    if (!address) throw new ControlError('RUN_NOT_FOUND', `no run '${String(ref)}': give the workflow id that start printed, or <runbook>/<cluster>/<agent id or hostname>`);
    const open = await this.findRuns({ runbook: address.runbook, cluster: address.cluster, target: address.target });
    if (open.length === 1) return client.workflow.getHandle(open[0]!.workflowId);
    if (open.length > 1) throw new ControlError('RUN_AMBIGUOUS', `${open.length} open ${address.runbook} runs on ${address.cluster} for ${address.target}: ${open.map((r) => r.workflowId).join(', ')}; give one of these ids`);
    if (options.open === false) {
      const closed = await this.findRuns({ runbook: address.runbook, cluster: address.cluster, target: address.target, open: false, limit: 1 });
      if (closed[0]) return client.workflow.getHandle(closed[0].workflowId);
    }
    throw new ControlError('RUN_NOT_FOUND', `no open ${address.runbook} run on cluster '${address.cluster}' for '${address.target}' (list runs with: mesos-runbooks status --cluster ${address.cluster})`);
  }

  /**
   * Follows a run: calls `onEvent` with each new progress event (in order, each once) until the run closes or
   * `until(progress)` holds; resolves with the last progress. Runs started before the runbook kit have no events:
   * their log lines come as notes.
   */
  async follow(ref: RunReference, onEvent: (event: ProgressEvent) => void, options: { intervalMs?: number; until?: (p: Progress) => boolean } = {}): Promise<Progress | undefined> {
    const handle = await this.resolve(ref, { open: false });
    const interval = options.intervalMs ?? 500;
    let closed = false;
    // The long poll for the result is cancelled when following ends, so nothing of it outlives this call.
    const stop = new AbortController();
    const result = this.options.client.withAbortSignal(stop.signal, () => handle.result()).then(
      () => (closed = true),
      () => (closed = true),
    );
    try {
      return await this.followEvents(handle, onEvent, options, interval, () => closed, result);
    } finally {
      stop.abort();
    }
  }

  private async followEvents(handle: WorkflowHandle, onEvent: (event: ProgressEvent) => void, options: { until?: (p: Progress) => boolean }, interval: number, isClosed: () => boolean, result: Promise<unknown>): Promise<Progress | undefined> {
    let lastSeq = 0;
    let lastLine: string | undefined;
    let progress: Progress | undefined;
    for (;;) {
      const wasClosed = isClosed();
      try {
        progress = await handle.query(progressQuery);
      } catch {
        progress = undefined; // not started yet
      }
      if (progress?.events) {
        for (const e of progress.events) if (e.seq > lastSeq) onEvent(e);
        lastSeq = progress.events.at(-1)?.seq ?? lastSeq;
      } else if (progress) {
        const from = lastLine === undefined ? 0 : progress.log.lastIndexOf(lastLine) + 1;
        for (const line of progress.log.slice(from)) onEvent({ kind: 'note', seq: 0, at: line.slice(0, 24), text: line.slice(25) });
        lastLine = progress.log.at(-1) ?? lastLine;
      }
      if (wasClosed || (progress && options.until?.(progress))) return progress;
      await Promise.race([result, new Promise((r) => setTimeout(r, interval))]);
    }
  }

  private by(): { by?: string } {
    return this.options.identity ? { by: this.options.identity } : {};
  }

  private link(workflowId: string, runId?: string): { url?: string } {
    const url = runUrl(this.options.uiUrl, this.options.client.options.namespace, workflowId, runId);
    return url ? { url } : {};
  }
}

/**
 * Validates `input` with the runbook's schema alone (no cluster); returns the parsed input or throws
 * {@link RunbookInputError} naming each bad field.
 */
export function validateRunbookInput(runbook: string, input: unknown): Record<string, unknown> {
  const result = entryOf(runbook).inputSchema.safeParse(input ?? {});
  if (!result.success) throw new RunbookInputError(runbook, formatIssues(result.error));
  return result.data as Record<string, unknown>;
}

function entryOf(runbook: string): CatalogEntry {
  const entry = runbookEntry(runbook);
  if (!entry) throw new RunbookInputError(runbook, [`runbook: unknown runbook '${runbook}' (available: ${runbookNames().join(', ')})`]);
  return entry;
}

/**
 * The agent problem of an input (missing, ambiguous), or undefined when the agent exists (or re-registers, or is an
 * agent id the master does not list where `allowUnlisted`).
 */
async function agentProblem(clusters: ClusterRegistry, cluster: string, raw: Record<string, unknown>, allowUnlisted: boolean): Promise<string | undefined> {
  const query = typeof raw.agentId === 'string' ? { agentId: raw.agentId } : { hostname: raw.hostname as string };
  const found = lookupAgent(await clusters.master(cluster).getAgents(), query, cluster);
  if (found.kind === 'found' || found.kind === 'recovering') return undefined;
  if (allowUnlisted && found.kind === 'missing' && found.field === 'agentId') return undefined;
  return found.message;
}

function matchesTarget(target: string, workflowId: string, idTarget: string | undefined, agentIds: string[], machines: string[]): boolean {
  const t = target.toLowerCase();
  if (idTarget?.toLowerCase() === t || workflowId.toLowerCase() === t) return true;
  if (agentIds.some((a) => a.toLowerCase() === t)) return true;
  return machines.some((m) => m.toLowerCase() === t || m.toLowerCase().startsWith(`${t}/`));
}

function quote(value: string): string {
  return value.replace(/'/g, "\\'");
}
