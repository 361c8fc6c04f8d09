import { z } from 'zod';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../../workflows/kit/agent';
import { defineRunbook, step } from '../../workflows/kit/define';
import { act } from '../../workflows/kit/calls';
import { commonFields } from '../../workflows/kit/input';
import { reactivateSkip } from '../../src/agents/decisions';
import type { AgentState } from '../../activities/types';
import type { AgentContext, AgentFacts } from '../../workflows/steps/agent';

export const reactivateAgent = defineRunbook({
  name: 'reactivateAgent',
  summary: 'Reactivate one agent that is deactivated (and not DRAINING), then wait until it is active.',
  destructive: false,
  inputSchema: z.object({ ...commonFields('say why the agent is reactivated'), ...agentFields, abortDrainWaitSeconds: z.number().default(0) }).strict().superRefine(...exactlyOneAgent),
  target: agentTarget,
  example: { hostname: 'agent-2.sim.local', reason: 'back from repair' },
  subject: oneAgent(['agentCanDrain']),
  approval: ({ subject }) => `reactivate agent ${subject.agentId}`,
  facts: (): AgentFacts => ({ skippedWaits: [] }),
  steps: () => [
    step<AgentContext, AgentState>({
      name: 'reactivate',
      action: (ctx) => `REACTIVATE_AGENT ${ctx.subject.agentId}`,
      read: (ctx) => act.readAgent(`GET_AGENTS: agent ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }),
      skip: (_ctx, state) => (state.agent ? reactivateSkip(state.agent) : 'the agent is no longer registered'),
      write: (ctx) => act.reactivateAgent(`REACTIVATE_AGENT ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId }),
      wait: (ctx) => ({ kind: 'condition', condition: { kind: 'agentActive', agentId: ctx.subject.agentId }, timeoutMs: 120_000, impossible: 'AGENT_GONE' }),
    }),
  ],
  result: ({ subject }) => ({ agentId: subject.agentId, active: true }),
});
