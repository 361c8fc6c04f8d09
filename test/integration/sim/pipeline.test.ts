/** Spec §1: the master /api/v1 pipeline, in order, with plain-text error bodies. */
import { request } from 'undici';
import { callApi, startTestCluster, type SimCluster } from '../../helpers/sim';

describe('master transport pipeline (spec §1)', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster({ masters: 3, credentials: [{ principal: 'ops', secret: 's3cret' }] });
  });
  afterAll(() => sim.stop());
  const auth = { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };

  it('answers 401 with the realm before anything else, even on a non-leader', async () => {
    for (const base of sim.masters) {
      const r = await callApi(base, { type: 'GET_HEALTH' });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="mesos-master-readwrite"');
      expect(r.text).toBe('401 Unauthorized.');
    }
    const lower = await callApi(sim.leader, { type: 'GET_HEALTH' }, { authorization: `basic ${Buffer.from('ops:s3cret').toString('base64')}` });
    expect(lower.status).toBe(401);
    const colon = await callApi(sim.leader, { type: 'GET_HEALTH' }, { authorization: `Basic ${Buffer.from('ops:s3:cret').toString('base64')}` });
    expect(colon.status).toBe(401);
  });

  it('redirects from a non-leader with a protocol-relative Location, before the method check', async () => {
    const follower = sim.masters.find((m) => m !== sim.leader) as string;
    const r = await callApi(follower, { type: 'GET_HEALTH' }, auth);
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe(`//${sim.leader.replace('http://', '')}/api/v1`);
    const get = await callApi(follower, '', auth, 'GET');
    expect(get.status).toBe(307);
  });

  it('checks method, Content-Type, body, Accept and UNKNOWN in order', async () => {
    const L = sim.leader;
    const get = await callApi(L, '', auth, 'GET');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    expect(get.text).toMatch(/^405 Method Not Allowed/);
    const noCt = await callApi(L, { type: 'GET_HEALTH' }, { ...auth, 'content-type': null });
    expect([noCt.status, noCt.text]).toEqual([400, "Expecting 'Content-Type' to be present"]);
    const charset = await callApi(L, { type: 'GET_HEALTH' }, { ...auth, 'content-type': 'application/json; charset=utf-8' });
    expect([charset.status, charset.text]).toEqual([415, "Expecting 'Content-Type' of application/json or application/x-protobuf"]);
    expect(charset.headers['content-type']).toBe('text/plain; charset=utf-8');
    const recordio = await callApi(L, { type: 'SUBSCRIBE' }, { ...auth, 'content-type': 'application/recordio' });
    expect(recordio.status).toBe(415);
    const badJson = await callApi(L, '{"type":', auth);
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/^Failed to parse body into JSON: /);
    const metrics = await callApi(L, { type: 'GET_METRICS' }, { ...auth, accept: 'text/html' });
    expect([metrics.status, metrics.text]).toEqual([400, "Failed to validate master::Call: Expecting 'get_metrics' to be present"]);
    const notAcceptable = await callApi(L, { type: 'GET_HEALTH' }, { ...auth, accept: 'application/recordio' });
    expect([notAcceptable.status, notAcceptable.text]).toEqual([406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"]);
    const q0 = await callApi(L, { type: 'GET_HEALTH' }, { ...auth, accept: 'application/json;q=0, text/plain' });
    expect(q0.status).toBe(406);
    const wildcard = await callApi(L, { type: 'GET_HEALTH' }, { ...auth, accept: 'application/*' });
    expect(wildcard.status).toBe(200);
    const unknown = await callApi(L, { type: 'UNKNOWN' }, auth);
    expect([unknown.status, unknown.text]).toEqual([501, '501 Not Implemented.']);
  });

  it('answers reads 200 JSON, writes 200 with an empty body and no Content-Type', async () => {
    const health = await callApi(sim.leader, { type: 'GET_HEALTH' }, { ...auth, accept: null });
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('application/json');
    expect(health.json).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const agentId = [...sim.model.agents.keys()][0] as string;
    const deact = await callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } }, auth);
    expect([deact.status, deact.text, deact.headers['content-type'], deact.headers['content-length']]).toEqual([200, '', undefined, '0']);
  });

  it('gzips bodies of 1 KiB or more only when asked', async () => {
    const plain = await callApi(sim.leader, { type: 'GET_STATE' }, auth);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text.length).toBeGreaterThan(1024);
    const gz = await callApi(sim.leader, { type: 'GET_STATE' }, { ...auth, 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.text).toBe(plain.text);
    const small = await callApi(sim.leader, { type: 'GET_HEALTH' }, { ...auth, 'accept-encoding': 'gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('answers 403 Forbidden for a call denied to the principal (admin /deny), and audits it', async () => {
    const agentId = [...sim.model.agents.keys()][1] as string;
    const set = await fetch(`${sim.admin}/deny`, { method: 'POST', body: JSON.stringify({ rules: [{ principal: 'ops', calls: ['DRAIN_AGENT'] }] }) });
    expect(set.status).toBe(200);
    const r = await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId } } }, auth);
    expect([r.status, r.text]).toEqual([403, '403 Forbidden.']);
    expect(sim.model.agents.get(agentId)?.drain).toBeUndefined();
    expect(sim.audit().at(-1)).toEqual(expect.objectContaining({ call: 'DRAIN_AGENT', status: 403, outcome: 'rejected' }));
    await fetch(`${sim.admin}/deny`, { method: 'POST', body: JSON.stringify({ rules: [] }) });
    expect((await callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } }, auth)).status).toBe(200);
  });

  it('authenticates agent calls too, with the agent realm', async () => {
    const agentUrl = sim.agents[0] as string;
    const r = await callApi(agentUrl, { type: 'GET_HEALTH' });
    expect([r.status, r.headers['www-authenticate']]).toEqual([401, 'Basic realm="mesos-agent-readwrite"']);
    expect((await callApi(agentUrl, { type: 'GET_HEALTH' }, auth)).status).toBe(200);
  });

  it('serves /master/api/v1 too and 404s other paths', async () => {
    const r = await request(`${sim.leader}/master/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"type":"GET_HEALTH"}' });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    const other = await request(`${sim.leader}/nope`);
    expect(other.statusCode).toBe(404);
    await other.body.dump();
  });
});

describe('leader election (spec §1.1 step 3-4)', () => {
  let sim: SimCluster;
  afterEach(() => sim.stop());

  it('answers 503 No leader elected on every master during an election', async () => {
    sim = await startTestCluster({ masters: 2, timeScale: 1 });
    void sim.failover({ electionSeconds: 3600, recoverySeconds: 0 });
    for (const m of sim.masters) {
      const r = await callApi(m, { type: 'GET_HEALTH' });
      expect([r.status, r.text]).toEqual([503, 'No leader elected']);
    }
    expect(JSON.parse(sim.readyLine()).leader).toBeNull();
  });

  it('answers 503 Master has not finished recovery on a new leader that is recovering; others redirect to it', async () => {
    sim = await startTestCluster({ masters: 2, timeScale: 1 });
    void sim.failover({ to: 1, electionSeconds: 0, recoverySeconds: 3600 });
    const leader = await callApi(sim.masters[1] as string, { type: 'GET_HEALTH' });
    expect([leader.status, leader.text]).toEqual([503, 'Master has not finished recovery']);
    const other = await callApi(sim.masters[0] as string, { type: 'GET_HEALTH' });
    expect([other.status, other.headers.location]).toEqual([307, `//${(sim.masters[1] as string).slice(7)}/api/v1`]);
  });
});
