/**
 * Coverage guard: every call type of the client's tables (src/mesos/response-kinds.ts) must be exercised by the
 * client ⇄ simulator tests. Each test file declares the call types it exercises (`EXERCISED_*_CALLS`); this test
 * reads those lists from the sources and checks each listed call's client method is really invoked there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_CALLS, MASTER_CALLS } from '../../../src/mesos';

const here = __dirname;
const source = (file: string): string => readFileSync(join(here, file), 'utf8');

/** The string items of `export const <name> = [ ... ] as const;` in a source file. */
function declaredList(text: string, name: string): string[] {
  const m = new RegExp(`export const ${name} = \\[([^\\]]*)\\] as const;`).exec(text);
  if (!m?.[1]) throw new Error(`${name} not found`);
  return [...m[1].matchAll(/'([A-Z_]+)'/g)].map((x) => x[1] as string);
}

/** GET_HEALTH → getHealth. */
function methodName(callType: string): string {
  return callType.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

const files = {
  master: source('master-calls.test.ts'),
  agent: source('agent-calls.test.ts'),
  events: source('events.test.ts'),
};

const exercised = {
  master: declaredList(files.master, 'EXERCISED_MASTER_CALLS'),
  events: declaredList(files.events, 'EXERCISED_EVENT_CALLS'),
  agent: declaredList(files.agent, 'EXERCISED_AGENT_CALLS'),
};

describe('client-sim coverage guard', () => {
  it('every master call type is exercised', () => {
    const covered = new Set([...exercised.master, ...exercised.events]);
    const missing = Object.keys(MASTER_CALLS).filter((t) => !covered.has(t));
    expect(missing).toEqual([]);
    const unknown = [...covered].filter((t) => !(t in MASTER_CALLS));
    expect(unknown).toEqual([]);
  });

  it('every agent call type is exercised', () => {
    const covered = new Set(exercised.agent);
    const missing = Object.keys(AGENT_CALLS).filter((t) => !covered.has(t));
    expect(missing).toEqual([]);
    const unknown = [...covered].filter((t) => !(t in AGENT_CALLS));
    expect(unknown).toEqual([]);
  });

  it('each listed call is really invoked through the typed client in its file', () => {
    const notInvoked: string[] = [];
    const check = (text: string, receiver: string, types: string[], label: string): void => {
      for (const t of types) if (!new RegExp(`\\b${receiver}\\.${methodName(t)}\\(`).test(text)) notInvoked.push(`${label}: ${t}`);
    };
    check(files.master, 'mesos', exercised.master, 'master-calls.test.ts');
    check(files.events, 'mesos', exercised.events, 'events.test.ts');
    check(files.agent, 'agent', exercised.agent, 'agent-calls.test.ts');
    expect(notInvoked).toEqual([]);
  });

  it('the lists have no duplicates', () => {
    for (const list of Object.values(exercised)) expect(new Set(list).size).toBe(list.length);
  });
});
