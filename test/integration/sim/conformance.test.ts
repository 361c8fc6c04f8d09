/**
 * The examples corpus (test/fixtures/examples.json): every request example is accepted by the simulator after
 * the corrections the spec documents, and every response the simulator returns is well-formed Mesos JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { I64 } from '../../../src/sim/json';
import { encodeRecord } from '../../../src/sim/recordio';
import { callApi, startTestCluster, subscribe, waitFor, type SimCluster } from '../../helpers/sim';

interface Example {
  api: 'master' | 'agent' | 'master-events';
  call: string;
  kind: 'request' | 'response' | 'event';
  status: number | null;
  headers: Record<string, string>;
  body: unknown;
  fixed: string[];
  line: number;
}

const examples = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'examples.json'), 'utf8')) as Example[];

/** Rejections that mean "the request itself was not understood" (transport, parse, validation). */
function isTransportRejection(status: number, text: string): boolean {
  if ([405, 406, 415, 501].includes(status)) return true;
  return status === 400 && /^(Failed to (parse|convert|validate)|Expecting ')/.test(text);
}

/** Walks a response and returns every problem that makes it not Mesos-shaped JSON. */
function problems(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => problems(v, `${path}[${i}]`, out));
  else if (value instanceof I64) return out;
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const inMap = /\.(guarantees|limits)$/.test(path);
      if (!inMap && !/^[a-z][a-z0-9_]*$/.test(k)) out.push(`${path}.${k}: key is not a proto field name`);
      if (k === 'nanoseconds' && !(v instanceof I64) && !(typeof v === 'number' && Number.isInteger(v))) out.push(`${path}.${k}: not an integer JSON number`);
      if ((k === 'state' || k === 'type') && typeof v !== 'string') out.push(`${path}.${k}: enum not written as a name`);
      problems(v, `${path}.${k}`, out);
    }
  } else if (typeof value === 'number' && !Number.isFinite(value)) out.push(`${path}: non-finite number`);
  return out;
}

function expectEnvelope(json: unknown, type: string): Record<string, unknown> {
  const obj = json as Record<string, unknown>;
  expect(obj.type).toBe(type);
  expect(Object.keys(obj).sort()).toEqual(type === 'GET_HEALTH' || obj[type.toLowerCase()] !== undefined ? ['type', type.toLowerCase()].sort() : ['type']);
  expect(problems(obj)).toEqual([]);
  return obj;
}

describe('examples corpus', () => {
  let sim: SimCluster;
  let agentId: string;
  let masterTarget: string;
  let agentUrl: string;
  let fwId: string;
  beforeAll(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000 });
    agentId = [...sim.model.agents.keys()][0] as string;
    // Master examples (MARK_AGENT_GONE, DRAIN_AGENT...) act on another agent than the one whose API is exercised.
    masterTarget = [...sim.model.agents.keys()][2] as string;
    agentUrl = `http://${sim.model.agents.get(agentId)!.ip}:${sim.model.agents.get(agentId)!.port}`;
    fwId = [...sim.model.frameworks.keys()][0] as string;
  });
  afterAll(() => sim.stop());

  /** Puts real ids where the examples have the document's ids. */
  function localise(body: unknown, executorContainer?: string): unknown {
    let text = JSON.stringify(body);
    text = text.replace(/"agent_id":\{"value":"[^"]+"\}/g, `"agent_id":{"value":"${masterTarget}"}`);
    text = text.replace(/"framework_id":\{"value":"[^"]+"\}/g, `"framework_id":{"value":"${fwId}"}`);
    if (executorContainer) {
      // The innermost parent of a container chain must be a running executor container of this agent.
      text = text.replace(/"parent":\{"value":"[0-9a-f-]{36}"\}/g, `"parent":{"value":"${executorContainer}"}`);
      text = text.replace(/"parent":\{"parent":\{"value":"[0-9a-f-]{36}"\},"value":"([0-9a-f-]{36})"\}/g, `"parent":{"value":"${executorContainer}"}`);
    }
    return JSON.parse(text);
  }

  const masterRequests = examples.filter((e) => e.api === 'master' && e.kind === 'request' && e.call !== 'SUBSCRIBE' && !e.call.startsWith('TEARDOWN'));
  it.each(masterRequests.map((e) => [e.call, e.line, e] as const))('master request %s (line %i) is accepted', async (_call, _line, e) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.headers)) if (!k.startsWith(':') && k !== 'Host') headers[k] = v;
    const r = await callApi(sim.leader, localise(e.body), headers);
    expect(isTransportRejection(r.status, r.text)).toBe(false);
    expect(r.status).toBeLessThan(500);
    if (r.status === 200 && r.text !== '') expectEnvelope(r.json, e.call);
  });

  it('SUBSCRIBE example is accepted and streams well-formed events', async () => {
    const s = await subscribe(sim.leader);
    try {
      await s.next((ev) => ev.type === 'HEARTBEAT', 'heartbeat');
      const other = [...sim.model.agents.keys()][1] as string;
      await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: other }, max_grace_period: { seconds: 1 } } });
      await waitFor(() => sim.model.agents.get(other)?.drain?.state === 'DRAINED', 'drained');
      expect(s.events.length).toBeGreaterThan(4);
      for (const ev of s.events) {
        expect(problems(ev)).toEqual([]);
        if (ev.type !== 'HEARTBEAT') expect(Object.keys(ev).sort()).toEqual(['type', String(ev.type).toLowerCase()].sort());
      }
    } finally {
      s.close();
    }
  });

  const agentRequests = examples.filter((e) => e.api === 'agent' && e.kind === 'request');
  it.each(agentRequests.map((e) => [e.call, e.line, e] as const))('agent request %s (line %i) is accepted', async (_call, _line, e) => {
    const containers = (await callApi(agentUrl, { type: 'GET_CONTAINERS' })).json as { get_containers: { containers: { container_id: { value: string } }[] } };
    const exec = containers.get_containers.containers[0]!.container_id.value;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.headers)) if (!k.startsWith(':') && k !== 'Host') headers[k] = v;
    if (e.call === 'ATTACH_CONTAINER_INPUT') {
      const id = { value: `in-${e.line}`, parent: { value: exec } };
      await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: id, command: { value: 'cat' } } });
      const records = (e.body as unknown[]).map((r, i) => {
        const rec = JSON.parse(JSON.stringify(r)) as { attach_container_input: { container_id?: unknown } };
        if (i === 0) rec.attach_container_input.container_id = id;
        return encodeRecord(JSON.stringify(rec));
      });
      const r = await callApi(agentUrl, Buffer.concat(records).toString(), headers);
      expect(r.status).toBe(200);
      return;
    }
    let body = localise(e.body, exec) as Record<string, unknown>;
    if (e.call === 'LAUNCH_NESTED_CONTAINER_SESSION') {
      body = JSON.parse(JSON.stringify(body).replace('while [ true ]; do echo $(date); sleep 1; done', 'echo $(date)')) as Record<string, unknown>;
    }
    if (['WAIT_NESTED_CONTAINER', 'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER'].includes(e.call)) {
      const sub = body[e.call.toLowerCase()] as { container_id: { value: string; parent: unknown } };
      sub.container_id.value = `${sub.container_id.value}-${e.line}`;
      await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: sub.container_id, command: { value: e.call === 'KILL_NESTED_CONTAINER' ? 'sleep 30' : 'true' } } });
      if (e.call === 'REMOVE_NESTED_CONTAINER') await callApi(agentUrl, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: sub.container_id } });
    }
    let attached: { value: string; parent: { value: string } } | undefined;
    if (e.call === 'ATTACH_CONTAINER_OUTPUT') {
      // A live container (output attaches to live containers only), ended once the attachment is in place.
      attached = { value: 'attach-out', parent: { value: exec } };
      await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: attached, command: { value: 'read line' } } });
      body = { type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: attached } };
    }
    const pending = callApi(agentUrl, body, headers);
    if (attached) {
      const container = sim.runtime.agentNodes.get(agentId)!.containers.get(attached)!;
      await waitFor(() => container.outputListeners.size > 0, 'output attached');
      await callApi(agentUrl, { type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: attached } });
    }
    const r = await pending;
    expect(isTransportRejection(r.status, r.text)).toBe(false);
    expect([200, 202]).toContain(r.status);
    if (r.status === 200 && r.json !== undefined && !e.call.includes('SESSION') && !e.call.startsWith('ATTACH')) expectEnvelope(r.json, e.call);
  });

  it('every master read the corpus documents returns a well-formed envelope', async () => {
    const reads = [...new Set(examples.filter((e) => e.api === 'master' && e.kind === 'response' && e.status === 200 && e.call.startsWith('GET_')).map((e) => e.call))];
    expect(reads.length).toBeGreaterThan(15);
    for (const call of reads) {
      const body = call === 'GET_METRICS' ? { type: call, get_metrics: {} } : call === 'LIST_FILES' ? { type: call, list_files: { path: '/master/log' } } : { type: call };
      const r = await callApi(sim.leader, body);
      expect([call, r.status]).toEqual([call, 200]);
      expectEnvelope(r.json, call);
      // Only the hand-written state handlers write empty arrays; the generic writer omits them.
      if (!['GET_STATE', 'GET_AGENTS', 'GET_TASKS', 'GET_FRAMEWORKS', 'GET_EXECUTORS'].includes(call)) expect([call, r.text.includes('[]')]).toEqual([call, false]);
    }
  });

  it('every agent read returns a well-formed envelope', async () => {
    const reads = ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_AGENT', 'GET_RESOURCE_PROVIDERS'];
    for (const call of reads) {
      const r = await callApi(agentUrl, call === 'GET_METRICS' ? { type: call, get_metrics: {} } : { type: call });
      expect([call, r.status]).toEqual([call, 200]);
      expectEnvelope(r.json, call);
      // As on the master, only the hand-written state handlers (`jsonifyGet*`) write empty arrays.
      if (!['GET_STATE', 'GET_TASKS', 'GET_FRAMEWORKS', 'GET_EXECUTORS'].includes(call)) expect([call, r.text.includes('[]')]).toEqual([call, false]);
    }
  });
});
