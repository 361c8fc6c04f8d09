/**
 * Conformance corpus: every one of the 120 examples of the Operator API document (test/fixtures/examples.json).
 * Request examples: the call builder, given the example's inputs, produces an equal JSON body (64-bit integers
 * compared as decimal strings). Response and event examples: they parse with their schema. Where the document
 * differs from real Mesos (shared/spec/mesos-semantics.md), the entry's DEVIATIONS row says how and the client
 * follows real Mesos. No entry is skipped: the walk counts what it checked.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import * as agentCalls from '../../../src/mesos/calls/agent';
import type { MesosCall } from '../../../src/mesos/calls/common';
import * as masterCalls from '../../../src/mesos/calls/master';
import { parseMesosJson, stringifyMesosJson } from '../../../src/mesos/json';
import { encodeRecord, RecordIODecoder } from '../../../src/mesos/recordio';
import { AGENT_CALLS, MASTER_CALLS, responseField, type CallSpec } from '../../../src/mesos/response-kinds';
import { MasterEventSchema } from '../../../src/mesos/schemas/events';

const ExampleSchema = z.object({
  api: z.enum(['master', 'agent', 'master-events']),
  call: z.string(),
  kind: z.enum(['request', 'response', 'event']),
  status: z.number().nullable(),
  headers: z.record(z.string(), z.string()),
  body: z.unknown(),
  fixed: z.array(z.string()),
  line: z.number(),
});
type Example = z.infer<typeof ExampleSchema>;

// Parsed with the exact-int64 parser, so the nanoseconds in the document keep every digit.
const EXAMPLES: Example[] = z
  .array(ExampleSchema)
  .parse(parseMesosJson(readFileSync(path.join(__dirname, '../../fixtures/examples.json'), 'utf8')));

/** JSON equality where a 64-bit integer may be a number, a bigint or a decimal string. */
function normalize(value: unknown): unknown {
  return JSON.parse(stringifyMesosJson(value), (key, v: unknown) => (key === 'nanoseconds' && typeof v === 'number' ? String(v) : v));
}

type Body = Record<string, unknown>;
function obj(v: unknown): Body {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected an object');
  return Object.fromEntries(Object.entries(v));
}
const inner = (b: unknown, field: string): Body => obj(obj(b)[field]);
const str = (v: unknown): string => {
  if (typeof v !== 'string') throw new Error('expected a string');
  return v;
};
const agentIdOf = (b: Body): string => str(obj(b['agent_id'])['value']);
const list = (v: unknown): Body[] => (Array.isArray(v) ? v.map(obj) : []);
interface Cid {
  value: string;
  parent?: Cid;
}
function cid(v: unknown): Cid {
  const o = obj(v);
  return o['parent'] === undefined ? { value: str(o['value']) } : { value: str(o['value']), parent: cid(o['parent']) };
}

/**
 * For each request example: the builder call with the inputs a caller would pass. The inputs are the example's
 * values; complex Mesos messages (resources, CommandInfo, ResourceProviderInfo) are passed through as data.
 */
const REQUESTS: Record<string, (body: unknown) => MesosCall | MesosCall[]> = {
  'master GET_HEALTH': () => masterCalls.getHealth(),
  'master GET_FLAGS': () => masterCalls.getFlags(),
  'master GET_VERSION': () => masterCalls.getVersion(),
  'master GET_METRICS': () => masterCalls.getMetrics({ timeoutNanoseconds: 5_000_000_000n }),
  'master GET_LOGGING_LEVEL': () => masterCalls.getLoggingLevel(),
  'master SET_LOGGING_LEVEL': () => masterCalls.setLoggingLevel({ level: 1, durationNanoseconds: 60_000_000_000n }),
  'master LIST_FILES': () => masterCalls.listFiles({ path: 'one/' }),
  'master READ_FILE': () => masterCalls.readFile({ path: 'myname', offset: 1, length: 6 }),
  'master GET_STATE': () => masterCalls.getState(),
  'master GET_AGENTS': () => masterCalls.getAgents(),
  'master GET_FRAMEWORKS': () => masterCalls.getFrameworks(),
  'master GET_EXECUTORS': () => masterCalls.getExecutors(),
  'master GET_TASKS': () => masterCalls.getTasks(),
  'master GET_ROLES': () => masterCalls.getRoles(),
  'master GET_OPERATIONS': () => masterCalls.getOperations(),
  'master GET_WEIGHTS': () => masterCalls.getWeights(),
  'master UPDATE_WEIGHTS': () => masterCalls.updateWeights({ weightInfos: [{ role: 'role', weight: 4 }] }),
  'master GET_MASTER': () => masterCalls.getMaster(),
  'master RESERVE_RESOURCES': (b) => {
    const r = inner(b, 'reserve_resources');
    return masterCalls.reserveResources({ agentId: agentIdOf(r), source: list(r['source']).map(resource), resources: list(r['resources']).map(resource) });
  },
  'master UNRESERVE_RESOURCES': (b) => {
    const r = inner(b, 'unreserve_resources');
    return masterCalls.unreserveResources({ agentId: agentIdOf(r), resources: list(r['resources']).map(resource) });
  },
  'master CREATE_VOLUMES': (b) => {
    const r = inner(b, 'create_volumes');
    return masterCalls.createVolumes({ agentId: agentIdOf(r), volumes: list(r['volumes']).map(resource) });
  },
  'master DESTROY_VOLUMES': (b) => {
    const r = inner(b, 'destroy_volumes');
    return masterCalls.destroyVolumes({ agentId: agentIdOf(r), volumes: list(r['volumes']).map(resource) });
  },
  'master GROW_VOLUME': (b) => {
    const r = inner(b, 'grow_volume');
    return masterCalls.growVolume({ agentId: agentIdOf(r), volume: resource(r['volume']), addition: resource(r['addition']) });
  },
  'master SHRINK_VOLUME': (b) => {
    const r = inner(b, 'shrink_volume');
    return masterCalls.shrinkVolume({ agentId: agentIdOf(r), volume: resource(r['volume']), subtract: 64 });
  },
  'master GET_MAINTENANCE_STATUS': () => masterCalls.getMaintenanceStatus(),
  'master GET_MAINTENANCE_SCHEDULE': () => masterCalls.getMaintenanceSchedule(),
  'master UPDATE_MAINTENANCE_SCHEDULE': () =>
    masterCalls.updateMaintenanceSchedule({
      windows: [{ machine_ids: [{ hostname: 'myhost' }, { ip: '0.0.0.2' }], unavailability: { start: { nanoseconds: 1470820233192017920n } } }],
    }),
  'master START_MAINTENANCE': () => masterCalls.startMaintenance({ machines: [{ hostname: 'myhost', ip: '0.0.0.3' }] }),
  'master STOP_MAINTENANCE': () => masterCalls.stopMaintenance({ machines: [{ hostname: 'myhost', ip: '0.0.0.3' }] }),
  'master GET_QUOTA': () => masterCalls.getQuota(),
  'master UPDATE_QUOTA': () =>
    masterCalls.updateQuota({
      force: false,
      quotaConfigs: [
        { role: 'dev', limits: { cpus: { value: 10 }, mem: { value: 2048 }, disk: { value: 4096 } } },
        { role: 'test', limits: { cpus: { value: 1 }, mem: { value: 256 }, disk: { value: 512 } } },
      ],
    }),
  'master MARK_AGENT_GONE': () => masterCalls.markAgentGone({ agentId: '3192b9d1-db71-4699-ae25-e28dfbf42de1' }),
  'master DRAIN_AGENT': () =>
    masterCalls.drainAgent({ agentId: '3192b9d1-db71-4699-ae25-e28dfbf42de1', maxGracePeriodSeconds: 600, markGone: false }),
  'master DEACTIVATE_AGENT': () => masterCalls.deactivateAgent({ agentId: '3192b9d1-db71-4699-ae25-e28dfbf42de1' }),
  'master REACTIVATE_AGENT': () => masterCalls.reactivateAgent({ agentId: '3192b9d1-db71-4699-ae25-e28dfbf42de1' }),
  'master SUBSCRIBE': () => masterCalls.subscribe(),
  'agent GET_FLAGS': () => agentCalls.getFlags(),
  'agent GET_STATE': () => agentCalls.getState(),
  'agent GET_CONTAINERS': () => agentCalls.getContainers({ showNested: true, showStandalone: false }),
  'agent GET_FRAMEWORKS': () => agentCalls.getFrameworks(),
  'agent GET_EXECUTORS': () => agentCalls.getExecutors(),
  'agent GET_TASKS': () => agentCalls.getTasks(),
  'agent GET_OPERATIONS': () => agentCalls.getOperations(),
  'agent LAUNCH_NESTED_CONTAINER': (b) => {
    const r = inner(b, 'launch_nested_container');
    return agentCalls.launchNestedContainer({ containerId: cid(r['container_id']), command: obj(r['command']) });
  },
  'agent WAIT_NESTED_CONTAINER': (b) => agentCalls.waitNestedContainer({ containerId: cid(inner(b, 'wait_nested_container')['container_id']) }),
  'agent KILL_NESTED_CONTAINER': (b) => agentCalls.killNestedContainer({ containerId: cid(inner(b, 'kill_nested_container')['container_id']) }),
  'agent LAUNCH_NESTED_CONTAINER_SESSION': (b) => {
    const r = inner(b, 'launch_nested_container_session');
    return agentCalls.launchNestedContainerSession({ containerId: cid(r['container_id']), command: obj(r['command']) });
  },
  'agent ATTACH_CONTAINER_INPUT': () => [
    agentCalls.attachContainerInputStart({ containerId: { value: 'da737efb-a9d4-4622-84ef-f55eb07b861a' } }),
    agentCalls.attachContainerInputData('test\n'),
    agentCalls.attachContainerInputHeartbeat(30_000_000_000n),
    agentCalls.attachContainerInputData(''),
  ],
  'agent ATTACH_CONTAINER_OUTPUT': (b) => agentCalls.attachContainerOutput({ containerId: cid(inner(b, 'attach_container_output')['container_id']) }),
  'agent REMOVE_NESTED_CONTAINER': (b) => agentCalls.removeNestedContainer({ containerId: cid(inner(b, 'remove_nested_container')['container_id']) }),
  'agent GET_RESOURCE_PROVIDERS': () => agentCalls.getResourceProviders(),
  'agent ADD_RESOURCE_PROVIDER_CONFIG': (b) => agentCalls.addResourceProviderConfig({ info: inner(inner(b, 'add_resource_provider_config'), 'info') }),
  'agent UPDATE_RESOURCE_PROVIDER_CONFIG': (b) =>
    agentCalls.updateResourceProviderConfig({ info: inner(inner(b, 'update_resource_provider_config'), 'info') }),
  'agent REMOVE_RESOURCE_PROVIDER_CONFIG': () =>
    agentCalls.removeResourceProviderConfig({ type: 'org.apache.mesos.rp.local.storage', name: 'test_slrp' }),
  'agent PRUNE_IMAGES': () => agentCalls.pruneImages({ excludedImages: [{ type: 'DOCKER', docker: { name: 'mysql:latest' } }] }),
};

function resource(v: unknown): { name: string; type: string } {
  const o = obj(v);
  return { ...o, name: str(o['name']), type: str(o['type']) };
}

/**
 * Where the document differs from real Mesos. `fix` turns the documented body into what real Mesos sends; `seedFails`
 * says whether the documented body as-is is rejected by the (real-Mesos) schema.
 */
interface Deviation {
  note: string;
  fix?: (body: unknown) => unknown;
  seedFails?: boolean;
}
const DEVIATIONS: Record<string, Deviation> = {
  'master GET_QUOTA response': {
    note: 'the document nests `configs` inside `infos[]`; real Mesos puts `configs` beside `infos` (quota_handler.cpp)',
    fix: (b) => {
      const status = inner(inner(b, 'get_quota'), 'status');
      const configs = list(status['infos']).flatMap((i) => list(i['configs']));
      return { type: 'GET_QUOTA', get_quota: { status: { infos: [], configs } } };
    },
  },
  'master-events TASK_ADDED event': {
    note: 'the documented task lacks `framework_id` and `state`, which real Mesos always sends (proto2 required fields)',
    fix: (b) => {
      const task = inner(inner(b, 'task_added'), 'task');
      return { type: 'TASK_ADDED', task_added: { task: { ...task, framework_id: { value: 'f' }, state: 'TASK_STAGING' } } };
    },
    seedFails: true,
  },
  'master-events TASK_UPDATED event': {
    note: 'real Mesos sends `{framework_id, status, state}`; the document omits the required `status` and puts task/agent/executor ids at the top',
    fix: (b) => {
      const u = inner(b, 'task_updated');
      const status = { task_id: u['task_id'], agent_id: u['agent_id'], executor_id: u['executor_id'], state: u['state'] };
      return { type: 'TASK_UPDATED', task_updated: { framework_id: u['framework_id'], status, state: u['state'] } };
    },
    seedFails: true,
  },
  'master GET_OPERATIONS response': {
    note: 'the document writes uuids as dashed text; real Mesos writes every protobuf `bytes` field as base64 (a UUID is 16 bytes). The client keeps uuids as opaque strings, so both parse',
    fix: base64Uuids,
  },
  'agent GET_OPERATIONS response': {
    note: 'as the master GET_OPERATIONS response: uuids are base64 of 16 bytes in real Mesos, dashed text in the document',
    fix: base64Uuids,
  },
  'master GET_STATE response': { note: 'the document omits the required `recovered` of each framework (GetFrameworks.Framework); the client defaults it to false' },
  'master GET_FRAMEWORKS response': { note: 'the document omits the required `recovered` of each framework; the client defaults it to false' },
  'master SET_LOGGING_LEVEL response': { note: 'documented as 202; real Mesos answers 200. The client accepts both.' },
  'master UPDATE_WEIGHTS response': { note: 'documented as 202; real Mesos answers 200. The client accepts both.' },
  'master UPDATE_MAINTENANCE_SCHEDULE response': { note: 'documented as 202; real Mesos answers 200. The client accepts both.' },
  'master START_MAINTENANCE response': { note: 'documented as 202; real Mesos answers 200. The client accepts both.' },
  'master STOP_MAINTENANCE response': { note: 'documented as 202; real Mesos answers 200. The client accepts both.' },
  'master DRAIN_AGENT request': {
    note: 'agrees with real Mesos: max_grace_period is a google.protobuf.Duration {seconds}; the "10mins" string of docs/maintenance.md is rejected with 400',
  },
  'master SUBSCRIBE response': {
    note: 'the document elides the snapshot (`{...}`, fixed to `{}`); the SUBSCRIBED schema defaults every part to empty lists',
  },
};

/** Every `uuid: {value}` rewritten as real Mesos writes a UUID's bytes: base64 of 16 bytes (here a hash of the text). */
function base64Uuids(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, v: unknown) => {
    if (key !== 'uuid' || typeof v !== 'object' || v === null || typeof (v as { value?: unknown }).value !== 'string') return v;
    return { value: createHash('md5').update((v as { value: string }).value).digest('base64') };
  });
}

/** Calls real Mesos answers with 202 Accepted (mesos-semantics.md section 6). */
const OPERATION_CALLS = new Set(['RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME']);

const used = new Set<string>();
let checked = 0;

function specOf(e: Example): CallSpec {
  const table: Record<string, CallSpec> = e.api === 'agent' ? AGENT_CALLS : MASTER_CALLS;
  const spec = table[e.call];
  if (!spec) throw new Error(`no ${e.api} call table entry for ${e.call}`);
  return spec;
}

/** The headers the clients send for a call (see caller.ts / agent-client.ts). */
function clientHeaders(e: Example): Record<string, string> {
  if (e.call === 'ATTACH_CONTAINER_INPUT') {
    return { 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/json', Accept: 'application/json' };
  }
  if (e.api === 'agent' && specOf(e).kind === 'stream') {
    return { 'Content-Type': 'application/json', Accept: 'application/recordio', 'Message-Accept': 'application/json' };
  }
  return { 'Content-Type': 'application/json', Accept: 'application/json' };
}

describe('conformance corpus (test/fixtures/examples.json)', () => {
  it('holds 120 entries', () => {
    expect(EXAMPLES).toHaveLength(120);
  });

  it.each(EXAMPLES.map((e) => [`${e.api} ${e.call} ${e.kind} (line ${e.line})`, e] as const))('%s', (_title, e) => {
    const key = `${e.api} ${e.call} ${e.kind}`;
    const deviation = DEVIATIONS[key];
    if (deviation) used.add(key);

    if (e.kind === 'request') {
      const build = REQUESTS[`${e.api} ${e.call}`];
      expect(build).toBeDefined();
      expect(normalize(build(e.body))).toEqual(normalize(e.body));
      const { [':path']: p, Host: _host, ...headers } = e.headers;
      expect(p).toBe('/api/v1');
      expect(headers).toEqual(clientHeaders(e));
      checked++;
      return;
    }

    if (e.kind === 'event') {
      if (deviation?.seedFails) expect(MasterEventSchema.safeParse(e.body).success).toBe(false);
      const body = deviation?.fix ? deviation.fix(e.body) : e.body;
      const parsed = MasterEventSchema.parse(body);
      expect(parsed.type).toBe(e.call);
      checked++;
      return;
    }

    // Responses.
    const spec = specOf(e);
    expect(e.status === 200 || e.status === 202).toBe(true);
    if (spec.kind === 'empty') {
      expect(e.body).toBeNull();
      // Real Mesos answers 202 only for the resource operations; any other documented 202 is a recorded deviation.
      if (e.status === 202 && !OPERATION_CALLS.has(e.call)) expect(deviation).toBeDefined();
      checked++;
      return;
    }
    if (spec.kind === 'stream') {
      if (e.api === 'master') {
        // SUBSCRIBE: the documented body is the first event, SUBSCRIBED.
        const ev = MasterEventSchema.parse(e.body);
        expect(ev.type).toBe('SUBSCRIBED');
        if (ev.type === 'SUBSCRIBED') expect(ev.subscribed.get_state.get_agents.agents).toEqual([]);
      } else {
        // Container output: RecordIO-framed ProcessIO records. Frame them, decode them byte by byte, parse each.
        const records = Array.isArray(e.body) ? e.body : [];
        expect(records.length).toBeGreaterThan(0);
        const wire = Buffer.concat(records.map((r) => encodeRecord(stringifyMesosJson(r))));
        const decoder = new RecordIODecoder();
        const decoded = [...wire].flatMap((b) => decoder.push(Buffer.from([b])));
        expect(decoded.map((d) => spec.schema.parse(JSON.parse(d.toString('utf8'))))).toEqual(records);
        expect(e.headers['Content-Type']).toBe('application/recordio');
      }
      checked++;
      return;
    }
    const body = deviation?.fix ? deviation.fix(e.body) : e.body;
    const envelope = obj(body);
    expect(envelope['type']).toBe(e.call);
    const parsed = spec.schema.parse(envelope[responseField(e.call)]);
    expect(parsed).toBeDefined();
    if (e.call === 'GET_OPERATIONS') {
      // As fixed: the operation (nested `info`) with its uuid as Mesos writes bytes.
      const op = (parsed as { operations: { uuid: { value: string }; info: { type: string } }[] }).operations[0];
      expect([op?.info.type, Buffer.from(op?.uuid.value ?? '', 'base64').length]).toEqual(['CREATE_DISK', 16]);
    }
    if (key === 'master GET_QUOTA response') {
      // Following real Mesos, the documented (nested) shape would not expose the configs.
      const seedParsed = MASTER_CALLS.GET_QUOTA.schema.parse(inner(e.body, 'get_quota'));
      expect(seedParsed.status.configs).toEqual([]);
      expect(MASTER_CALLS.GET_QUOTA.schema.parse(obj(body)['get_quota']).status.configs[0].role).toBe('dev');
    }
    checked++;
  });

  it('checked every entry, and every recorded deviation matched an entry', () => {
    expect(checked).toBe(120);
    expect([...used].sort()).toEqual(Object.keys(DEVIATIONS).sort());
  });

  it('keeps 64-bit nanoseconds of the document exact', () => {
    const state = EXAMPLES.find((e) => e.api === 'master' && e.call === 'GET_STATE' && e.kind === 'response');
    const parsed = MASTER_CALLS.GET_STATE.schema.parse(inner(state?.body, 'get_state'));
    expect(parsed.get_agents.agents[0].registered_time?.nanoseconds).toBe(1470820172046531840n);
  });
});
