/** Issue item 7: seeded, reproducible faults through the admin API. */
import { callApi, startTestCluster, subscribe, type SimCluster } from '../../helpers/sim';

async function statuses(seed: number): Promise<number[]> {
  const sim = await startTestCluster({ seed, faults: { rules: [{ calls: ['GET_HEALTH'], errorRate: 0.5, errorStatus: 503 }] } });
  try {
    const out: number[] = [];
    for (let i = 0; i < 20; i++) out.push((await callApi(sim.leader, { type: 'GET_HEALTH' })).status);
    return out;
  } finally {
    await sim.stop();
  }
}

describe('faults', () => {
  it('injects an error status at a rate per call type, reproducibly for a seed', async () => {
    const a = await statuses(7);
    const b = await statuses(7);
    expect(a).toEqual(b);
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(2);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(2);
  });

  describe('on one cluster', () => {
    let sim: SimCluster;
    beforeEach(async () => {
      sim = await startTestCluster();
    });
    afterEach(() => sim.stop());
    const setFaults = async (body: unknown) => {
      const r = await fetch(`${sim.admin}/faults`, { method: 'POST', body: JSON.stringify(body) });
      expect(r.status).toBe(200);
    };

    it('applies a mutating call and loses its response; the audit log says so', async () => {
      const id = [...sim.model.agents.keys()][0] as string;
      await setFaults({ rules: [{ calls: ['DEACTIVATE_AGENT'], responseLostRate: 1 }] });
      await expect(callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id } } })).rejects.toThrow();
      expect(sim.model.agents.get(id)?.deactivated).toBe(true);
      const audit = (await (await fetch(`${sim.admin}/audit`)).json()) as { entries: { call: string; outcome: string; status: number }[] };
      expect(audit.entries).toEqual([expect.objectContaining({ call: 'DEACTIVATE_AGENT', outcome: 'applied-response-lost', status: 200 })]);
      const filtered = (await (await fetch(`${sim.admin}/audit?outcome=applied`)).json()) as { entries: unknown[] };
      expect(filtered.entries).toEqual([]);
      const health = await callApi(sim.leader, { type: 'GET_HEALTH' });
      expect(health.status).toBe(200);
    });

    it('resets connections without applying; adds latency; rejects bad fault configs', async () => {
      const id = [...sim.model.agents.keys()][1] as string;
      await setFaults({ rules: [{ calls: ['DEACTIVATE_AGENT'], resetRate: 1 }] });
      await expect(callApi(sim.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: id } } })).rejects.toThrow();
      expect(sim.model.agents.get(id)?.deactivated).toBe(false);
      expect(sim.audit().at(-1)?.outcome).toBe('rejected');
      await setFaults({ rules: [{ latencyMs: 150 }] });
      const t0 = Date.now();
      expect((await callApi(sim.leader, { type: 'GET_HEALTH' })).status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      const bad = await fetch(`${sim.admin}/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ errorRate: 2 }] }) });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/errorRate/);
      await fetch(`${sim.admin}/faults`, { method: 'DELETE' });
      expect(((await (await fetch(`${sim.admin}/faults`)).json()) as { rules: unknown[] }).rules).toEqual([]);
    });

    it('stalls a response until the client gives up', async () => {
      await setFaults({ rules: [{ calls: ['GET_VERSION'], stallRate: 1 }] });
      const ctrl = AbortSignal.timeout(200);
      await expect(
        fetch(`${sim.leader}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"GET_VERSION"}', signal: ctrl }),
      ).rejects.toThrow();
    });

    it('drops SUBSCRIBE streams after a while', async () => {
      await setFaults({ rules: [{ calls: ['SUBSCRIBE'], dropStreamAfterMs: 50 }] });
      const s = await subscribe(sim.leader);
      await s.ended;
      expect(s.events[0]?.type).toBe('SUBSCRIBED');
    });
  });
});
