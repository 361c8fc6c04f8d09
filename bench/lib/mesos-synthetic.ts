/**
 * Synthetic Mesos payloads for the client benchmarks: a v1 GET_STATE response of a given size (about 870 bytes
 * per agent and 975 per task, like a real master, shared/spec/performance.md) and a stream of SUBSCRIBE events.
 * Nanosecond timestamps are above 2^53 so exactness is exercised.
 */

const NS_BASE = 1_700_000_000_000_000_000n;

function resources(role: string, cpus: number, mem: number): string {
  return `[{"name":"cpus","role":"${role}","scalar":{"value":${cpus}},"type":"SCALAR"},{"name":"mem","role":"${role}","scalar":{"value":${mem}},"type":"SCALAR"},{"name":"disk","role":"${role}","scalar":{"value":10240.0},"type":"SCALAR"},{"name":"ports","ranges":{"range":[{"begin":31000,"end":32000}]},"role":"${role}","type":"RANGES"}]`;
}

function uuid(i: number, salt: number): string {
  const h = ((i * 2654435761 + salt) >>> 0).toString(16).padStart(8, '0');
  return `${h}-4213-4140-bcb0-${h}${h.slice(0, 4)}`;
}

/** One GET_AGENTS agent entry (~870 bytes). */
export function agentJson(i: number): string {
  const id = `${uuid(7, 7)}-S${i}`;
  const host = `agent-${i}.dc1.example.com`;
  const ns = (NS_BASE + BigInt(i) * 1_000_003n).toString();
  return `{"agent_info":{"hostname":"${host}","id":{"value":"${id}"},"port":5051,"resources":${resources('*', 16, 65536)},"attributes":[{"name":"rack","text":{"value":"r${i % 40}"},"type":"TEXT"}]},"active":true,"deactivated":false,"version":"1.11.0","pid":"slave(1)@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5051","registered_time":{"nanoseconds":${ns}},"total_resources":${resources('*', 16, 65536)},"capabilities":[{"type":"MULTI_ROLE"},{"type":"HIERARCHICAL_ROLE"},{"type":"RESERVATION_REFINEMENT"},{"type":"RESOURCE_PROVIDER"},{"type":"AGENT_DRAINING"}]}`;
}

/** One task (~975 bytes). */
export function taskJson(i: number, agents: number): string {
  const agent = `${uuid(7, 7)}-S${i % agents}`;
  const fw = `${uuid(3, 3)}-000${i % 10}`;
  const ts = (1_700_000_000 + i / 1000).toFixed(5);
  const u = Buffer.from(uuid(i, 11)).toString('base64').slice(0, 24);
  return `{"name":"web-${i}","task_id":{"value":"web.${uuid(i, 5)}"},"framework_id":{"value":"${fw}"},"agent_id":{"value":"${agent}"},"executor_id":{"value":"web.${uuid(i, 5)}"},"state":"TASK_RUNNING","resources":[{"name":"cpus","role":"*","scalar":{"value":0.5},"type":"SCALAR"},{"name":"mem","role":"*","scalar":{"value":512.0},"type":"SCALAR"}],"statuses":[{"task_id":{"value":"web.${uuid(i, 5)}"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"${agent}"},"executor_id":{"value":"web.${uuid(i, 5)}"},"timestamp":${ts},"uuid":"${u}","container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.${(i >> 8) & 255}.${i & 255}"}]}],"executor_pid":${1000 + (i % 30000)}}}],"status_update_state":"TASK_RUNNING","status_update_uuid":"${u}","kill_policy":{"grace_period":{"nanoseconds":30000000000}},"labels":{"labels":[{"key":"app","value":"web"}]}}`;
}

/** A whole GET_STATE response body. */
export function getStateBody(agents: number, tasks: number): Buffer {
  const parts: string[] = ['{"type":"GET_STATE","get_state":{"get_tasks":{"tasks":['];
  for (let i = 0; i < tasks; i++) parts.push(i ? `,${taskJson(i, agents)}` : taskJson(i, agents));
  parts.push(']},"get_executors":{},"get_frameworks":{"frameworks":[');
  for (let f = 0; f < 10; f++) {
    parts.push(`${f ? ',' : ''}{"framework_info":{"user":"root","name":"fw-${f}","id":{"value":"${uuid(3, 3)}-000${f}"},"role":"*","checkpoint":true,"failover_timeout":604800.0},"active":true,"connected":true,"recovered":false,"registered_time":{"nanoseconds":${NS_BASE}}}`);
  }
  parts.push(']},"get_agents":{"agents":[');
  for (let i = 0; i < agents; i++) parts.push(i ? `,${agentJson(i)}` : agentJson(i));
  parts.push(']}}}');
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * SUBSCRIBE-style events, each as its JSON text: 10% AGENT_ADDED and 23% TASK_ADDED (both carry nanoseconds),
 * 67% TASK_UPDATED (a TaskStatus: float timestamp, no int64), like a busy cluster's stream.
 */
export function eventRecords(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) out.push(`{"type":"AGENT_ADDED","agent_added":{"agent":${agentJson(i)}}}`);
    else if (i % 3 === 0) out.push(`{"type":"TASK_ADDED","task_added":{"task":${taskJson(i, 1000)}}}`);
    else {
      const agent = `${uuid(7, 7)}-S${i % 1000}`;
      out.push(`{"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"${uuid(3, 3)}-0001"},"state":"TASK_RUNNING","status":{"task_id":{"value":"web.${uuid(i, 5)}"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"${agent}"},"executor_id":{"value":"web.${uuid(i, 5)}"},"timestamp":${(1_700_000_000 + i / 1000).toFixed(5)},"uuid":"${Buffer.from(uuid(i, 11)).toString('base64').slice(0, 24)}","container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.${(i >> 8) & 255}.${i & 255}"}]}]}}}}`);
    }
  }
  return out;
}
