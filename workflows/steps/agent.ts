import { z } from 'zod';
import type { AgentState } from '../../activities/types';
import { drainSkip, reactivateSkip } from '../../src/agents/decisions';
import type { AgentSummary } from '../../src/agents/vocabulary';
import type { Observation } from '../../src/contracts';
import { duration } from '../../src/progress/time';
import { act } from '../kit/calls';
import type { AgentInput } from '../kit/agent';
import { step } from '../kit/define';
import type { Compensator, RunContext, StepSpec } from '../kit/types';

/**
 * The steps of every runbook that drains one agent (drainAgent, agentMaintenance, and the runbooks after them):
 * drain, wait for DRAINED, reactivate, and the drain's compensation. Declared once, as data with code.
 */

/** The drain's input fields, the same in every runbook that drains. */
export const drainFields = {
  maxGracePeriodSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more seconds (0 kills at once)')
    .max(604_800, 'must be at most 604800 seconds (7 days)')
    .optional(),
  /** How long to wait for DRAINED before the run shows a diagnosis and asks the operator (default: grace + 10 min). */
  drainTimeoutSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').positive('must be at least 1 second').max(604_800, 'must be at most 604800 seconds (7 days)').optional(),
  /** How long an abort mid-drain waits for DRAINED before it can reactivate (default 5 min). */
  abortDrainWaitSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(0, 'must be 0 or more seconds').max(86_400, 'must be at most 86400 seconds (1 day)').default(300),
};

export interface DrainInput extends AgentInput {
  maxGracePeriodSeconds?: number;
  drainTimeoutSeconds?: number;
  abortDrainWaitSeconds: number;
}

/** What the agent steps learn, for later steps and the result. */
export interface AgentFacts extends Record<string, unknown> {
  drainApplied?: boolean;
  drainWait?: { outcome: string; seconds: number; by?: string; reason?: string };
  reactivated?: boolean;
  /** Waits an operator skipped, in words (the result lists them). */
  skippedWaits: string[];
}

export type AgentContext<I extends DrainInput = DrainInput, F extends AgentFacts = AgentFacts> = RunContext<I, AgentSummary, F>;

/** Mesos's default task kill grace period, when the input sets no cap (the wait's deadline is based on it). */
const DEFAULT_TASK_GRACE_SECONDS = 3 * 60;
const DEFAULT_EXTRA_WAIT_SECONDS = 600;

const readAgent = (ctx: AgentContext, agentId = ctx.subject.agentId): Promise<AgentState> =>
  act.readAgent(`GET_AGENTS: agent ${agentId}`, { cluster: ctx.cluster, agentId });

const grace = (input: DrainInput) => (input.maxGracePeriodSeconds === undefined ? "the tasks' own kill grace periods" : `max grace ${duration(input.maxGracePeriodSeconds)}`);

/** DRAIN_AGENT, unless the agent already drains with the same config. Undone by {@link reactivateAfterDrain}. */
export function drainStep<C extends AgentContext>(): StepSpec<C> {
  return step<C, AgentState>({
    name: 'drain',
    action: (ctx) => `DRAIN_AGENT ${ctx.subject.agentId} (${grace(ctx.input)})`,
    read: (ctx) => readAgent(ctx),
    skip: (ctx, state) => (state.agent ? drainSkip(state.agent, ctx.input) : undefined),
    write: (ctx) =>
      act.drainAgent(`DRAIN_AGENT ${ctx.subject.agentId} (${grace(ctx.input)})`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, maxGracePeriodSeconds: ctx.input.maxGracePeriodSeconds }),
    done: (ctx, { outcome }) => {
      ctx.facts.drainApplied = outcome?.applied;
      return undefined;
    },
    compensate: reactivateAfterDrain(),
    cannotUndo: (ctx) => `the drain killed the tasks of agent ${ctx.subject.agentId}; their frameworks reschedule them elsewhere`,
  });
}

/** The deadline of the DRAINED wait: the input's, else the grace period plus 10 minutes. */
export function drainTimeoutSeconds(input: DrainInput): number {
  return input.drainTimeoutSeconds ?? (input.maxGracePeriodSeconds ?? DEFAULT_TASK_GRACE_SECONDS) + DEFAULT_EXTRA_WAIT_SECONDS;
}

/**
 * Waits until Mesos reports the agent DRAINED (every task terminal and acknowledged). At the deadline the run shows
 * a diagnosis (tasks not terminal, updates a framework did not acknowledge, pending operations) and asks the
 * operator: extend, skip or abort. Fails with AGENT_GONE when the agent leaves the cluster meanwhile.
 */
export function waitDrainedStep<C extends AgentContext>(): StepSpec<C> {
  return step<C>({
    name: 'wait for DRAINED',
    action: (ctx) => `wait up to ${duration(drainTimeoutSeconds(ctx.input))} until Mesos reports agent ${ctx.subject.agentId} DRAINED`,
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentDrained', agentId: ctx.subject.agentId },
      timeoutMs: drainTimeoutSeconds(ctx.input) * 1000,
      diagnose: () => act.diagnoseDrain(`diagnose the drain of ${ctx.subject.agentId}: GET_TASKS, GET_FRAMEWORKS, GET_OPERATIONS`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }),
      impossible: 'AGENT_GONE',
    }),
    done: (ctx, { wait }) => {
      if (!wait) return undefined;
      const w = wait as { outcome: string; seconds: number; by?: string; reason?: string };
      ctx.facts.drainWait = { outcome: w.outcome, seconds: w.seconds, ...(w.by ? { by: w.by } : {}), ...(w.reason ? { reason: w.reason } : {}) };
      if (w.outcome === 'skipped') {
        ctx.facts.skippedWaits.push(`DRAINED (skipped by ${w.by ?? 'an operator'}: ${w.reason})`);
        return undefined;
      }
      return w.outcome === 'met' ? `DRAINED after ${duration(w.seconds)}` : undefined;
    },
  });
}

/**
 * REACTIVATE_AGENT once the agent is DRAINED (Mesos refuses it while DRAINING): skipped when the agent is not
 * deactivated, or still DRAINING because an operator skipped the wait.
 */
export function reactivateStep<C extends AgentContext>(options: { agentId?: (ctx: C) => string | undefined; decidedAtRunTime: string; noAgent?: string }): StepSpec<C> {
  const agentOf = (ctx: C) => (options.agentId ? options.agentId(ctx) : ctx.subject.agentId);
  return step<C, AgentState | undefined>({
    name: 'reactivate',
    action: (ctx) => `REACTIVATE_AGENT ${agentOf(ctx) ?? 'the agent on the machine'} if it is deactivated`,
    decidedAtRunTime: options.decidedAtRunTime,
    read: async (ctx) => {
      const agentId = agentOf(ctx);
      return agentId ? readAgent(ctx, agentId) : undefined;
    },
    skip: (_ctx, state) => {
      if (!state) return options.noAgent ?? 'no agent';
      if (!state.agent) return 'the agent is no longer registered';
      return reactivateSkip(state.agent);
    },
    write: (ctx) => act.reactivateAgent(`REACTIVATE_AGENT ${agentOf(ctx)}`, { cluster: ctx.cluster, agentId: agentOf(ctx)! }),
    done: (ctx, { outcome }) => {
      ctx.facts.reactivated = outcome?.applied;
      return undefined;
    },
  });
}

/**
 * The compensation of a drain: Mesos refuses REACTIVATE_AGENT while the agent is DRAINING, so this waits (through
 * the watcher, `abortDrainWaitSeconds` at most) until it is not, then reactivates; past the bound it leaves the agent
 * DRAINING and says what to do. Nothing to do once START_MAINTENANCE took the machine down (the agent returns as a
 * new, active agent).
 */
export function reactivateAfterDrain<C extends AgentContext>(): Compensator<C> {
  return {
    name: 'reactivate',
    run: async (ctx, undo) => {
      if (undo.wentDown) return undefined;
      const agentId = ctx.subject.agentId;
      const waitSeconds = ctx.input.abortDrainWaitSeconds;
      const settled = await ctx.control.waitFor({
        cluster: ctx.cluster,
        condition: { kind: 'agentDrainSettled', agentId },
        what: `agent ${agentId} DRAINED before it can be reactivated (Mesos refuses REACTIVATE_AGENT while DRAINING)`,
        timeoutMs: waitSeconds * 1000,
        diagnose: () => act.diagnoseDrain(`diagnose the drain of ${agentId}`, { cluster: ctx.cluster, agentId }),
        compensating: true,
      });
      if (settled.outcome === 'timedOut') {
        return {
          outcome: 'left',
          note: `agent ${agentId} left DRAINING after ${duration(waitSeconds)} (${settled.diagnosis}); once it is DRAINED, reactivate it (e.g. start drainAgent on it with "reactivate": true)`,
        };
      }
      if (!registered(settled.observation)) return { outcome: 'skipped', note: 'agent no longer registered' };
      const r = await act.reactivateAgent(`REACTIVATE_AGENT ${agentId} (compensation)`, { cluster: ctx.cluster, agentId });
      return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
    },
  };
}

function registered(o: Observation | undefined): boolean {
  return o?.registered === true;
}
