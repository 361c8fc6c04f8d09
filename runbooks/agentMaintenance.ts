import { z } from 'zod';
import type { MachineRef } from '../src/agents/vocabulary';
import { agentFields, agentTarget, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { drainFields, drainStep, reactivateStep, waitDrainedStep } from '../workflows/steps/agent';
import {
  machineOf,
  scheduleWindowStep,
  startMaintenanceStep,
  stopMaintenanceStep,
  verifyStep,
  waitForAgentStep,
  workStep,
  workWebhookStep,
  type MaintenanceContext,
  type MaintenanceFacts,
} from '../workflows/steps/maintenance';

export const agentMaintenanceInputSchema = z
  .object({
    ...commonFields('say why the machine goes into maintenance'),
    ...agentFields,
    ...drainFields,
    /** The maintenance window written to the schedule. */
    windowMinutes: z.number({ error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(43_200, 'must be at most 43200 minutes (30 days)').default(60),
    /** Continue after this long instead of waiting for `complete`. */
    workDurationSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(0, 'must be 0 or more seconds').max(604_800, 'must be at most 604800 seconds (7 days)').optional(),
    /** Deadline of the wait for the agent to come back. */
    returnTimeoutSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').positive('must be at least 1 second').max(604_800, 'must be at most 604800 seconds (7 days)').default(1_800),
    /** A webhook that does the work: POSTed {hostname, ip, agentId} once the machine is DOWN; a 2xx ends the work. */
    work: z
      .object(
        {
          webhookUrl: z.url({ error: 'must be an http(s) URL', protocol: /^https?$/ }),
          timeoutSeconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').min(1, 'must be at least 1 second').max(86_400, 'must be at most 86400 seconds (1 day)').default(3_600),
        },
        { error: 'must be {webhookUrl, timeoutSeconds}' },
      )
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(...exactlyOneAgent);

export type AgentMaintenanceInput = z.input<typeof agentMaintenanceInputSchema>;

export interface AgentMaintenanceResult {
  cluster: string;
  machine: MachineRef;
  /** The agent drained at the start. */
  oldAgentId: string;
  /** The agent registered on the machine at the end (a new id after START_MAINTENANCE), if it came back. */
  newAgentId?: string;
  outcome: 'completed';
  skippedWaits: string[];
}

/**
 * agentMaintenance: the whole maintenance of one agent's machine (mesos-semantics.md §10): DRAIN_AGENT → DRAINED →
 * add the machine to the schedule → START_MAINTENANCE → the operator's work → STOP_MAINTENANCE → the agent comes
 * back → REACTIVATE_AGENT if it is still deactivated → verify it is active with no drain info. An abort or a failure
 * puts the cluster back as far as Mesos allows and says what it cannot.
 */
export const agentMaintenance = defineRunbook({
  name: 'agentMaintenance',
  summary: "Maintenance of one agent's machine: drain → DRAINED → schedule window → START_MAINTENANCE → work (`complete`) → STOP_MAINTENANCE → agent back → reactivate → verify.",
  destructive: true,
  inputSchema: agentMaintenanceInputSchema,
  target: agentTarget,
  example: { hostname: 'agent-3.sim.local', reason: 'disk swap', maxGracePeriodSeconds: 60, workDurationSeconds: 30 },
  subject: oneAgent(['mesosVersion', 'agentCanDrain', 'machineKnown', 'machineNotInMaintenance']),
  approval: ({ subject }) => `drain ${subject.agentId} and take ${subject.hostname} down for maintenance`,
  facts: (): MaintenanceFacts => ({ skippedWaits: [] }),
  steps: (input) => [
    drainStep<MaintenanceContext>(),
    waitDrainedStep<MaintenanceContext>(),
    scheduleWindowStep(),
    startMaintenanceStep(),
    ...(input.work ? [workWebhookStep()] : [workStep()]),
    stopMaintenanceStep(),
    waitForAgentStep(),
    reactivateStep<MaintenanceContext>({
      agentId: (ctx) => ctx.facts.newAgent?.agentId,
      decidedAtRunTime: 'acts only if the agent that returns is deactivated (a new agent comes back active)',
      noAgent: 'no agent came back',
    }),
    verifyStep(),
  ],
  result: (ctx): AgentMaintenanceResult => ({
    cluster: ctx.cluster,
    machine: machineOf(ctx),
    oldAgentId: ctx.subject.agentId,
    newAgentId: ctx.facts.newAgent?.agentId,
    outcome: 'completed',
    skippedWaits: ctx.facts.skippedWaits,
  }),
  // Loaded only by the runs that take it (KIT_PATCH); a static import would load it in every run (runbooks/index.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  legacy: () => (require('../workflows/legacy/agentMaintenance') as typeof import('../workflows/legacy/agentMaintenance')).agentMaintenanceBeforeKit,
});
