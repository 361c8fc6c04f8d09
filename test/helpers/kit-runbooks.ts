/**
 * A workflow bundle for the kit's own tests: the entity workflows, the catalog's runbooks, and runbooks that
 * exercise what the catalog's do not yet (a step demanding an approval that names its target).
 */
import { z } from 'zod';
import { drainAgentInputSchema, type DrainAgentResult } from '../../runbooks/drainAgent';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../../workflows/kit/agent';
import { defineRunbook, step } from '../../workflows/kit/define';
import { commonFields, windowFields } from '../../workflows/kit/input';
import { drainStep, waitDrainedStep, type AgentContext, type AgentFacts } from '../../workflows/steps/agent';

export { agentLock } from '../../workflows/agent-lock';
export { clusterWatcher } from '../../workflows/cluster-watcher';
export { clusterFreeze } from '../../workflows/cluster-freeze';
export { scheduledFiring } from '../../workflows/scheduled-firing';
export { maintenanceScheduleOwner } from '../../workflows/maintenance-schedule-owner';
export { drainAgent } from '../../runbooks/drainAgent';
export { agentMaintenance } from '../../runbooks/agentMaintenance';
// The complete example of docs/runbooks.md "Writing a runbook".
export { reactivateAgent } from '../../docs/examples/reactivateAgent';

/** A drain whose DRAIN_AGENT needs an approval that names the agent id, whatever `requireApproval` says. */
export const confirmedDrain = defineRunbook({
  name: 'confirmedDrain',
  summary: 'test: a drain that needs a named confirmation',
  destructive: true,
  inputSchema: drainAgentInputSchema,
  target: agentTarget,
  example: { hostname: 'agent-1.sim.local', reason: 'test' },
  subject: oneAgent(['agentCanDrain']),
  approval: ({ subject }) => `drain ${subject.agentId}`,
  facts: (): AgentFacts => ({ skippedWaits: [] }),
  steps: () => [{ ...drainStep<AgentContext>(), confirm: (ctx: AgentContext) => ctx.subject.agentId }, waitDrainedStep<AgentContext>()],
  result: ({ cluster, subject, facts }): DrainAgentResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    finalState: 'DRAINED',
    drainApplied: facts.drainApplied ?? false,
    waitedSeconds: facts.drainWait?.seconds ?? 0,
  }),
});

/**
 * A runbook that takes a maintenance window (the kit's window fields) and does three steps that touch nothing: the
 * kit's checkpoints wait for `notBefore` and pause at the window's end; a schedule's firing resumes it.
 */
export const windowedWork = defineRunbook({
  name: 'windowedWork',
  summary: 'test: three harmless steps inside a maintenance window',
  destructive: false,
  inputSchema: z.object({ ...commonFields('say why'), ...agentFields, ...windowFields, abortDrainWaitSeconds: z.number().default(0) }).strict().superRefine(...exactlyOneAgent),
  target: agentTarget,
  example: { hostname: 'agent-1.sim.local', reason: 'test' },
  subject: oneAgent([]),
  approval: ({ subject }) => `work on ${subject.agentId}`,
  facts: (): AgentFacts => ({ skippedWaits: [] }),
  steps: () => ['unit 1', 'unit 2', 'unit 3'].map((name) => step<AgentContext>({ name, action: () => `${name}: nothing to change`, done: () => `${name} done` })),
  result: ({ subject }) => ({ agentId: subject.agentId }),
});
