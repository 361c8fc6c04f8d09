import type http from 'node:http';
import { MasterClient, MesosError, type MasterEvent } from '../../../src/mesos';
import { encodeRecord } from '../../../src/mesos/recordio';
import { sendText, stubsPerTest } from '../../helpers/mesos-stub-server';

const NS = '1500993262264135001';

function subscribed(hostname: string, heartbeat: number): string {
  return `{"type":"SUBSCRIBED","subscribed":{"get_state":{"get_agents":{"agents":[{"active":true,"agent_info":{"hostname":"${hostname}"},"registered_time":{"nanoseconds":${NS}}}]}},"heartbeat_interval_seconds":${heartbeat}}}`;
}
const HEARTBEAT = '{"type":"HEARTBEAT"}';
const TASK_ADDED =
  '{"type":"TASK_ADDED","task_added":{"task":{"name":"t","task_id":{"value":"1"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},"state":"TASK_STAGING"}}}';

function openStream(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked, no Content-Length, like Mesos
}

function hostOf(e: MasterEvent): string | undefined {
  return e.type === 'SUBSCRIBED' ? e.subscribed.get_state.get_agents.agents[0]?.agent_info.hostname : undefined;
}

describe('SUBSCRIBE event stream', () => {
  const { stub, track } = stubsPerTest();
  const client = (opts: ConstructorParameters<typeof MasterClient>[0]): MasterClient => track(new MasterClient(opts));

  it('yields typed events decoded from one-byte chunks, with exact nanoseconds', async () => {
    const s = await stub(async (_req, res) => {
      openStream(res);
      const wire = Buffer.concat([subscribed('h1', 15), HEARTBEAT, TASK_ADDED].map((r) => encodeRecord(r)));
      for (const b of wire) await new Promise<void>((resolve) => res.write(Buffer.from([b]), () => resolve()));
    });
    const stream = client({ masters: [s.url] }).subscribe();
    const seen: MasterEvent[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (seen.length === 3) break;
    }
    expect(seen.map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT', 'TASK_ADDED']);
    const first = seen[0];
    if (first.type !== 'SUBSCRIBED') throw new Error('expected SUBSCRIBED');
    expect(first.subscribed.get_state.get_agents.agents[0].registered_time?.nanoseconds).toBe(BigInt(NS));
    expect(first.subscribed.get_state.get_tasks.tasks).toEqual([]);
    const req = s.requests[0];
    expect(JSON.parse(req.body.toString())).toEqual({ type: 'SUBSCRIBE' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['accept']).toBe('application/json'); // a master answers 406 to Accept: application/recordio
  });

  it('has no per-call timeout: a gap longer than timeoutMs does not end the stream', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write(encodeRecord(subscribed('h1', 1)));
      setTimeout(() => res.write(encodeRecord(HEARTBEAT)), 300);
    });
    const stream = client({ masters: [s.url], timeoutMs: 50 }).subscribe();
    const seen: string[] = [];
    for await (const e of stream) {
      seen.push(e.type);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
    expect(stream.subscriptions).toBe(1);
    expect(s.requests).toHaveLength(1);
  });

  it('closes a stream silent for 5 heartbeat intervals and re-subscribes, surfacing a fresh SUBSCRIBED', async () => {
    let onFirstClosed: () => void = () => undefined;
    const firstClosed = new Promise<void>((resolve) => (onFirstClosed = resolve));
    const s = await stub((_req, res) => {
      openStream(res);
      const n = s.requests.length;
      res.write(encodeRecord(subscribed(`h${n}`, 0.04))); // watchdog: 5 × 40 ms of silence
      if (n === 1) res.on('close', () => onFirstClosed()); // then silence
    });
    const stream = client({ masters: [s.url] }).subscribe({ backoff: { initialMs: 1, maxMs: 5 } });
    const hosts: (string | undefined)[] = [];
    for await (const e of stream) {
      hosts.push(hostOf(e));
      if (hosts.length === 2) break;
    }
    expect(hosts).toEqual(['h1', 'h2']);
    await expect(firstClosed).resolves.toBeUndefined(); // the silent connection was closed by the client
    expect(stream.subscriptions).toBe(2);
  });

  it('re-subscribes to the new leader when the stream ends on failover', async () => {
    const b = await stub((_req, res) => {
      openStream(res);
      res.write(encodeRecord(subscribed('from-b', 15)));
    });
    const a = await stub((_req, res) => {
      openStream(res);
      res.end(Buffer.concat([encodeRecord(subscribed('from-a', 15)), encodeRecord(HEARTBEAT)]));
      // Failover: from now on A is a follower that redirects to B.
      a.setHandler((_r, res2) => sendText(res2, 307, '', { Location: `//${b.hostPort}/api/v1` }));
    });
    const c = client({ masters: [a.url, b.url] });
    const stream = c.subscribe({ backoff: { initialMs: 1, maxMs: 5 } });
    const seen: string[] = [];
    for await (const e of stream) {
      seen.push(e.type === 'SUBSCRIBED' ? `SUBSCRIBED:${hostOf(e) ?? ''}` : e.type);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['SUBSCRIBED:from-a', 'HEARTBEAT', 'SUBSCRIBED:from-b']);
    expect(c.leader).toBe(b.url);
  });

  it('a failure a reconnect cannot fix (401) ends the iteration with that error', async () => {
    const s = await stub((_req, res) => sendText(res, 401, '401 Unauthorized.'));
    const stream = client({ masters: [s.url], credentials: { kind: 'basic', principal: 'p', secret: 'wrong-secret' } }).subscribe();
    const iterate = async (): Promise<void> => {
      for await (const _e of stream) {
        // nothing expected
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'MESOS_UNAUTHORIZED', callType: 'SUBSCRIBE', retryable: false });
    expect(s.requests).toHaveLength(1);
  });

  it('a garbage frame ends the iteration with DECODE', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write('{"type":"HEARTBEAT"}\n');
    });
    const stream = client({ masters: [s.url] }).subscribe();
    let error: unknown;
    try {
      for await (const _e of stream) {
        // nothing expected
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MesosError);
    expect(error).toMatchObject({ code: 'DECODE' });
  });

  it('a record that is not JSON ends the iteration with DECODE after the records before it, sent in the same chunk', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write(Buffer.concat([encodeRecord(subscribed('h1', 15)), encodeRecord('{"type":'), encodeRecord(HEARTBEAT)]));
    });
    const stream = client({ masters: [s.url] }).subscribe();
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const e of stream) seen.push(e.type);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual(['SUBSCRIBED']);
    expect(error).toBeInstanceOf(MesosError);
    expect(error).toMatchObject({ code: 'DECODE', retryable: false });
    expect((error as MesosError).message).toContain('record is not valid JSON');
  });

  it('close() ends a waiting iteration', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write(encodeRecord(subscribed('h1', 15)));
    });
    const stream = client({ masters: [s.url] }).subscribe();
    const seen: string[] = [];
    for await (const e of stream) {
      seen.push(e.type);
      // Close while the iterator waits for the next event (none will come).
      setImmediate(() => stream.close());
    }
    expect(seen).toEqual(['SUBSCRIBED']);
    expect(stream.closed).toBe(true);
  });

  it('MasterClient.close() ends an open stream and resolves', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write(encodeRecord(subscribed('h1', 15)));
    });
    const c = new MasterClient({ masters: [s.url] });
    const seen: string[] = [];
    let closing: Promise<void> = Promise.reject(new Error('close() was not called'));
    closing.catch(() => undefined);
    const consumed = (async () => {
      for await (const e of c.subscribe()) {
        seen.push(e.type);
        setImmediate(() => (closing = c.close()));
      }
    })();
    await expect(consumed).resolves.toBeUndefined();
    await expect(closing).resolves.toBeUndefined();
    expect(seen).toEqual(['SUBSCRIBED']);
  });

  it('maps an unknown event type to UNKNOWN instead of failing', async () => {
    const s = await stub((_req, res) => {
      openStream(res);
      res.write(Buffer.concat([encodeRecord(subscribed('h1', 15)), encodeRecord('{"type":"SOMETHING_NEW","something_new":{}}')]));
    });
    const seen: string[] = [];
    for await (const e of client({ masters: [s.url] }).subscribe()) {
      seen.push(e.type);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['SUBSCRIBED', 'UNKNOWN']);
  });
});
