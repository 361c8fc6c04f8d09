import { condition, getExternalWorkflowHandle, ParentClosePolicy, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { RollMachines } from '../../activities/fleet';
import { describeSelection, type AgentSelection } from '../../src/agents/selection';
import { childEndedSignal, childWaitingSignal, controlSignals, WINDOW_PAUSED_PHASE, type ChildEnded, type ChildWaiting, type PreflightCheck } from '../../src/contracts';
import type { GateResult } from '../../src/fleet/gates';
import { planBatches, resolveBatchSize, type Batch, type RollMachine } from '../../src/fleet/planner';
import { expectedBatchMs, shownIn, windowDecision, type RollWindow } from '../../src/fleet/windows';
import { duration } from '../../src/progress/time';
import { act } from '../kit/calls';
import { step } from '../kit/define';
import type { CommonInput, ControlSpec, RunContext, StepSpec, SubjectSpec } from '../kit/types';

/**
 * The fleet runbook's steps (runbooks/rollingMaintenance.ts): the subject (the selection's machines), the plan of
 * batches, and the roll — one child run per machine, batch by batch, behind gates, within the window, until the
 * failure budget is spent — with its own control messages (per machine: extend, skip, quarantine; the budget; a
 * machine added) and its result. The roll continues as new when its history grows long, carrying its state.
 */

export interface FleetInput extends CommonInput {
  agents: AgentSelection;
  groupBy?: string;
  batchSize: number | string;
  maxConcurrent?: number;
  soakSeconds: number;
  canary?: { agents: number; requireApproval: boolean };
  announce: boolean;
  gates: { minActiveShare?: number; maxOtherDraining?: number; capacity?: boolean; healthCheckUrl?: string; timeoutMinutes: number };
  failureBudget: number;
  window?: RollWindow;
  perAgent: { runbook: 'agentMaintenance' | 'drainAgent' } & Record<string, unknown>;
}

export type MachineStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'quarantined' | 'dropped';

export interface MachineState extends RollMachine {
  batch: number;
  status: MachineStatus;
  childId?: string;
  newAgentId?: string;
  reason?: string;
  startedAt?: number;
  endedAt?: number;
  /** What the operator asked of a running child (skip or quarantine): its end means that. */
  asked?: 'skip' | 'quarantine';
  /** What the child waits for a human for, when it does (stuck draining, awaiting approval). */
  waiting?: ChildWaiting['waiting'];
}

export interface BatchState {
  index: number;
  canary: boolean;
  groups: string[];
  hostnames: string[];
  status: 'pending' | 'running' | 'done';
  startedAt?: number;
  endedAt?: number;
  gates?: GateResult[];
}

export interface FleetFacts extends Record<string, unknown> {
  batches: BatchState[];
  machines: Record<string, MachineState>;
  failures: number;
  /** Durations of the machines done, ms (the estimate of a batch's time). */
  finishedMs: number[];
  /** Machines whose upcoming window the roll wrote into the maintenance schedule. */
  announced: string[];
  /** The failure budget now (the input's, or what an operator raised it to). */
  budget?: number;
  canaryApproved?: boolean;
  /** The window now (the input's, or the one a `resume` brought). */
  window?: RollWindow;
  /** Hostnames an operator added with `addMachine`, not yet in a batch. */
  added?: string[];
  announceRound?: number;
}

export interface FleetSubject {
  machines: RollMachine[];
  excluded: RollMachines['excluded'];
  registered: number;
}

export type FleetContext = RunContext<FleetInput, FleetSubject, FleetFacts>;

const HEALTH_RETRY_MS = 30_000;
/** The outcome of a machine, per its child's end and what the operator asked. */
const ended = (m: MachineState) => m.status !== 'pending' && m.status !== 'running';

/** The selection's machines: preflight reads them once (the plan is recorded from them). */
export function fleetSubject(): SubjectSpec<FleetInput, FleetSubject> {
  return {
    async preflight(input, cluster) {
      let found: RollMachines;
      try {
        found = await act.rollMachines(`GET_AGENTS: the machines of ${describeSelection(input.agents)}`, { cluster, selection: input.agents, groupBy: input.groupBy });
      } catch (err) {
        const message = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
        return { checks: [{ name: 'machines selected', ok: false, detail: message }], failure: { type: 'INVALID_INPUT', message } };
      }
      const checks: PreflightCheck[] = [
        {
          name: 'machines selected',
          ok: true,
          detail: `${found.machines.length} of ${found.registered} registered agents (${describeSelection(input.agents)})${found.excluded.length ? `; left out: ${found.excluded.map((e) => `${e.hostname} (${e.reason})`).join(', ')}` : ''}`,
        },
      ];
      if (input.perAgent.runbook === 'agentMaintenance') {
        const noIp = found.machines.filter((m) => !m.ip);
        checks.push({ name: 'machines known (hostname and ip)', ok: noIp.length === 0, detail: noIp.length === 0 ? 'every machine has its ip' : `no ip in the pid of ${noIp.map((m) => m.hostname).join(', ')}: maintenance needs hostname and ip` });
      }
      if (input.groupBy) {
        const without = found.machines.filter((m) => m.group === undefined);
        checks.push({ name: `grouped by ${input.groupBy}`, ok: true, detail: without.length === 0 ? `${new Set(found.machines.map((m) => m.group)).size} group(s)` : `${without.length} machine(s) lack the attribute: each is a group of its own` });
      }
      const ok = checks.every((c) => c.ok);
      return {
        subject: { machines: found.machines, excluded: found.excluded, registered: found.registered },
        checks,
        note: `${found.machines.length} machine(s)`,
        ...(ok ? {} : { failure: { type: 'PREFLIGHT_FAILED' as const, message: `preflight failed: ${checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}` } }),
      };
    },
    placeholder: () => ({ machines: [], excluded: [], registered: 0 }),
    leaseKeys: () => [],
    noLease: 'none for the roll itself: each machine\'s run leases its agent',
    waitForLease: () => true,
    tag: () => undefined,
    lookup: { kind: 'agents', field: 'agents' },
  };
}

/** The plan of batches, from the machines preflight found. */
function batchesOf(ctx: FleetContext): Batch[] {
  return planBatches(ctx.subject.machines, { batchSize: ctx.input.batchSize as never, ...(ctx.input.canary ? { canary: { agents: ctx.input.canary.agents } } : {}) });
}

const concurrency = (ctx: FleetContext) => ctx.input.maxConcurrent ?? resolveBatchSize(ctx.input.batchSize as never, ctx.subject.machines.length);

/** Records the plan: the batches the run applies (a machine that leaves is dropped; one added joins at the end). */
export function planStep(): StepSpec<FleetContext> {
  return step<FleetContext>({
    name: 'plan batches',
    action: (ctx) =>
      `${ctx.subject.machines.length} machine(s) in batches of ${ctx.input.batchSize}${ctx.input.groupBy ? ` grouped by ${ctx.input.groupBy}` : ''}${ctx.input.canary ? `, a canary of ${ctx.input.canary.agents} first` : ''}, at most ${concurrency(ctx)} at once`,
    done: (ctx) => {
      const batches = batchesOf(ctx);
      ctx.facts.batches = batches.map((b) => ({ index: b.index, canary: b.canary, groups: b.groups, hostnames: b.machines.map((m) => m.hostname), status: 'pending' }));
      for (const b of batches) for (const m of b.machines) ctx.facts.machines[m.hostname] = { ...m, batch: b.index, status: 'pending' };
      ctx.facts.budget = ctx.input.failureBudget;
      if (ctx.input.window) ctx.facts.window = ctx.input.window;
      showDetails(ctx);
      return `${batches.length} batch(es)`;
    },
  });
}

/** Plan mode: every batch, its machines, and the gates as they stand now for it. */
export async function planDetails(ctx: FleetContext): Promise<Record<string, unknown>> {
  const batches = batchesOf(ctx);
  const rollAgentIds = ctx.subject.machines.map((m) => m.agentId);
  const gates = gatesOf(ctx.input);
  const evaluated = gates.asked
    ? await act.rollGatesOf(`GET_AGENTS: the gates of ${batches.length} batch(es)`, {
        cluster: ctx.cluster,
        batches: batches.map((b) => b.machines.map((m) => m.agentId)),
        rollAgentIds,
        rollHostnames: ctx.subject.machines.map((m) => m.hostname),
        ...gates.options,
      })
    : batches.map(() => [] as GateResult[]);
  return {
    batches: batches.map((b, i) => ({
      index: b.index,
      canary: b.canary,
      ...(b.groups.length ? { groups: b.groups } : {}),
      machines: b.machines.map((m) => ({ hostname: m.hostname, agentId: m.agentId })),
      gates: [
        ...(evaluated[i] ?? []),
        ...(ctx.input.gates.healthCheckUrl ? [{ name: 'healthCheck' as const, open: true, reason: `checked before the batch starts: GET ${ctx.input.gates.healthCheckUrl}` }] : []),
      ],
    })),
  };
}

function gatesOf(input: FleetInput) {
  const { minActiveShare, maxOtherDraining, capacity } = input.gates;
  const options = { ...(minActiveShare !== undefined ? { minActiveShare } : {}), ...(maxOtherDraining !== undefined ? { maxOtherDraining } : {}), ...(capacity ? { capacity } : {}) };
  return { options, asked: Object.keys(options).length > 0 };
}

/** The roll: children batch by batch, until every machine is done (or the run is stopped). */
export function rollStep(): StepSpec<FleetContext> {
  return step<FleetContext>({
    name: 'roll',
    action: (ctx) => `run ${ctx.input.perAgent.runbook} on each machine, batch by batch${ctx.input.soakSeconds ? `, soaking ${duration(ctx.input.soakSeconds)} between batches` : ''}`,
    run: (ctx) => new Roll(ctx).run(),
    compensate: {
      name: 'stop the roll',
      run: async (ctx) => {
        await Promise.all(startsOf(ctx)); // a child being started is told too
        const running = Object.values(ctx.facts.machines).filter((m) => m.status === 'running' && m.childId);
        await Promise.all(
          running.map((m) =>
            getExternalWorkflowHandle(m.childId!)
              .signal(controlSignals.abort, { by: 'the roll', reason: 'the roll was stopped' })
              .catch(() => undefined),
          ),
        );
        const removed = await unannounce(ctx, ctx.facts.announced, 'end');
        return running.length === 0 && !removed
          ? undefined
          : { outcome: 'done', note: `${running.length} running machine run(s) told to abort (each compensates itself)${removed ? `; ${removed}` : ''}` };
      },
    },
    cannotUndo: (ctx) => {
      const done = Object.values(ctx.facts.machines).filter((m) => m.status === 'done').length;
      return done > 0 ? `${done} machine(s) already maintained stay so` : undefined;
    },
  });
}

/** The roll's own control messages. */
export const rollControls: Record<string, ControlSpec<FleetContext, never>> = {
  /** `machine {hostname, action: "extend" | "skip" | "quarantine", minutes?, reason, by?}`: answers a stuck machine. */
  machine: {
    usage: '{hostname, action: "extend" | "skip" | "quarantine", minutes? (with extend), reason}',
    validate: (ctx, input: { hostname?: unknown; action?: unknown; minutes?: unknown; reason?: unknown }) => {
      const m = typeof input?.hostname === 'string' ? ctx.facts.machines[input.hostname] : undefined;
      if (!m) throw new Error(`hostname: no machine '${String(input?.hostname)}' in this roll`);
      if (m.status !== 'running' || !m.childId) throw new Error(`hostname: ${m.hostname} is ${m.status}, not running`);
      if (!['extend', 'skip', 'quarantine'].includes(String(input.action))) throw new Error('action: one of extend, skip, quarantine');
      if (input.action === 'extend' && !(Number.isInteger(input.minutes) && (input.minutes as number) >= 1)) throw new Error('minutes: a whole number of minutes, 1 or more');
      if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new Error('reason: required (a non-empty string)');
    },
    apply: (ctx, input: { hostname: string; action: 'extend' | 'skip' | 'quarantine'; minutes?: number; reason: string; by?: string }) => {
      const m = ctx.facts.machines[input.hostname]!;
      const child = getExternalWorkflowHandle(m.childId!);
      const by = input.by ?? 'an operator';
      if (input.action === 'extend') void child.signal(controlSignals.extend, { by, minutes: input.minutes! }).catch(() => undefined);
      else {
        m.asked = input.action;
        void child.signal(controlSignals.abort, { by, reason: input.reason, ...(input.action === 'quarantine' ? { compensate: false } : {}) }).catch(() => undefined);
      }
      ctx.progress.note(`${input.hostname}: ${input.action}${input.action === 'extend' ? ` by ${input.minutes} min` : ''} by ${by}: ${input.reason}`);
      return `${input.action} sent to ${m.childId}`;
    },
  },
  /** `budget {failureBudget, reason, by?}`: raises (or sets) the failure budget; a roll stopped by it goes on. */
  budget: {
    usage: '{failureBudget, reason}',
    validate: (_ctx, input: { failureBudget?: unknown; reason?: unknown }) => {
      if (!(Number.isInteger(input?.failureBudget) && (input.failureBudget as number) >= 0)) throw new Error('failureBudget: a whole number of machines, 0 or more');
      if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new Error('reason: required (a non-empty string)');
    },
    apply: (ctx, input: { failureBudget: number; reason: string; by?: string }) => {
      ctx.facts.budget = input.failureBudget;
      ctx.progress.note(`failure budget set to ${input.failureBudget} by ${input.by ?? 'an operator'}: ${input.reason}`);
      return `failure budget ${input.failureBudget} (${ctx.facts.failures} failed so far)`;
    },
  },
  /** `addMachine {hostname, reason, by?}`: adds a registered machine to the roll, in a batch of its own at the end. */
  addMachine: {
    usage: '{hostname, reason}',
    validate: (ctx, input: { hostname?: unknown; reason?: unknown }) => {
      if (typeof input?.hostname !== 'string' || input.hostname === '') throw new Error('hostname: required');
      if (ctx.facts.machines[input.hostname]) throw new Error(`hostname: ${input.hostname} is already in this roll`);
      if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new Error('reason: required (a non-empty string)');
    },
    apply: (ctx, input: { hostname: string; reason: string; by?: string }) => {
      ctx.facts.added = [...(ctx.facts.added ?? []), input.hostname];
      ctx.progress.note(`${input.hostname} added by ${input.by ?? 'an operator'}: ${input.reason} (checked and planned at the end)`);
      return `${input.hostname} will be added at the end of the roll`;
    },
  },
};

/** The roll's result: each machine and its outcome. */
export function rollResult(ctx: FleetContext) {
  const machines = Object.values(ctx.facts.machines).map((m) => ({
    hostname: m.hostname,
    ip: m.ip,
    agentId: m.agentId,
    ...(m.newAgentId ? { newAgentId: m.newAgentId } : {}),
    outcome: (m.status === 'dropped' ? 'skipped' : m.status) as 'done' | 'skipped' | 'failed' | 'quarantined',
    ...(m.reason ? { reason: m.reason } : {}),
  }));
  const count = (o: string) => machines.filter((m) => m.outcome === o).length;
  return { cluster: ctx.cluster, batches: ctx.facts.batches.length, done: count('done'), failed: count('failed'), skipped: count('skipped'), quarantined: count('quarantined'), machines };
}

/**
 * The child starts of a run not yet acknowledged by the server. The roll does not wait for them before it looks at
 * the next batch (the starts of a batch take a workflow task each to come back); it waits for them before it
 * continues as new, and its compensation before it tells the children to abort. Keyed by the run's context.
 */
const pendingStarts = new WeakMap<FleetContext, Set<Promise<void>>>();
function startsOf(ctx: FleetContext): Set<Promise<void>> {
  let set = pendingStarts.get(ctx);
  if (!set) pendingStarts.set(ctx, (set = new Set()));
  return set;
}

/** How long the roll waits on its running machines without news before it asks the server about them. */
const LIVENESS_CHECK_MS = 10 * 60_000;

/** One run of the roll step (again after continue-as-new, from the carried facts). */
class Roll {
  private changed = false;
  private readonly facts: FleetFacts;

  constructor(private readonly ctx: FleetContext) {
    this.facts = ctx.facts;
    setHandler(childEndedSignal, (e) => this.childEnded(e));
    setHandler(childWaitingSignal, (w) => {
      const m = this.facts.machines[w.key];
      if (!m || m.childId !== w.workflowId) return;
      m.waiting = w.waiting;
      if (w.waiting) ctx.progress.note(`${w.key}: waiting for a human: ${w.waiting.what}${w.waiting.diagnosis ? `: ${w.waiting.diagnosis}` : ''} (answer with the \`machine\` Update: extend, skip or quarantine)`);
      this.changed = true;
    });
  }

  async run(): Promise<string> {
    const { ctx, facts } = this;
    await this.reconcile();
    for (;;) {
      this.changed = false;
      this.closeBatches();
      showDetails(ctx);
      const running = this.running();
      const next = facts.batches.find((b) => b.status === 'pending');
      if (!next && running.length === 0) {
        if (await this.planAdded()) continue;
        break;
      }
      await ctx.control.checkpoint();
      if (workflowInfo().continueAsNewSuggested) {
        await Promise.all(startsOf(ctx));
        await ctx.continueAsNew();
      }
      if (!next) {
        await this.waitForChange();
        continue;
      }
      if (!(await this.mayStart(next, running.length))) continue;
      await this.start(next);
    }
    await unannounce(ctx, facts.announced, 'end');
    const r = rollResult(ctx);
    return `${r.done} done, ${r.failed} failed, ${r.skipped} skipped, ${r.quarantined} quarantined`;
  }

  private running(): MachineState[] {
    return Object.values(this.facts.machines).filter((m) => m.status === 'running');
  }

  /** A batch whose machines all ended is done. */
  private closeBatches(): void {
    for (const b of this.facts.batches) {
      if (b.status !== 'running') continue;
      if (b.hostnames.every((h) => ended(this.facts.machines[h]!))) {
        b.status = 'done';
        b.endedAt = Date.now();
        this.ctx.progress.note(`batch ${b.index + 1} done: ${b.hostnames.map((h) => `${h} ${this.facts.machines[h]!.status}`).join(', ')}`);
      }
    }
  }

  /** Waits until a child ends or waits, an operator acts, or `ms` pass. */
  private async waitForChange(ms?: number): Promise<void> {
    const control = this.ctx.control;
    const woken = () => this.changed || control.abortRequested || control.isPaused;
    if (ms !== undefined) await condition(woken, Math.max(1, ms));
    // A child that ended without telling the roll (terminated, or its signal lost) is found by asking the server.
    else while (!(await condition(woken, control.scaled(LIVENESS_CHECK_MS)))) await this.reconcile();
    if (control.abortRequested) await control.checkpoint(); // throws
  }

  /** Everything a batch waits for before it starts; false when the loop should look again first. */
  private async mayStart(next: BatchState, running: number): Promise<boolean> {
    const { ctx, facts } = this;
    const input = ctx.input;
    // The failure budget.
    if (facts.failures > (facts.budget ?? input.failureBudget)) {
      if (running > 0) {
        await this.waitForChange();
        return false;
      }
      const failed = Object.values(facts.machines).filter((m) => m.status === 'failed');
      ctx.progress.note(`failure budget spent: ${facts.failures} failed (budget ${facts.budget}): ${failed.map((m) => `${m.hostname} (${m.reason})`).join('; ')}`);
      await ctx.control.awaitApproval(`go on after ${facts.failures} failed machine(s) — ${failed.map((m) => m.hostname).join(', ')} — (or raise the budget with the \`budget\` Update, or abort)`, {
        required: true,
        until: () => (facts.budget ?? 0) >= facts.failures,
      });
      ctx.progress.setPhase('roll');
      facts.budget = Math.max(facts.budget ?? 0, facts.failures);
      return false;
    }
    // The canary's approval.
    const canary = facts.batches[0];
    if (canary?.canary && next.index > 0 && input.canary?.requireApproval !== false && !facts.canaryApproved) {
      if (canary.status !== 'done') {
        await this.waitForChange();
        return false;
      }
      await ctx.control.awaitApproval(`the canary batch is done (${canary.hostnames.join(', ')}): roll the other ${facts.batches.length - 1} batch(es)`, { required: true });
      ctx.progress.setPhase('roll');
      facts.canaryApproved = true;
      return false;
    }
    // The soak: batches one after another, each `soakSeconds` after the last one ended.
    if (input.soakSeconds > 0) {
      if (running > 0) {
        await this.waitForChange();
        return false;
      }
      const last = Math.max(0, ...facts.batches.filter((b) => b.endedAt !== undefined).map((b) => b.endedAt!));
      const soakUntil = last + ctx.control.scaled(input.soakSeconds * 1000);
      if (last > 0 && Date.now() < soakUntil) {
        ctx.progress.waitStarted('operator', `the soak after batch ${facts.batches.filter((b) => b.status === 'done').length} (until ${new Date(soakUntil).toISOString().slice(11, 19)} UTC)`, new Date(soakUntil).toISOString());
        await this.waitForChange(soakUntil - Date.now());
        ctx.progress.waitEnded(Date.now() >= soakUntil ? 'elapsed' : 'aborted');
        return false;
      }
    }
    // Room for the whole batch.
    if (running + next.hostnames.length > Math.max(concurrency(ctx), next.hostnames.length) && running > 0) {
      await this.waitForChange();
      return false;
    }
    // The window.
    const expected = expectedBatchMs(facts.finishedMs, next.hostnames.length, concurrency(ctx));
    const window = this.window();
    const decision = windowDecision(window, Date.now(), expected, (ms) => ctx.control.scaled(ms));
    if (decision.kind === 'wait') {
      ctx.progress.waitStarted('operator', `the window: ${decision.reason}`, new Date(decision.untilMs).toISOString());
      await this.waitForChange(decision.untilMs - Date.now());
      ctx.progress.waitEnded(Date.now() >= decision.untilMs ? 'elapsed' : 'aborted');
      return false;
    }
    if (decision.kind === 'pause') {
      if (running > 0) {
        await this.waitForChange();
        return false;
      }
      // The phase a schedule's next firing looks for, to resume this run into its window instead of starting another.
      ctx.control.pauseItself(`${decision.reason}; ${facts.batches.filter((b) => b.status === 'pending').length} batch(es) left`, WINDOW_PAUSED_PHASE);
      return false;
    }
    // The gates.
    return this.gatesOpen(next);
  }

  /** The window now: one a `resume` brought replaces the input's. */
  private window(): RollWindow | undefined {
    const resumed = this.ctx.control.takeResumedWindow();
    if (resumed) {
      this.facts.window = { ...resumed, ...(this.facts.window?.timeZone ? { timeZone: this.facts.window.timeZone } : {}) };
      this.ctx.progress.note(`window now ${resumed.notBefore ? `from ${shownIn(resumed.notBefore, this.facts.window.timeZone)} ` : ''}${resumed.notAfter ? `until ${shownIn(resumed.notAfter, this.facts.window.timeZone)}` : 'open-ended'}`);
    }
    return this.facts.window;
  }

  private async gatesOpen(next: BatchState): Promise<boolean> {
    const { ctx, facts } = this;
    const gates = gatesOf(ctx.input);
    const agentIds = next.hostnames.map((h) => facts.machines[h]!.agentId);
    if (gates.asked) {
      const r = await ctx.control.waitFor({
        cluster: ctx.cluster,
        condition: {
          kind: 'rollGates',
          batchAgentIds: agentIds,
          rollAgentIds: Object.values(facts.machines).map((m) => m.agentId),
          rollHostnames: Object.keys(facts.machines),
          outAgentIds: this.running().map((m) => m.agentId),
          ...gates.options,
        },
        what: `the gates of batch ${next.index + 1} (${Object.keys(gates.options).join(', ')})`,
        timeoutMs: ctx.input.gates.timeoutMinutes * 60_000,
      });
      next.gates = r.observation?.gates;
      if (r.outcome === 'skipped') ctx.progress.note(`the gates of batch ${next.index + 1} skipped by ${r.by ?? 'an operator'}: ${r.reason}`);
    }
    if (ctx.input.gates.healthCheckUrl) {
      const health = await act.healthCheck(`GET ${ctx.input.gates.healthCheckUrl}`, { url: ctx.input.gates.healthCheckUrl });
      next.gates = [...(next.gates ?? []).filter((g) => g.name !== 'healthCheck'), { name: 'healthCheck', open: health.ok, ...(health.ok ? {} : { reason: `${ctx.input.gates.healthCheckUrl} answered ${health.status ?? health.error}` }) }];
      if (!health.ok) {
        const retry = ctx.control.scaled(HEALTH_RETRY_MS);
        ctx.progress.waitStarted('mesos', `the health check before batch ${next.index + 1}: ${ctx.input.gates.healthCheckUrl} answered ${health.status ?? health.error} (again in ${duration(retry / 1000)})`, new Date(Date.now() + retry).toISOString());
        await this.waitForChange(retry);
        ctx.progress.waitEnded('elapsed');
        return false;
      }
    }
    return true;
  }

  /** Starts a batch: its announced entries out of the schedule, the upcoming ones moved, one child run per machine. */
  private async start(batch: BatchState): Promise<void> {
    const { ctx, facts } = this;
    const machines = batch.hostnames.map((h) => facts.machines[h]!);
    const present = await act.rollMachines(`GET_AGENTS: batch ${batch.index + 1} still registered`, {
      cluster: ctx.cluster,
      selection: { agentIds: machines.map((m) => m.agentId), includeDraining: true },
    }).catch(() => undefined);
    const registered = new Set(present?.machines.map((m) => m.agentId) ?? machines.map((m) => m.agentId));
    batch.status = 'running';
    batch.startedAt = Date.now();
    ctx.progress.note(`batch ${batch.index + 1} of ${facts.batches.length}${batch.canary ? ' (canary)' : ''}: ${batch.hostnames.join(', ')}`);
    await unannounce(ctx, batch.hostnames.filter((h) => facts.announced.includes(h)), `batch-${batch.index}`);
    if (ctx.input.announce) await announce(ctx, concurrency(ctx));
    const starts = startsOf(ctx);
    for (const m of machines) {
      if (!registered.has(m.agentId)) {
        m.status = 'dropped';
        m.reason = `agent ${m.agentId} left the cluster before its batch started`;
        ctx.progress.note(`${m.hostname} dropped: ${m.reason}`);
        continue;
      }
      // Not awaited: the next batch that fits starts in the same workflow task (startsOf).
      const start: Promise<void> = this.startChild(m).finally(() => starts.delete(start));
      starts.add(start);
    }
  }

  private async startChild(m: MachineState): Promise<void> {
    const { ctx } = this;
    const { runbook, ...fields } = ctx.input.perAgent;
    const parentId = workflowInfo().workflowId;
    const childId = `${parentId}/${m.hostname}`;
    const input = {
      reason: ctx.input.reason,
      ...(ctx.input.ticket ? { ticket: ctx.input.ticket } : {}),
      ...(ctx.input.initiator ? { initiator: ctx.input.initiator } : {}),
      ...fields,
      cluster: ctx.cluster,
      agentId: m.agentId,
      parent: { workflowId: parentId, key: m.hostname },
    };
    m.status = 'running';
    m.startedAt = Date.now();
    m.childId = childId;
    try {
      await startChild(runbook, {
        workflowId: childId,
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `${runbook} of ${m.hostname}, part of ${parentId}`,
      });
    } catch (err) {
      // Already started (by this run before it continued as new): it reports its end like any other.
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
      this.childEnded({ key: m.hostname, workflowId: childId, runbook, outcome: 'failed', failureType: 'FAILED', message: `could not start: ${(err as Error).message}` });
    }
  }

  /**
   * The machines still running, asked about at the server: once after continue-as-new (a child's end signal that
   * reached the previous run after it had decided to continue is in that run's history, not in what it carried),
   * and after every {@link LIVENESS_CHECK_MS} without news (a child terminated from outside never tells).
   */
  private async reconcile(): Promise<void> {
    const running = Object.values(this.facts.machines).filter((m) => m.status === 'running' && m.childId);
    if (running.length === 0) return;
    const { runbook } = this.ctx.input.perAgent;
    const ended = await act.childrenEnded(`which of the ${running.length} machine run(s) still running have ended`, { children: running.map((m) => ({ key: m.hostname, workflowId: m.childId!, runbook })) });
    for (const e of ended) this.childEnded(e);
  }

  private childEnded(e: ChildEnded): void {
    const m = this.facts.machines[e.key];
    if (!m || m.childId !== e.workflowId || ended(m)) return;
    m.endedAt = Date.now();
    m.waiting = undefined;
    const result = (e.result ?? {}) as { newAgentId?: string };
    if (result.newAgentId) m.newAgentId = result.newAgentId;
    if (e.outcome === 'done') {
      m.status = 'done';
      this.facts.finishedMs = [...this.facts.finishedMs, m.endedAt - (m.startedAt ?? m.endedAt)].slice(-200);
    } else if (m.asked === 'quarantine') {
      m.status = 'quarantined';
      m.reason = 'quarantined by an operator: left as it was (deactivated)';
    } else if (m.asked === 'skip') {
      m.status = 'skipped';
      m.reason = `skipped by an operator: ${e.message ?? e.outcome}`;
    } else {
      m.status = 'failed';
      m.reason = `${e.failureType ?? e.outcome}: ${e.message ?? e.outcome}`;
      this.facts.failures += 1;
    }
    this.ctx.progress.note(`${m.hostname}: ${m.status}${m.reason ? ` (${m.reason})` : ''}`);
    this.changed = true;
  }

  /** Machines an operator added, once their agent is found: a batch of their own at the end. */
  private async planAdded(): Promise<boolean> {
    const { ctx, facts } = this;
    const added = facts.added ?? [];
    if (added.length === 0) return false;
    facts.added = [];
    const found = await act.rollMachines(`GET_AGENTS: the machines added (${added.join(', ')})`, { cluster: ctx.cluster, selection: { hostnames: added, includeDraining: false }, groupBy: ctx.input.groupBy }).catch((err: Error) => {
      ctx.progress.note(`could not add ${added.join(', ')}: ${(err as { cause?: Error }).cause?.message ?? err.message}`);
      return undefined;
    });
    if (!found) return false;
    const index = facts.batches.length;
    facts.batches.push({ index, canary: false, groups: [], hostnames: found.machines.map((m) => m.hostname), status: 'pending' });
    for (const m of found.machines) facts.machines[m.hostname] = { ...m, batch: index, status: 'pending' };
    return true;
  }
}

/** The expected windows of the batches to come, written into the maintenance schedule (one write). */
async function announce(ctx: FleetContext, perBatch: number): Promise<void> {
  const facts = ctx.facts;
  const pending = facts.batches.filter((b) => b.status === 'pending');
  if (pending.length === 0) return;
  const windowMinutes = Number(ctx.input.perAgent.windowMinutes ?? 60);
  const estimate = expectedBatchMs(facts.finishedMs, Math.max(1, perBatch), perBatch) ?? windowMinutes * 60_000;
  let start = Date.now() + estimate; // after the batch starting now
  const adds = pending.map((b) => {
    const machines = b.hostnames.map((h) => facts.machines[h]!).map((m) => ({ hostname: m.hostname, ip: m.ip }));
    const window = { startNs: (BigInt(start) * 1_000_000n).toString(), durationNs: (BigInt(Math.round(estimate)) * 1_000_000n).toString() };
    start += estimate;
    return { machines, window };
  });
  facts.announceRound = (facts.announceRound ?? 0) + 1;
  await act.requestScheduleChange(`announce ${pending.length} upcoming batch window(s) in the maintenance schedule`, { cluster: ctx.cluster, requestId: `${ctx.requestKey}/announce/${facts.announceRound}`, adds });
  facts.announced = [...new Set([...facts.announced, ...pending.flatMap((b) => b.hostnames)])];
}

/** Takes announced machines out of the schedule (before their own drain, or at the roll's end). Returns what it did. */
async function unannounce(ctx: FleetContext, hostnames: string[], key: string): Promise<string | undefined> {
  const facts = ctx.facts;
  if (hostnames.length === 0) return undefined;
  const machines = hostnames.map((h) => facts.machines[h]!).filter(Boolean).map((m) => ({ hostname: m.hostname, ip: m.ip }));
  await act.requestScheduleChange(`take ${hostnames.length} announced machine(s) out of the maintenance schedule`, { cluster: ctx.cluster, requestId: `${ctx.requestKey}/unannounce/${key}/${facts.announceRound ?? 0}`, remove: { machines } });
  facts.announced = facts.announced.filter((h) => !hostnames.includes(h));
  return `${hostnames.length} announced machine(s) taken out of the schedule`;
}

/** The roll in `progress.details`: batches done / running / pending, machines by outcome, what is waited on. */
function showDetails(ctx: FleetContext): void {
  const machines = Object.values(ctx.facts.machines);
  const by = (s: MachineStatus) => machines.filter((m) => m.status === s).map((m) => m.hostname);
  const batches = ctx.facts.batches;
  const finished = ctx.facts.finishedMs;
  const left = batches.filter((b) => b.status !== 'done').length;
  const perBatch = expectedBatchMs(finished, resolveBatchSize(ctx.input.batchSize as never, Math.max(1, machines.length)), concurrency(ctx));
  ctx.setDetails({
    batches: batches.map((b) => ({
      index: b.index,
      canary: b.canary,
      status: b.status,
      ...(b.groups.length ? { groups: b.groups } : {}),
      machines: b.hostnames.map((h) => ({ hostname: h, agentId: ctx.facts.machines[h]?.agentId, status: ctx.facts.machines[h]?.status })),
      ...(b.gates ? { gates: b.gates } : {}),
    })),
    summary: {
      batchesDone: batches.filter((b) => b.status === 'done').length,
      batchesRunning: batches.filter((b) => b.status === 'running').length,
      batchesPending: batches.filter((b) => b.status === 'pending').length,
      running: by('running'),
      failed: by('failed'),
      skipped: [...by('skipped'), ...by('dropped')],
      quarantined: by('quarantined'),
      failures: ctx.facts.failures,
      failureBudget: ctx.facts.budget ?? ctx.input.failureBudget,
      waitingForHuman: machines.filter((m) => m.waiting).map((m) => ({ hostname: m.hostname, ...m.waiting })),
      ...(perBatch !== undefined ? { estimatedEnd: new Date(Date.now() + perBatch * left).toISOString() } : {}),
    },
  });
}
