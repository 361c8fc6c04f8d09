/**
 * Agent selection: which agents a multi-agent runbook acts on, as one building block (its zod schema and one pure
 * function), shared by pruneImages and the fleet runbooks after it. Keys combine with AND:
 *
 * - `{all: true}`: every registered agent;
 * - `{agentIds: [...]}` / `{hostnames: [...]}` (case-insensitive): those agents — a name that matches no registered
 *   agent is an error naming it;
 * - `{attributes: {"rack": "r1"}}`: agents whose attributes match every key, the value compared as Mesos prints the
 *   attribute (text as is, a scalar as its number: `2`, `1.5`; ranges `[1-2]`, sets `{a,b}`);
 * - `includeDraining` (default false): also agents with drain info (DRAINING or DRAINED).
 *
 * An empty result is an error that names the selection. Pure (types only from src/mesos): start paths, preflight
 * activities and workflow code share it.
 */
import { z } from 'zod';
import type { Agent, Attribute } from '../mesos';
import type { AgentsView } from './vocabulary';

const nonEmptyList = (what: string) =>
  z
    .array(z.string({ error: `must be ${what} strings` }).min(1, `must be non-empty ${what}`), { error: `must be a list of ${what}` })
    .min(1, `list at least one ${what.replace(/s$/, '')}`)
    .refine((l) => new Set(l).size === l.length, `lists a ${what.replace(/s$/, '')} twice`);

/** The selection's input schema (every key optional, at least one of all / agentIds / hostnames / attributes). */
export const AgentSelectionSchema = z
  .object(
    {
      all: z.literal(true, { error: 'must be true (to select every agent); leave it out otherwise' }).optional(),
      agentIds: nonEmptyList('agent ids').optional(),
      hostnames: nonEmptyList('hostnames').optional(),
      attributes: z
        .record(z.string().min(1, 'attribute names are non-empty'), z.union([z.string(), z.number()], { error: 'each attribute value must be a string or a number, as Mesos prints it' }), {
          error: 'must be an object of attribute name → value, e.g. {"rack": "r1"}',
        })
        .refine((a) => Object.keys(a).length > 0, 'give at least one attribute')
        .optional(),
      includeDraining: z.boolean({ error: 'must be true or false' }).default(false),
    },
    { error: 'must be a selection: {all: true}, {agentIds: [...]}, {hostnames: [...]} or {attributes: {...}} (keys combine with AND)' },
  )
  .strict()
  .refine((s) => s.all === true || s.agentIds !== undefined || s.hostnames !== undefined || s.attributes !== undefined, {
    message: 'required: select agents with all (true), agentIds, hostnames or attributes (keys combine with AND)',
  });

export type AgentSelection = z.output<typeof AgentSelectionSchema>;
export type AgentSelectionInput = z.input<typeof AgentSelectionSchema>;

/** An attribute's value as Mesos prints it (`Attribute` stringify): text, scalar, ranges `[a-b, c-d]`, set `{x,y}`. */
export function attributeText(a: Attribute): string {
  if (a.text) return a.text.value;
  if (a.scalar) return String(a.scalar.value);
  if (a.ranges) return `[${a.ranges.range.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  if (a.set) return `{${a.set.item.join(',')}}`;
  return '';
}

/** The selection in words, for errors and plans: `agents with rack=r1 (not draining)`. */
export function describeSelection(s: AgentSelection): string {
  const parts: string[] = [];
  if (s.agentIds) parts.push(`agentIds ${s.agentIds.join(', ')}`);
  if (s.hostnames) parts.push(`hostnames ${s.hostnames.join(', ')}`);
  if (s.attributes) parts.push(`attributes ${Object.entries(s.attributes).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const what = parts.length === 0 ? 'all agents' : `agents with ${parts.join(' and ')}`;
  return `${what}${s.includeDraining ? ' (draining ones included)' : ' (not draining)'}`;
}

/**
 * A selection as the target of a workflow id (no `/`): `all`, `ids-S1,S2`, `hosts-a,b`, `rack=r1`, joined with `+`,
 * `+draining` when draining agents are included.
 */
export function selectionTarget(s: AgentSelection): string {
  const parts: string[] = [];
  if (s.agentIds) parts.push(`ids-${[...s.agentIds].sort().join(',')}`);
  if (s.hostnames) parts.push(`hosts-${[...s.hostnames].map((h) => h.toLowerCase()).sort().join(',')}`);
  if (s.attributes) parts.push(...Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`));
  if (parts.length === 0) parts.push('all');
  if (s.includeDraining) parts.push('draining');
  return parts.join('+').replace(/\//g, '_');
}

export type SelectionResult =
  | { ok: true; agents: Agent[]; excluded: { agentId: string; hostname: string; reason: string }[] }
  | { ok: false; message: string };

/**
 * The registered agents `selection` names, in GET_AGENTS order. Errors (each message naming the field): an agent id
 * or hostname that matches no registered agent (one re-registering after a failover says so), or an empty result.
 * `excluded` lists agents the names or attributes matched but the draining rule left out. `field` is the input field
 * the selection is given in (for messages: `agents.hostnames: ...`).
 */
export function selectAgents(view: AgentsView, selection: AgentSelection, cluster: string, field = 'agents'): SelectionResult {
  const problems: string[] = [];
  const recovered = view.recovered_agents ?? [];
  if (selection.agentIds) {
    for (const id of selection.agentIds) {
      if (view.agents.some((a) => a.agent_info.id?.value === id)) continue;
      const recovering = recovered.some((a) => a.id?.value === id);
      problems.push(`${field}.agentIds: no agent '${id}' is registered in cluster '${cluster}'${recovering ? ' (it is re-registering after a master failover: try again shortly)' : ''}`);
    }
  }
  if (selection.hostnames) {
    for (const h of selection.hostnames) {
      if (view.agents.some((a) => a.agent_info.hostname.toLowerCase() === h.toLowerCase())) continue;
      const recovering = recovered.some((a) => a.hostname.toLowerCase() === h.toLowerCase());
      problems.push(`${field}.hostnames: no registered agent has hostname '${h}' in cluster '${cluster}'${recovering ? ' (it is re-registering after a master failover: try again shortly)' : ''}`);
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const ids = selection.agentIds ? new Set(selection.agentIds) : undefined;
  const hosts = selection.hostnames ? new Set(selection.hostnames.map((h) => h.toLowerCase())) : undefined;
  const matches = (a: Agent): boolean => {
    if (ids && !ids.has(a.agent_info.id?.value ?? '')) return false;
    if (hosts && !hosts.has(a.agent_info.hostname.toLowerCase())) return false;
    for (const [name, want] of Object.entries(selection.attributes ?? {})) {
      const attr = a.agent_info.attributes.find((x) => x.name === name);
      if (!attr || attributeText(attr) !== String(want)) return false;
    }
    return true;
  };
  const agents: Agent[] = [];
  const excluded: { agentId: string; hostname: string; reason: string }[] = [];
  for (const a of view.agents) {
    if (!matches(a)) continue;
    const state = a.drain_info?.state;
    if (!selection.includeDraining && (state === 'DRAINING' || state === 'DRAINED')) {
      excluded.push({ agentId: a.agent_info.id?.value ?? '', hostname: a.agent_info.hostname, reason: `${state}: left out (includeDraining is false)` });
      continue;
    }
    agents.push(a);
  }
  if (agents.length === 0) {
    const why = excluded.length > 0 ? `: ${excluded.length} matching agent(s) are draining (give "includeDraining": true to include them)` : '';
    return { ok: false, message: `${field}: the selection (${describeSelection(selection)}) matches no registered agent in cluster '${cluster}'${why}` };
  }
  return { ok: true, agents, excluded };
}
