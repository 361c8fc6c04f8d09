import { upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { PreflightCheckName } from '../../activities/preflight';
import type { AgentSummary } from '../../src/agents/vocabulary';
import { SearchAttributes } from '../../src/temporal/search-attributes';
import { act } from './calls';
import { failedChecks } from './define';
import type { CommonInput, SubjectSpec } from './types';

/**
 * The input fields of every runbook acting on one agent: exactly one of `agentId` / `hostname` (with
 * {@link exactlyOneAgent}), and `ifAgentBusy`.
 */
export const agentFields = {
  agentId: z.string({ error: 'must be an agent id string' }).min(1, 'must be a non-empty agent id').optional(),
  hostname: z.string({ error: 'must be a hostname string' }).min(1, 'must be a non-empty hostname').optional(),
  /** When another run holds the agent: wait for it (default) or fail at once naming the holder. */
  ifAgentBusy: z.enum(['wait', 'fail']).default('wait'),
};

export interface AgentInput extends CommonInput {
  agentId?: string;
  hostname?: string;
  ifAgentBusy: 'wait' | 'fail';
}

/**
 * The refinement: exactly one of `agentId` and `hostname`, the error on the field to fix. It runs even when other
 * fields are bad (zod's `when`), so one answer names every bad field, a missing agent included.
 */
export const exactlyOneAgent = [
  (input: { agentId?: unknown; hostname?: unknown }, ctx: z.RefinementCtx): void => {
    const present = (v: unknown) => v !== undefined && v !== null && v !== '';
    const hasId = present(input.agentId);
    if (hasId === present(input.hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: [hasId ? 'hostname' : 'agentId'],
        message: hasId ? 'give agentId or hostname, not both' : 'required: give agentId or hostname (exactly one)',
      });
    }
  },
  { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null },
] as const;

/** The target of an agent runbook's workflow id: the agent id or hostname as given. */
export function agentTarget(input: { agentId?: string; hostname?: string }): string {
  return input.agentId ?? input.hostname ?? '';
}

/**
 * One agent as a runbook's subject: preflight finds it by id or hostname (an agent recovering after a master failover
 * is waited for, never reported missing) and runs the runbook's named checks; the run leases the agent's id and
 * records it (and its machine) in the `AgentIds` and `Machines` search attributes.
 */
export function oneAgent<I extends AgentInput>(checks: PreflightCheckName[]): SubjectSpec<I, AgentSummary> {
  return {
    async preflight(input, cluster) {
      const report = await act.preflight(`preflight of ${agentTarget(input)}: GET_VERSION, GET_AGENTS${checks.includes('machineNotInMaintenance') ? ', maintenance status' : ''}`, {
        cluster,
        agentId: input.agentId,
        hostname: input.hostname,
        checks,
      });
      if (report.recovering) return { checks: report.checks, recovering: { agentId: report.recovering.agentId, message: report.recovering.message } };
      const missing = report.checks.find((c) => c.name === 'agent registered' && !c.ok);
      if (missing) return { checks: report.checks, failure: { type: 'INVALID_INPUT', message: missing.detail } };
      const agent = report.agent;
      if (!agent || !report.checks.every((c) => c.ok)) return { subject: agent, checks: report.checks, failure: { type: 'PREFLIGHT_FAILED', message: `preflight failed: ${failedChecks(report.checks)}` } };
      const where = agent.ip ? `${agent.hostname}/${agent.ip}` : agent.hostname;
      return { subject: agent, checks: report.checks, note: `${agent.agentId} on ${where}${agent.drainState === 'NONE' ? '' : ` (${agent.drainState})`}${report.mesosVersion ? `, Mesos ${report.mesosVersion}` : ''}` };
    },
    placeholder: (input, target) => ({ agentId: input.agentId ?? target, hostname: input.hostname ?? target, active: false, deactivated: false, drainState: 'NONE', capabilities: [] }),
    leaseKeys: (agent) => [agent.agentId],
    waitForLease: (input) => input.ifAgentBusy === 'wait',
    tag: (agent) => tagAgents([agent.agentId], agent),
  };
}

/** Records the agents (and the machine) a run acts on in its search attributes. */
export function tagAgents(agentIds: string[], machine: { hostname: string; ip?: string }): void {
  upsertSearchAttributes([
    { key: SearchAttributes.AgentIds, value: [...new Set(agentIds)] },
    { key: SearchAttributes.Machines, value: [machine.ip ? `${machine.hostname}/${machine.ip}` : machine.hostname] },
  ]);
}
