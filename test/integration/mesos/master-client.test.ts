import { gzipSync } from 'node:zlib';
import { isMesosError, MasterClient, MesosError } from '../../../src/mesos';
import { jsonOf, sendEmpty, sendJson, sendText, stubsPerTest, type StubServer } from '../../helpers/mesos-stub-server';

const NS = 1470820171393027001n; // above 2^53: a plain JSON.parse would round it

const AGENTS_BODY = `{"type":"GET_AGENTS","get_agents":{"agents":[{"active":false,"deactivated":true,"agent_info":{"hostname":"host","id":{"value":"a-S0"},"port":5051},"pid":"slave(1)@127.0.0.1:5051","registered_time":{"nanoseconds":${NS}},"drain_info":{"state":"DRAINING","config":{"max_grace_period":{"nanoseconds":600000000000},"mark_gone":false}},"capabilities":[{"type":"AGENT_DRAINING"}],"unknown_future_field":{"x":1}}]}}`;

async function caught(p: Promise<unknown>): Promise<MesosError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MesosError) return e;
    throw e;
  }
  throw new Error('expected a MesosError');
}

describe('MasterClient over HTTP', () => {
  const { stub, track } = stubsPerTest();
  const client = (opts: ConstructorParameters<typeof MasterClient>[0]): MasterClient => track(new MasterClient(opts));

  it('GET_HEALTH posts exactly application/json to /api/v1 and returns {healthy}', async () => {
    const s = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const c = client({ masters: [s.url] });
    await expect(c.getHealth()).resolves.toEqual({ healthy: true });
    expect(s.requests).toHaveLength(1);
    const r = s.requests[0];
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/api/v1');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['accept']).toBe('application/json');
    expect(jsonOf(r)).toEqual({ type: 'GET_HEALTH' });
  });

  it('GET_AGENTS keeps nanoseconds exact, defaults empty arrays, tolerates unknown fields', async () => {
    const s = await stub((_req, res) => sendJson(res, 200, AGENTS_BODY));
    const agents = await client({ masters: [s.url] }).getAgents();
    expect(agents.recovered_agents).toEqual([]);
    const a = agents.agents[0];
    expect(a.registered_time?.nanoseconds).toBe(NS);
    expect(a.drain_info?.state).toBe('DRAINING');
    expect(a.drain_info?.config.max_grace_period?.nanoseconds).toBe(600000000000n);
    expect(a.deactivated).toBe(true);
    expect(a.total_resources).toEqual([]);
    expect(a.agent_info.attributes).toEqual([]);
    expect(a['unknown_future_field']).toEqual({ x: 1 });
  });

  it('GET_TASKS fills every task list', async () => {
    const body = {
      type: 'GET_TASKS',
      get_tasks: {
        tasks: [{ name: 't', task_id: { value: '1' }, framework_id: { value: 'f' }, agent_id: { value: 'a' }, state: 'TASK_RUNNING' }],
      },
    };
    const s = await stub((_req, res) => sendJson(res, 200, body));
    const t = await client({ masters: [s.url] }).getTasks();
    expect(t.tasks[0].state).toBe('TASK_RUNNING');
    expect(t.tasks[0].statuses).toEqual([]);
    expect(t.pending_tasks).toEqual([]);
    expect(t.unreachable_tasks).toEqual([]);
    expect(t.completed_tasks).toEqual([]);
    expect(t.orphan_tasks).toEqual([]);
  });

  it('DRAIN_AGENT sends max_grace_period as {seconds}; 200 and 202 both succeed', async () => {
    let status = 200;
    const s = await stub((_req, res) => sendEmpty(res, status));
    const c = client({ masters: [s.url] });
    await expect(c.drainAgent({ agentId: 'a-S0', maxGracePeriodSeconds: 600, markGone: true })).resolves.toBeUndefined();
    status = 202;
    await expect(c.deactivateAgent({ agentId: 'a-S0' })).resolves.toBeUndefined();
    await expect(c.reactivateAgent({ agentId: 'a-S0' })).resolves.toBeUndefined();
    expect(s.requests.map(jsonOf)).toEqual([
      { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'a-S0' }, max_grace_period: { seconds: 600 }, mark_gone: true } },
      { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'a-S0' } } },
      { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: 'a-S0' } } },
    ]);
  });

  it('a 400 becomes MESOS_BAD_REQUEST with status, Mesos text and the call type', async () => {
    const s = await stub((_req, res) => sendText(res, 400, 'Unknown agent'));
    const e = await caught(client({ masters: [s.url] }).drainAgent({ agentId: 'nope' }));
    expect(isMesosError(e)).toBe(true);
    expect(e.code).toBe('MESOS_BAD_REQUEST');
    expect(e.status).toBe(400);
    expect(e.callType).toBe('DRAIN_AGENT');
    expect(e.retryable).toBe(false);
    expect(e.mesosMessage).toBe('Unknown agent');
    expect(e.message).toBe(`DRAIN_AGENT failed: 400 Bad Request from ${s.url}: Unknown agent`);
  });

  it.each([
    [401, '401 Unauthorized.', 'MESOS_UNAUTHORIZED', false],
    [403, '403 Forbidden.', 'MESOS_FORBIDDEN', false],
    [404, '', 'MESOS_NOT_FOUND', false],
    [409, 'Agent is currently being marked gone', 'MESOS_CONFLICT', false],
    [406, "Expecting 'Accept' to allow", 'MESOS_NOT_ACCEPTABLE', false],
    [415, "Expecting 'Content-Type'", 'MESOS_UNSUPPORTED_MEDIA', false],
    [500, 'registrar failed', 'MESOS_SERVER_ERROR', true],
    [501, '501 Not Implemented.', 'MESOS_NOT_IMPLEMENTED', false],
    [503, "Agent 'x' is already being transitioned to gone", 'MESOS_UNAVAILABLE', true],
  ])('status %i maps to %s', async (status, text, code, retryable) => {
    const s = await stub((_req, res) => sendText(res, status, text));
    const e = await caught(client({ masters: [s.url] }).markAgentGone({ agentId: 'x' }));
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.status).toBe(status);
  });

  it('follows a protocol-relative 307 to the leader, re-POSTing the same body, and remembers the leader', async () => {
    const leader = await stub((_req, res) => sendEmpty(res, 200));
    const follower = await stub((_req, res) => sendText(res, 307, '', { Location: `//${leader.hostPort}/api/v1` }));
    const c = client({
      masters: [follower.url],
      allowedRedirectHosts: [leader.hostPort],
      credentials: { kind: 'basic', principal: 'ops', secret: 's3cret' },
    });
    await c.drainAgent({ agentId: 'a', maxGracePeriodSeconds: 10 });
    expect(follower.requests).toHaveLength(1);
    expect(leader.requests).toHaveLength(1);
    expect(leader.requests[0].body.equals(follower.requests[0].body)).toBe(true);
    expect(leader.requests[0].headers['authorization']).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    expect(c.leader).toBe(leader.url);
    await c.deactivateAgent({ agentId: 'a' });
    expect(follower.requests).toHaveLength(1); // went straight to the remembered leader
    expect(leader.requests).toHaveLength(2);
  });

  it('does not send credentials to a redirect target that is neither configured nor allowed', async () => {
    const other = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const m = await stub((_req, res) => sendText(res, 307, '', { Location: `//localhost:${other.port}/api/v1` }));
    const c = client({ masters: [m.url], credentials: { kind: 'bearer', token: 'tok-123456' } });
    await c.getHealth();
    expect(m.requests[0].headers['authorization']).toBe('Bearer tok-123456');
    expect(other.requests[0].headers['authorization']).toBeUndefined();

    const c2 = client({ masters: [m.url], credentials: { kind: 'bearer', token: 'tok-123456' }, allowedRedirectHosts: ['localhost'] });
    await c2.getHealth();
    expect(other.requests[1].headers['authorization']).toBe('Bearer tok-123456');
  });

  it('reports a redirect loop as REDIRECT_LOOP', async () => {
    const ref: { b?: StubServer } = {};
    const a = await stub((_req, res) => sendText(res, 307, '', { Location: `//${ref.b?.hostPort ?? ''}/api/v1` }));
    const b = await stub((_req, res) => sendText(res, 307, '', { Location: `//${a.hostPort}/api/v1` }));
    ref.b = b;
    const e = await caught(client({ masters: [a.url] }).drainAgent({ agentId: 'x' }));
    expect(e.code).toBe('REDIRECT_LOOP');
    expect(e.retryable).toBe(true);
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it('a 307 without a usable Location is MESOS_SERVER_ERROR', async () => {
    const s = await stub((_req, res) => sendText(res, 307, '', { Location: 'http://[bad' }));
    const e = await caught(client({ masters: [s.url] }).getHealth());
    expect(e).toMatchObject({ code: 'MESOS_SERVER_ERROR', status: 307 });
  });

  it('caps the number of redirects', async () => {
    let n = 0;
    const s = await stub((_req, res) => sendText(res, 307, '', { Location: `/api/v1?hop=${++n}` }));
    const e = await caught(client({ masters: [s.url], maxRedirects: 3 }).getHealth());
    expect(e.code).toBe('REDIRECT_LOOP');
    expect(s.requests).toHaveLength(4);
  });

  it('a read moves on to the next master after 503 "No leader elected"; the leader is remembered', async () => {
    const a = await stub((_req, res) => sendText(res, 503, 'No leader elected'));
    const b = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const c = client({ masters: [a.url, b.url] });
    await expect(c.getHealth()).resolves.toEqual({ healthy: true });
    expect(c.leader).toBe(b.url);
    await c.getHealth();
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(2);
  });

  it('a write to a remembered leader that lost leadership follows its 307 once and is not re-sent', async () => {
    const b = await stub((_req, res) => sendEmpty(res, 202));
    const a = await stub((req, res) => {
      if ((jsonOf(req) as { type: string }).type === 'GET_HEALTH') sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } });
      else sendText(res, 307, '', { Location: `//${b.hostPort}/api/v1` });
    });
    const c = client({ masters: [a.url, b.url] });
    await c.getHealth();
    expect(c.leader).toBe(a.url);
    await c.createVolumes({ agentId: 'x', volumes: [] });
    expect(a.requests.map((r) => (jsonOf(r) as { type: string }).type)).toEqual(['GET_HEALTH', 'CREATE_VOLUMES']);
    expect(b.requests.map((r) => (jsonOf(r) as { type: string }).type)).toEqual(['CREATE_VOLUMES']);
    expect(c.leader).toBe(b.url);
  });

  it('a write is never re-sent: 503 on the leader is MESOS_NOT_LEADER, retryable, and sent once', async () => {
    const a = await stub((_req, res) => sendText(res, 503, 'Master has not finished recovery'));
    const e = await caught(client({ masters: [a.url] }).drainAgent({ agentId: 'x' }));
    expect(e.code).toBe('MESOS_NOT_LEADER');
    expect(e.retryable).toBe(true);
    expect(a.requests).toHaveLength(1);
  });

  it('with several masters, a write goes to the leader found by a GET_HEALTH probe and is sent once', async () => {
    const leader = await stub((req, res) => {
      const call = jsonOf(req) as { type: string };
      if (call.type === 'GET_HEALTH') sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } });
      else sendEmpty(res, 200);
    });
    const c = client({ masters: ['http://127.0.0.1:1', leader.url] });
    await c.reactivateAgent({ agentId: 'x' });
    expect(leader.requests.map((r) => (jsonOf(r) as { type: string }).type)).toEqual(['GET_HEALTH', 'REACTIVATE_AGENT']);
  });

  it('rediscovers the leader after a connection failure', async () => {
    const a = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const b = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const c = client({ masters: [a.url, b.url] });
    await c.getHealth();
    expect(c.leader).toBe(a.url);
    await a.close();
    await c.getHealth();
    expect(c.leader).toBe(b.url);
  });

  it('a refused connection on a single master is CONNECTION, retryable', async () => {
    const s = await stub((_req, res) => sendEmpty(res));
    const url = s.url;
    await s.close();
    const e = await caught(client({ masters: [url] }).getHealth());
    expect(e.code).toBe('CONNECTION');
    expect(e.retryable).toBe(true);
    expect(e.callType).toBe('GET_HEALTH');
  });

  it('decodes gzip responses', async () => {
    const s = await stub((req, res) => {
      expect(req.headers['accept-encoding']).toContain('gzip');
      const z = gzipSync(Buffer.from(AGENTS_BODY));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': z.length });
      res.end(z);
    });
    const agents = await client({ masters: [s.url] }).getAgents();
    expect(agents.agents[0].registered_time?.nanoseconds).toBe(NS);
  });

  it.each([
    ['with Content-Length', 'length'],
    ['chunked', 'chunked'],
    ['gzip', 'gzip'],
  ])('a large GET_AGENTS (%s) keeps every nanosecond exact', async (_name, mode) => {
    const n = 400; // ~100 KB: the byte-level, in-place int64 path
    const ns = (i: number): bigint => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_003n;
    const agents = Array.from(
      { length: n },
      (_, i) =>
        `{"agent_info":{"hostname":"agent-${i}","id":{"value":"S${i}"},"port":5051},"active":true,"pid":"slave(1)@10.0.${i >> 8}.${i & 255}:5051","registered_time":{"nanoseconds":${ns(i)}},"reregistered_time":{"nanoseconds":${ns(i) + 1n}},"capabilities":[{"type":"AGENT_DRAINING"}],"padding":"${'x'.repeat(120)}"}`,
    );
    const body = Buffer.from(`{"type":"GET_AGENTS","get_agents":{"agents":[${agents.join(',')}]}}`);
    expect(body.length).toBeGreaterThan(64 * 1024);
    const s = await stub(async (_req, res) => {
      if (mode === 'gzip') {
        const z = gzipSync(body);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': z.length });
        res.end(z);
      } else if (mode === 'length') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        for (let i = 0; i < body.length; i += 7919) await new Promise<void>((r) => res.write(body.subarray(i, i + 7919), () => r()));
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        for (let i = 0; i < body.length; i += 7919) await new Promise<void>((r) => res.write(body.subarray(i, i + 7919), () => r()));
        res.end();
      }
    });
    const got = await client({ masters: [s.url] }).getAgents();
    expect(got.agents).toHaveLength(n);
    got.agents.forEach((a, i) => {
      expect(a.registered_time?.nanoseconds).toBe(ns(i));
      expect(a.reregistered_time?.nanoseconds).toBe(ns(i) + 1n);
      expect(a.agent_info.hostname).toBe(`agent-${i}`);
    });
  });

  it('reads a body sent one byte per chunk', async () => {
    const s = await stub(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const bytes = Buffer.from(AGENTS_BODY);
      for (let i = 0; i < bytes.length; i++) {
        await new Promise<void>((resolve) => res.write(bytes.subarray(i, i + 1), () => resolve()));
      }
      res.end();
    });
    const agents = await client({ masters: [s.url] }).getAgents();
    expect(agents.agents[0].agent_info.hostname).toBe('host');
  });

  it('a truncated body (shorter than its Content-Length) is CONNECTION, not a silent partial parse', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 1000 });
      res.write(AGENTS_BODY.slice(0, 50));
      res.socket?.destroy();
    });
    const e = await caught(client({ masters: [s.url] }).getAgents());
    expect(e.code).toBe('CONNECTION');
  });

  it('a body that does not match the schema is DECODE, not retryable, naming the field', async () => {
    const s = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: 'yes' } }));
    const e = await caught(client({ masters: [s.url] }).getHealth());
    expect(e.code).toBe('DECODE');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('healthy');
  });

  it('times out a call that gets no answer (TIMEOUT, retryable)', async () => {
    const s = await stub(() => undefined); // never answers
    const e = await caught(client({ masters: [s.url], timeoutMs: 200 }).getHealth());
    expect(e.code).toBe('TIMEOUT');
    expect(e.retryable).toBe(true);
  });

  it('never exposes credentials in errors, even when the server echoes them', async () => {
    const s = await stub((req, res) => sendText(res, 400, `bad request with ${req.headers['authorization'] ?? ''} and s3cretpass`));
    const c = client({ masters: [s.url.replace('http://', 'http://user:pw@')], credentials: { kind: 'basic', principal: 'ops', secret: 's3cretpass' } });
    const e = await caught(c.drainAgent({ agentId: 'x' }));
    const dump = JSON.stringify({ ...e, message: e.message, stack: e.stack, cause: e.cause });
    const b64 = Buffer.from('ops:s3cretpass').toString('base64');
    expect(dump).not.toContain('s3cretpass');
    expect(dump).not.toContain(b64);
    expect(dump).not.toContain('pw@');
    expect(e.mesosMessage).toContain('[REDACTED]');
  });
});
