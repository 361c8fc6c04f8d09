import type { AgentState } from '../../activities/types';
import { drainSkip } from '../../src/agents/decisions';
import { act } from '../kit/calls';
import type { AgentSubject } from '../kit/agent';
import { step } from '../kit/define';
import type { RunContext, StepSpec } from '../kit/types';
import { drainTimeoutSeconds, type AgentFacts, type DrainInput } from './agent';

/**
 * The steps of decommissioning one agent (decommissionAgent): MARK_AGENT_GONE after a drain, or one DRAIN_AGENT with
 * `mark_gone`, and the wait until the master no longer lists it. Marking an agent gone cannot be undone: its
 * reservations and volumes are lost and the machine can only rejoin as a new agent. Both ask for an approval that
 * names the agent id and lists what is lost, whatever `requireApproval` says.
 */

export interface DecommissionInput extends DrainInput {
  markGoneOnDrain: boolean;
}

export interface DecommissionFacts extends AgentFacts {
  /** What the agent held when the run asked for the approval: lost with it. */
  lost?: { reservations: string[]; volumes: string[] };
  markedGone?: boolean;
}

export type DecommissionContext = RunContext<DecommissionInput, AgentSubject, DecommissionFacts>;

interface GoneState {
  agent?: AgentState;
  holdings: { reservations: string[]; volumes: string[] };
}

const NONE = { reservations: [], volumes: [] };

/** The agent and what it holds (nothing to read for an agent the master does not list). */
async function readGone(ctx: DecommissionContext): Promise<GoneState> {
  if (ctx.subject.unlisted) return { holdings: NONE };
  const [agent, holdings] = await Promise.all([
    act.readAgent(`GET_AGENTS: agent ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }),
    act.agentHoldings(`GET_AGENTS: reservations and volumes of ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }),
  ]);
  return { agent, holdings };
}

function lostWords(h: GoneState['holdings']): string {
  const parts = [h.reservations.length ? `reservations ${h.reservations.join('; ')}` : 'no reservations', h.volumes.length ? `volumes ${h.volumes.join('; ')}` : 'no volumes'];
  return `lost with it: ${parts.join(', ')}`;
}

const irreversible = (ctx: DecommissionContext) =>
  `agent ${ctx.subject.agentId} is marked gone for good: its tasks are gone, its reservations and volumes are lost${ctx.facts.lost ? ` (${lostWords(ctx.facts.lost)})` : ''}, and its machine can only rejoin as a new agent`;

/** MARK_AGENT_GONE, after an approval naming the agent id (and listing what is lost). */
export function markGoneStep(): StepSpec<DecommissionContext> {
  return step<DecommissionContext, GoneState>({
    name: 'mark gone',
    action: (ctx) => `MARK_AGENT_GONE ${ctx.subject.agentId} (${ctx.subject.unlisted ? 'not listed: by id' : ctx.subject.hostname}): irreversible`,
    read: readGone,
    detail: (ctx, state) => `MARK_AGENT_GONE ${ctx.subject.agentId}; ${lostWords(state.holdings)}`,
    confirm: (ctx) => ctx.subject.agentId,
    write: (ctx, state) => {
      ctx.facts.lost = state.holdings;
      return act.markAgentGone(`MARK_AGENT_GONE ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId });
    },
    done: (ctx, { outcome }) => {
      ctx.facts.markedGone = outcome?.applied ?? false;
      return undefined;
    },
    cannotUndo: irreversible,
  });
}

/** One DRAIN_AGENT with `mark_gone: true`: the agent is marked gone once DRAINED, irreversible from this call. */
export function drainAndMarkGoneStep(): StepSpec<DecommissionContext> {
  const want = (ctx: DecommissionContext) => ({ maxGracePeriodSeconds: ctx.input.maxGracePeriodSeconds, markGone: true });
  return step<DecommissionContext, GoneState>({
    name: 'drain and mark gone',
    action: (ctx) => `DRAIN_AGENT ${ctx.subject.agentId} with mark_gone: once DRAINED the agent is marked gone (irreversible from this call)`,
    read: readGone,
    skip: (ctx, state) => (ctx.subject.unlisted ? 'the master does not list the agent: it is marked gone by id, without a drain' : state.agent?.agent ? drainSkip(state.agent.agent, want(ctx)) : undefined),
    detail: (ctx, state) => `DRAIN_AGENT ${ctx.subject.agentId} with mark_gone; ${lostWords(state.holdings)}`,
    confirm: (ctx) => ctx.subject.agentId,
    write: (ctx, state) => {
      ctx.facts.lost = state.holdings;
      return act.drainAgent(`DRAIN_AGENT ${ctx.subject.agentId} (mark_gone)`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, ...want(ctx) });
    },
    done: (ctx, { outcome }) => {
      ctx.facts.drainApplied = outcome?.applied;
      return undefined;
    },
    cannotUndo: irreversible,
  });
}

/** Waits until the master no longer lists the agent (MARK_AGENT_GONE answers after the registry write). */
export function waitGoneStep(): StepSpec<DecommissionContext> {
  return step<DecommissionContext>({
    name: 'wait until gone',
    action: (ctx) => `wait until the master no longer lists agent ${ctx.subject.agentId}`,
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentRemoved', agentId: ctx.subject.agentId },
      what: `agent ${ctx.subject.agentId} gone from GET_AGENTS`,
      timeoutMs: (ctx.input.markGoneOnDrain ? drainTimeoutSeconds(ctx.input) : 120) * 1000,
      ...(ctx.input.markGoneOnDrain
        ? { diagnose: () => act.diagnoseDrain(`diagnose the drain of ${ctx.subject.agentId}: GET_TASKS, GET_FRAMEWORKS, GET_OPERATIONS`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }) }
        : {}),
    }),
    done: (ctx, { wait }) => {
      if (wait?.outcome === 'met' && ctx.input.markGoneOnDrain) ctx.facts.markedGone = true;
      return undefined;
    },
  });
}
