/**
 * Helpers for tests that run the Mesos simulator: start a cluster on loopback port 0 with a fast clock, call
 * the Operator API over real HTTP (undici), and await conditions on the model instead of sleeping.
 */
import { request } from 'undici';
import { startCluster, type SimCluster, type SimOptions } from '../../src/sim';
import { parseJson } from '../../src/sim/json';

/** Starts a small, fast, seeded cluster (time scale 100 unless given). Stop it in afterAll/afterEach. */
export function startTestCluster(opts: SimOptions = {}): Promise<SimCluster> {
  return startCluster({ agents: 3, tasksPerAgent: 2, seed: 42, timeScale: 100, ...opts });
}

/** A response: status, headers, raw body text, and the body parsed with exact int64 when it is JSON. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

/**
 * POSTs a call to `<base>/api/v1`. `body` may be an object (serialised) or a raw string. Headers default to
 * JSON Content-Type and Accept; pass `null` to drop one. Redirects are not followed.
 */
export async function callApi(base: string, body: unknown, headers: Record<string, string | null> = {}, method = 'POST'): Promise<ApiResponse> {
  const h: Record<string, string> = {};
  const merged: Record<string, string | null> = { 'content-type': 'application/json', accept: 'application/json', ...lower(headers) };
  for (const [k, v] of Object.entries(merged)) if (v !== null) h[k] = v;
  const res = await request(`${base}/api/v1`, {
    method: method as 'POST',
    headers: h,
    ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const hdrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
  const text = hdrs['content-encoding'] === 'gzip' ? (await import('node:zlib')).gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  let json: unknown;
  if ((hdrs['content-type'] ?? '').startsWith('application/json') && text !== '') json = parseJson(text);
  return { status: res.statusCode, headers: hdrs, text, json };
}

function lower(h: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Awaits a condition, checking every few milliseconds. @throws Error naming `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** GET_AGENTS' agents from a master (throws unless 200). */
export async function getAgents(base: string): Promise<Record<string, unknown>[]> {
  const r = await callApi(base, { type: 'GET_AGENTS' });
  if (r.status !== 200) throw new Error(`GET_AGENTS answered ${r.status}: ${r.text}`);
  return ((r.json as { get_agents: { agents: Record<string, unknown>[] } }).get_agents.agents ?? []) as Record<string, unknown>[];
}

/** The id of an agent entry of GET_AGENTS. */
export function agentIdOf(agent: Record<string, unknown>): string {
  return ((agent.agent_info as { id: { value: string } }).id.value);
}

export type { SimCluster };

/** An open SUBSCRIBE stream: records decoded as they arrive. */
export interface EventStream {
  status: number;
  headers: Record<string, string>;
  events: Record<string, unknown>[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Waits until an event satisfies `pred`, returns it. */
  next(pred: (e: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** Opens SUBSCRIBE on a master and decodes the RecordIO body with the simulator's decoder. */
export async function subscribe(base: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const { RecordIoDecoder } = await import('../../src/sim/recordio');
  const controller = new AbortController();
  const res = await request(`${base}/api/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: '{"type":"SUBSCRIBE"}',
    signal: controller.signal,
  });
  const hdrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.join(', ') : v;
  const events: Record<string, unknown>[] = [];
  const decoder = new RecordIoDecoder();
  const ended = new Promise<void>((resolve) => {
    res.body.on('data', (chunk: Buffer) => {
      for (const rec of decoder.push(chunk)) events.push(parseJson(rec.toString('utf8')) as Record<string, unknown>);
    });
    res.body.on('end', () => resolve());
    res.body.on('error', () => resolve());
    res.body.on('close', () => resolve());
  });
  return {
    status: res.statusCode,
    headers: hdrs,
    events,
    ended,
    async next(pred, what, timeoutMs = 10_000) {
      let found: Record<string, unknown> | undefined;
      await waitFor(() => (found = events.find(pred)) !== undefined, what, timeoutMs);
      return found as Record<string, unknown>;
    },
    close: () => controller.abort(),
  };
}
