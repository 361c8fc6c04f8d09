import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseInPlace, safeParseInPlace } from '../../../src/mesos/fast-parse';
import { parseMesosJsonQuoted } from '../../../src/mesos/json';
import { AGENT_CALLS, MASTER_CALLS, responseField } from '../../../src/mesos/response-kinds';
import { MasterEventSchema } from '../../../src/mesos/schemas/events';
import { GetAgentsSchema } from '../../../src/mesos/schemas/master';
import { ContainerIdSchema } from '../../../src/mesos/schemas/common';

interface Entry {
  api: string;
  call: string;
  kind: string;
  body: unknown;
}
function isEntry(v: unknown): v is Entry {
  return typeof v === 'object' && v !== null && 'api' in v && 'call' in v && 'kind' in v && 'body' in v;
}
const text = readFileSync(path.join(__dirname, '../../fixtures/examples.json'), 'utf8');
const all: unknown = parseMesosJsonQuoted(text);
const entries: Entry[] = Array.isArray(all) ? all.filter(isEntry) : [];

function fieldOf(body: unknown, field: string): unknown {
  return typeof body === 'object' && body !== null ? Reflect.get(body, field) : undefined;
}

function fresh(): Entry[] {
  const again: unknown = parseMesosJsonQuoted(text);
  return Array.isArray(again) ? again.filter(isEntry) : [];
}

describe('parseInPlace (no-copy validation) equals zod', () => {
  it('gives the same result as schema.parse for every JSON response and event of the corpus', () => {
    const copy = fresh();
    let compared = 0;
    entries.forEach((e, i) => {
      const table: Record<string, { kind: string; schema?: z.ZodType }> = e.api === 'agent' ? AGENT_CALLS : MASTER_CALLS;
      let schema: z.ZodType | undefined;
      let a: unknown;
      let b: unknown;
      if (e.kind === 'event' || (e.kind === 'response' && e.call === 'SUBSCRIBE')) {
        schema = MasterEventSchema;
        a = e.body;
        b = copy[i].body;
      } else if (e.kind === 'response' && table[e.call]?.kind === 'json') {
        schema = table[e.call].schema;
        const field = responseField(e.call);
        a = fieldOf(e.body, field);
        b = fieldOf(copy[i].body, field);
      }
      if (!schema) return;
      const viaZod = schema.safeParse(a);
      const inPlace = safeParseInPlace(schema, b);
      expect(inPlace.success).toBe(viaZod.success);
      if (viaZod.success && inPlace.success) expect(inPlace.data).toEqual(viaZod.data);
      compared++;
    });
    expect(compared).toBe(37); // 28 master bodies and events + 9 agent bodies
  });

  it('normalises in place: same object, defaults filled, int64 as bigint', () => {
    const doc = { agents: [{ active: true, agent_info: { hostname: 'h' }, registered_time: { nanoseconds: '1700000000000000001' } }] };
    const out = parseInPlace(GetAgentsSchema, doc);
    expect(out).toBe(doc);
    expect(out.agents[0].registered_time?.nanoseconds).toBe(1700000000000000001n);
    expect(out.agents[0].total_resources).toEqual([]);
    expect(out.recovered_agents).toEqual([]);
  });

  it('throws the same ZodError as zod on a mismatch', () => {
    const bad = { agents: [{ active: 'yes', agent_info: { hostname: 'h' } }] };
    const zodError = GetAgentsSchema.safeParse(structuredClone(bad));
    const ours = safeParseInPlace(GetAgentsSchema, structuredClone(bad));
    expect(ours.success).toBe(false);
    expect(zodError.success).toBe(false);
    if (!ours.success && !zodError.success) expect(ours.error.issues).toEqual(zodError.error.issues);
  });

  it('handles recursive schemas (nested container ids)', () => {
    const v = { value: 'c', parent: { value: 'b', parent: { value: 'a' } } };
    expect(parseInPlace(ContainerIdSchema, v).parent?.parent?.value).toBe('a');
    expect(safeParseInPlace(ContainerIdSchema, { value: 'c', parent: { value: 1 } }).success).toBe(false);
  });
});
