/**
 * The simulator answers as Mesos 1.11 does, checked against Mesos's own protocol: every master and agent answer
 * and every event of a scenario (scenario.ts) is decoded strictly by Mesos 1.11's generated protobuf classes with
 * protobuf-java-util's JsonFormat (test/conformance/java), and by the client's own zod schemas. Deliberately wrong
 * answers prove the check bites.
 */
import { parseMesosJson } from '../../src/mesos/json';
import { AGENT_CALLS, MASTER_CALLS, responseField } from '../../src/mesos/response-kinds';
import { ProcessIOSchema } from '../../src/mesos/schemas/agent';
import { MasterEventSchema } from '../../src/mesos/schemas/events';
import type { Recorded } from './recorder';
import { READ_CALLS, runScenario } from './scenario';
import { buildStrictDecoder, decodeStrictly, type Answer, type Verdict } from './strict-decoder';

let answers: Recorded[];
let verdicts: Verdict[];
let controls: { answer: Answer; expect: RegExp }[];
let controlVerdicts: Verdict[];

const find = (pred: (a: Recorded) => boolean, what: string): Recorded => {
  const a = answers.find(pred);
  if (!a) throw new Error(`the scenario recorded no ${what}`);
  return a;
};

/** Deliberately wrong answers, each made from a recorded one, and the error the decoder must give. */
function wrongAnswers(): { answer: Answer; expect: RegExp }[] {
  const drainEvent = find((a) => a.kind === 'event' && a.json.includes('"REASON_AGENT_DRAINING"'), 'drain event');
  const ops = find((a) => a.kind === 'master' && a.call === 'GET_OPERATIONS' && a.json.includes('"reserve"'), 'GET_OPERATIONS with a RESERVE');
  const agents = find((a) => a.kind === 'master' && a.call === 'GET_AGENTS' && a.json.includes('"agent_info"'), 'GET_AGENTS');
  const master = find((a) => a.kind === 'master' && a.call === 'GET_MASTER', 'GET_MASTER');
  const tasks = find((a) => a.kind === 'master' && a.call === 'GET_TASKS' && a.json.includes('"uuid"'), 'GET_TASKS');
  const op = (JSON.parse(ops.json) as { get_operations: { operations: { info: { type: string; reserve: Record<string, unknown> } }[] } }).get_operations.operations[0]!;
  const flattened = JSON.stringify({ type: 'GET_OPERATIONS', get_operations: { operations: [{ ...op, info: { type: op.info.type, ...op.info.reserve } }] } });
  const wrong = (from: Recorded, name: string, json: string, expect: RegExp) => ({ answer: { id: `wrong: ${name}`, type: from.type, json }, expect });
  return [
    wrong(drainEvent, 'a v0 reason name', drainEvent.json.replace('"REASON_AGENT_DRAINING"', '"REASON_SLAVE_DRAINING"'), /Invalid enum value: REASON_SLAVE_DRAINING/),
    wrong(ops, 'GET_OPERATIONS flattened beside type', flattened, /Cannot find field: resources in message mesos\.v1\.Offer\.Operation/),
    wrong(ops, 'a dashed text uuid', ops.json.replace(/"uuid":\{"value":"[^"]*"\}/, '"uuid":{"value":"0f5c9a8e-1b2c-4d3e-8f90-a1b2c3d4e5f6"}'), /uuid\.value: bytes must be padded standard base64/),
    wrong(ops, 'a uuid of 12 bytes', ops.json.replace(/"uuid":\{"value":"[^"]*"\}/, `"uuid":{"value":"${Buffer.alloc(12, 7).toString('base64')}"}`), /a UUID is 16 bytes, this is 12/),
    wrong(master, 'QUOTA_V2 written as a v1 name', master.json.replace('{}]', '{"type":"QUOTA_V2"}]'), /Invalid enum value: QUOTA_V2/),
    wrong(agents, 'an unknown field', agents.json.replace('"agent_info":', '"surplus":1,"agent_info":'), /Cannot find field: surplus/),
    wrong(agents, 'a camelCase key', agents.json.replace('"agent_info":', '"agentInfo":'), /the JSON name of 'agent_info'; Mesos writes proto field names/),
    wrong(agents, 'int64 as a string', agents.json.replace(/"nanoseconds":(\d+)/, '"nanoseconds":"$1"'), /INT64 must be a bare JSON integer/),
    wrong(tasks, 'a status uuid that is not base64', tasks.json.replace(/"uuid":"[^"]*"/, '"uuid":"not-base64!"'), /uuid: bytes must be padded standard base64/),
    wrong(agents, 'a missing required field', agents.json.replace(/"hostname":"[^"]*",/, ''), /missing required fields: .*hostname/i),
  ];
}

beforeAll(async () => {
  // Both settle before anything is thrown, so the scenario's simulator is always stopped first.
  const [b, sc] = await Promise.allSettled([buildStrictDecoder(), runScenario()]);
  if (b.status === 'rejected') throw b.reason;
  if (sc.status === 'rejected') throw sc.reason;
  const [build, scenario] = [b.value, sc.value];
  answers = scenario.recorder.answers;
  controls = wrongAnswers();
  const all = await decodeStrictly(build, [...answers, ...controls.map((c) => c.answer)]);
  verdicts = all.slice(0, answers.length);
  controlVerdicts = all.slice(answers.length);
}, 600_000);

describe('strict decoding with Mesos 1.11 protocol classes (org.apache.mesos:mesos:1.11.0, JsonFormat)', () => {
  it('decodes every recorded master and agent answer and every event', () => {
    const failures = verdicts.filter((v) => !v.ok).map((v) => `${v.id}: ${v.errors.join('; ')}`);
    expect(failures).toEqual([]);
    expect(verdicts.map((v) => v.id)).toEqual(answers.map((a) => a.id));
  });

  it('recorded every kind of answer the scenario is about', () => {
    const calls = (kind: string) => new Set(answers.filter((a) => a.kind === kind).map((a) => a.call));
    for (const c of [...READ_CALLS.master]) expect([c, calls('master').has(c)]).toEqual([c, true]);
    for (const c of [...READ_CALLS.agent, 'WAIT_CONTAINER']) expect([c, calls('agent').has(c)]).toEqual([c, true]);
    for (const e of ['SUBSCRIBED', 'HEARTBEAT', 'TASK_ADDED', 'TASK_UPDATED', 'AGENT_ADDED', 'AGENT_REMOVED', 'FRAMEWORK_REMOVED']) expect([e, calls('event').has(e)]).toEqual([e, true]);
    expect(calls('process-io')).toEqual(new Set(['LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_OUTPUT']));
    const text = (kind: string) => answers.filter((a) => a.kind === kind).map((a) => a.json).join('\n');
    // Reasons of a drain, a maintenance removal and MARK_AGENT_GONE, in events and in reads.
    for (const reason of ['REASON_AGENT_DRAINING', 'REASON_AGENT_REMOVED', 'REASON_AGENT_REMOVED_BY_OPERATOR']) {
      expect([reason, text('event').includes(`"${reason}"`), text('master').includes(`"${reason}"`)]).toEqual([reason, true, true]);
    }
    // Every kind of operation, nested in `info`, on the master and on the agent.
    for (const kind of ['reserve', 'create', 'grow_volume', 'shrink_volume', 'destroy', 'unreserve']) {
      expect([kind, text('master').includes(`"info":{"type":"${kind.toUpperCase()}","${kind}":`)]).toEqual([kind, true]);
      expect([kind, text('agent').includes(`"${kind}":{`)]).toEqual([kind, true]);
    }
    expect(text('master')).toContain('"recovered_agents":[{');
    expect(text('master')).toContain('"down_machines":[{');
    expect(text('master')).toContain('"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{}]');
    expect(text('event')).toContain('"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"127.0.0.');
  });

  it('writes v1 names only: no REASON_SLAVE_* value and no slave field anywhere', () => {
    const all = answers.map((a) => a.json).join('\n');
    expect(all).not.toMatch(/"REASON_SLAVE_/);
    expect(all.match(/"[a-z_]*slave[a-z_]*":/g) ?? []).toEqual([]);
  });

  it('bites: every deliberately wrong answer fails the decoder, with the expected error', () => {
    expect(controlVerdicts.map((v) => [v.id, v.ok])).toEqual(controls.map((c) => [c.answer.id, false]));
    for (const [i, c] of controls.entries()) expect([c.answer.id, controlVerdicts[i]!.errors.join('; ')]).toEqual([c.answer.id, expect.stringMatching(c.expect)]);
  });
});

describe("the client's zod schemas accept what the strict decoding accepts", () => {
  it('parses every recorded answer with the schema of its call, and every event and ProcessIO record', () => {
    const problems: string[] = [];
    for (const a of answers) {
      const body = parseMesosJson(a.json) as Record<string, unknown>;
      let result: { success: boolean; error?: unknown };
      if (a.kind === 'event') result = MasterEventSchema.safeParse(body);
      else if (a.kind === 'process-io') result = ProcessIOSchema.safeParse(body);
      else {
        const table: Record<string, { kind: string; schema?: { safeParse(v: unknown): { success: boolean; error?: unknown } } }> = a.kind === 'master' ? MASTER_CALLS : AGENT_CALLS;
        const spec = table[a.call];
        if (spec?.kind !== 'json' || !spec.schema) {
          problems.push(`${a.id}: no JSON schema for ${a.call}`);
          continue;
        }
        expect(body.type).toBe(a.call);
        result = spec.schema.safeParse(body[responseField(a.call)]);
      }
      if (!result.success) problems.push(`${a.id}: ${String(result.error)}`);
    }
    expect(problems).toEqual([]);
  });
});
