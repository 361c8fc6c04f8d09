import { MasterClient, type MesosCallEvent } from '../../../src/mesos';
import { freePort } from '../../../src/temporal/free-port';
import { sendEmpty, sendJson, sendText, stubsPerTest } from '../../helpers/mesos-stub-server';

// The client's observer hook (metrics and tracing use it; src/mesos knows nothing of either).
describe('MasterClient observer', () => {
  const { stub, track } = stubsPerTest();

  it('reports each finished call once: type, status, URL, start time and duration, for JSON and empty responses', async () => {
    const s = await stub((req, res) => (req.body.includes('GET_HEALTH') ? sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }) : sendEmpty(res, 202)));
    const events: MesosCallEvent[] = [];
    const client = track(new MasterClient({ masters: [s.url], observer: (e) => events.push(e), credentials: { kind: 'bearer', token: 'sekret-token' } }));
    const before = Date.now();
    await client.getHealth();
    await client.reactivateAgent({ agentId: 'a-S0' });
    expect(events.map((e) => ({ callType: e.callType, status: e.status, url: e.url, code: e.code }))).toEqual([
      { callType: 'GET_HEALTH', status: 200, url: s.url, code: undefined },
      { callType: 'REACTIVATE_AGENT', status: 202, url: s.url, code: undefined },
    ]);
    for (const e of events) {
      expect(e.startedAt).toBeGreaterThanOrEqual(before);
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(e)).not.toContain('sekret-token');
    }
  });

  it('reports failures with the error code and the status, and one that never got a response with its code alone', async () => {
    const s = await stub((_req, res) => sendText(res, 400, 'Unknown agent'));
    const events: MesosCallEvent[] = [];
    await expect(track(new MasterClient({ masters: [s.url], observer: (e) => events.push(e) })).reactivateAgent({ agentId: 'nope' })).rejects.toMatchObject({ code: 'MESOS_BAD_REQUEST' });
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(track(new MasterClient({ masters: [closed], observer: (e) => events.push(e) })).getAgents()).rejects.toMatchObject({ code: 'CONNECTION' });
    expect(events.map((e) => ({ callType: e.callType, status: e.status, code: e.code }))).toEqual([
      { callType: 'REACTIVATE_AGENT', status: 400, code: 'MESOS_BAD_REQUEST' },
      { callType: 'GET_AGENTS', status: undefined, code: 'CONNECTION' },
    ]);
  });

  it('an observer that throws never breaks the call', async () => {
    const s = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const client = track(new MasterClient({ masters: [s.url], observer: () => { throw new Error('observer bug'); } }));
    await expect(client.getHealth()).resolves.toEqual({ healthy: true });
  });
});
