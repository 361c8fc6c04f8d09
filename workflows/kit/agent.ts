import { upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { PreflightCheckName, PreflightRequest } from '../../activities/preflight';
import { describeSelection, type AgentSelection } from '../../src/agents/selection';
import type { AgentSummary } from '../../src/agents/vocabulary';
import { SearchAttributes } from '../../src/temporal/search-attributes';
import { failureMessage, failureType } from '../../src/contracts';
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

/** One agent as a subject: the agent, and what preflight learnt for the run beside it. */
export type AgentSubject = AgentSummary & {
  /** The principal of the run's reservations and volumes (with `withPrincipal`): the input's or the cluster's. */
  principal?: string;
  /** The agent id is not listed by the master (with `allowUnlisted`): there is no agent to read, only the id. */
  unlisted?: boolean;
};

export interface OneAgentOptions<I> {
  /** What the input asks the checks about (the volume, the reservations, ...). */
  request?: (input: I) => PreflightRequest;
  /** Learn the principal of reservations and volumes: `principal(input)`, else the cluster's credentials'. */
  withPrincipal?: { principal: (input: I) => string | undefined };
  /** An agent id the master does not list is the subject anyway (`unlisted`), not an input error. */
  allowUnlisted?: boolean;
}

/**
 * One agent as a runbook's subject: preflight finds it by id or hostname (an agent recovering after a master failover
 * is waited for, never reported missing) and runs the runbook's named checks (a list, or a list from the input); the
 * run leases the agent's id and records it (and its machine) in the `AgentIds` and `Machines` search attributes.
 */
export function oneAgent<I extends AgentInput>(checks: PreflightCheckName[] | ((input: I) => PreflightCheckName[]), options: OneAgentOptions<I> = {}): SubjectSpec<I, AgentSubject> {
  return {
    lookup: { kind: 'agent', ...(options.allowUnlisted ? { allowUnlisted: true } : {}) },
    async preflight(input, cluster) {
      const names = typeof checks === 'function' ? checks(input) : checks;
      const principal = options.withPrincipal?.principal(input);
      const report = await act.preflight(`preflight of ${agentTarget(input)}: GET_VERSION, GET_AGENTS${names.includes('machineNotInMaintenance') ? ', maintenance status' : ''}`, {
        cluster,
        agentId: input.agentId,
        hostname: input.hostname,
        checks: names,
        ...(options.request ? { request: options.request(input) } : {}),
        ...(options.withPrincipal ? { withPrincipal: true, ...(principal !== undefined ? { principal } : {}) } : {}),
        ...(options.allowUnlisted ? { allowUnlisted: true } : {}),
      });
      if (report.recovering) return { checks: report.checks, recovering: { agentId: report.recovering.agentId, message: report.recovering.message } };
      const missing = report.checks.find((c) => c.name === 'agent registered' && !c.ok);
      if (missing) return { checks: report.checks, failure: { type: 'INVALID_INPUT', message: missing.detail } };
      const extra = report.principal !== undefined ? { principal: report.principal } : {};
      if (report.unlisted) {
        const subject: AgentSubject = { ...unknownAgent(input.agentId ?? '', input.hostname ?? ''), unlisted: true, ...extra };
        const ok = report.checks.every((c) => c.ok);
        return { subject, checks: report.checks, ...(ok ? { note: `${subject.agentId}: not listed by the master` } : { failure: { type: 'PREFLIGHT_FAILED' as const, message: `preflight failed: ${failedChecks(report.checks)}` } }) };
      }
      const agent = report.agent ? { ...report.agent, ...extra } : undefined;
      if (!agent || !report.checks.every((c) => c.ok)) return { subject: agent, checks: report.checks, failure: { type: 'PREFLIGHT_FAILED', message: `preflight failed: ${failedChecks(report.checks)}` } };
      const where = agent.ip ? `${agent.hostname}/${agent.ip}` : agent.hostname;
      return { subject: agent, checks: report.checks, note: `${agent.agentId} on ${where}${agent.drainState === 'NONE' ? '' : ` (${agent.drainState})`}${report.mesosVersion ? `, Mesos ${report.mesosVersion}` : ''}` };
    },
    placeholder: (input, target) => {
      const principal = options.withPrincipal?.principal(input);
      return { ...unknownAgent(input.agentId ?? target, input.hostname ?? target), ...(principal !== undefined ? { principal } : {}) };
    },
    leaseKeys: (agent) => [agent.agentId],
    waitForLease: (input) => input.ifAgentBusy === 'wait',
    tag: (agent) => tagAgents([agent.agentId], agent.unlisted ? [] : [agent]),
  };
}

function unknownAgent(agentId: string, hostname: string): AgentSummary {
  return { agentId, hostname, active: false, deactivated: false, drainState: 'NONE', capabilities: [] };
}

/** The input field of an agent selection (src/agents/selection.ts), for runbooks over several agents. */
export interface SelectionInput extends CommonInput {
  ifAgentBusy: 'wait' | 'fail';
}

/** Several agents as a runbook's subject: those a selection names now. */
export interface AgentsSubject {
  agents: AgentSummary[];
  /** Agents the selection matched but left out (draining), with why. */
  excluded: { agentId: string; hostname: string; reason: string }[];
}

/**
 * Several agents as a runbook's subject: preflight resolves the selection in the input field `field` against
 * GET_AGENTS (an unknown agent id or hostname, or an empty result, is INVALID_INPUT naming the selection); the run
 * leases every selected agent (waiting for all of them, or failing at the first held one) and records them in the
 * `AgentIds` and `Machines` search attributes.
 */
export function someAgents<I extends SelectionInput>(field: string, selection: (input: I) => AgentSelection): SubjectSpec<I, AgentsSubject> {
  return {
    lookup: { kind: 'agents', field },
    async preflight(input, cluster) {
      const wanted = selection(input);
      const what = describeSelection(wanted);
      try {
        const found = await act.selectAgents(`select ${what}: GET_AGENTS`, { cluster, selection: wanted, field });
        const excluded = found.excluded.length ? `; left out: ${found.excluded.map((e) => `${e.hostname} (${e.reason})`).join(', ')}` : '';
        const check = { name: 'agents selected', ok: true, detail: `${found.agents.length} agent(s): ${found.agents.map((a) => a.hostname).join(', ')}${excluded}` };
        return { subject: found, checks: [check], note: check.detail };
      } catch (err) {
        if (failureType(err) !== 'INVALID_INPUT') throw err;
        const detail = failureMessage(err);
        return { checks: [{ name: 'agents selected', ok: false, detail }], failure: { type: 'INVALID_INPUT', message: detail } };
      }
    },
    placeholder: () => ({ agents: [], excluded: [] }),
    leaseKeys: (s) => s.agents.map((a) => a.agentId),
    waitForLease: (input) => input.ifAgentBusy === 'wait',
    tag: (s) => tagAgents(s.agents.map((a) => a.agentId), s.agents),
  };
}

/** Records the agents (and their machines) a run acts on in its search attributes. */
export function tagAgents(agentIds: string[], machines: { hostname: string; ip?: string } | { hostname: string; ip?: string }[]): void {
  const list = Array.isArray(machines) ? machines : [machines];
  upsertSearchAttributes([
    { key: SearchAttributes.AgentIds, value: [...new Set(agentIds)] },
    { key: SearchAttributes.Machines, value: [...new Set(list.map((m) => (m.ip ? `${m.hostname}/${m.ip}` : m.hostname)))] },
  ]);
}
