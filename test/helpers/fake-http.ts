import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake server received. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body parsed as JSON, or as a form (`application/x-www-form-urlencoded`), when it is one. */
  json?: Record<string, unknown>;
  at: number;
}

export interface FakeServer {
  url: string;
  received: Received[];
  /** Resolves once a request matching `predicate` arrived (bounded). */
  waitFor(predicate: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

type Handler = (r: Received) => { status?: number; json?: unknown } | undefined;

/** A recording HTTP server on 127.0.0.1, port 0; `handle` answers (default 200 `{ok: true}`). */
export async function fakeServer(handle: Handler = () => undefined): Promise<FakeServer> {
  const received: Received[] = [];
  const waiters: { predicate: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now(), json: parse(body, req.headers['content-type']) };
      received.push(r);
      const answer = handle(r) ?? {};
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.json ?? { ok: true }));
      for (const w of [...waiters]) {
        if (w.predicate(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(predicate, timeoutMs = 30_000) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching request in ${timeoutMs} ms; got: ${received.map((r) => `${r.method} ${r.path} ${r.body.slice(0, 200)}`).join(' | ')}`)), timeoutMs);
        waiters.push({ predicate, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parse(body: string, type: string | undefined): Record<string, unknown> | undefined {
  try {
    if (type?.includes('json')) return JSON.parse(body) as Record<string, unknown>;
    if (type?.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * A fake Slack Web API (`<url>/api/<method>`): auth.test, chat.postMessage (answers a `ts`), chat.update,
 * chat.postEphemeral, usergroups.users.list (from `groups`), users.info; every call recorded.
 */
export async function fakeSlack(groups: Record<string, string[]> = {}): Promise<FakeServer & { apiUrl: string; calls(method: string): Received[] }> {
  let ts = 1000;
  const server = await fakeServer((r) => {
    const method = r.path.replace(/^\/api\//, '').replace(/\?.*$/, '');
    switch (method) {
      case 'auth.test':
        return { json: { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'runbooks' } };
      case 'chat.postMessage':
        return { json: { ok: true, channel: r.json?.channel, ts: `${++ts}.000100` } };
      case 'chat.update':
        return { json: { ok: true, channel: r.json?.channel, ts: r.json?.ts } };
      case 'usergroups.users.list':
        return { json: { ok: true, users: groups[String(r.json?.usergroup)] ?? [] } };
      default:
        return { json: { ok: true } };
    }
  });
  return {
    ...server,
    apiUrl: `${server.url}/api/`,
    calls: (method: string) => server.received.filter((r) => r.path.startsWith(`/api/${method}`)),
  };
}
