/**
 * A tiny, hostile-capable HTTP server for client tests: each test scripts the answers (redirects, 503s, gzip,
 * truncated bodies, one-byte chunks, silent streams) and reads back what the client sent.
 * Listens on 127.0.0.1, port 0; always `close()` it after the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The raw header names and values as sent (to check exact casing and values). */
  rawHeaders: string[];
  body: Buffer;
}

export type StubHandler = (req: StubRequest, res: http.ServerResponse) => void | Promise<void>;

export interface StubServer {
  url: string;
  /** `127.0.0.1:<port>`, as a Location header would name it. */
  hostPort: string;
  port: number;
  requests: StubRequest[];
  /** Replaces the handler (e.g. after a simulated failover). */
  setHandler(handler: StubHandler): void;
  /** Stops the server (again: a no-op). */
  close(): Promise<void>;
}

/** Starts a stub; the handler sees each request with its whole body already read. */
export async function startStub(handler: StubHandler): Promise<StubServer> {
  let current = handler;
  let closed: Promise<void> | undefined;
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: StubRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      requests.push(r);
      Promise.resolve(current(r, res)).catch((e: unknown) => {
        res.destroy(e instanceof Error ? e : new Error(String(e)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    port,
    requests,
    setHandler(h) {
      current = h;
    },
    close() {
      // Idempotent: a test may stop a stub early, and stubsPerTest closes it again after the test.
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

/** Answers with a JSON body (Content-Type application/json). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown | string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers with a plain-text error body, as Mesos does. */
export function sendText(res: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers 200 with an empty body, as Mesos does for most writes. */
export function sendEmpty(res: http.ServerResponse, status = 200): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

/** Parses a request body as JSON. */
export function jsonOf(req: StubRequest): unknown {
  return JSON.parse(req.body.toString('utf8'));
}

/**
 * The stub servers and clients of one describe block, all closed after each of its tests: `stub(handler)` starts a
 * server, `track(client)` registers a client. Call it inside the describe block.
 */
export function stubsPerTest(): { stub: (handler: StubHandler) => Promise<StubServer>; track: <C extends { close(): Promise<void> }>(c: C) => C } {
  const servers: StubServer[] = [];
  const clients: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    stub: async (handler) => {
      const s = await startStub(handler);
      servers.push(s);
      return s;
    },
    track: (c) => {
      clients.push(c);
      return c;
    },
  };
}

/** A master that must never be called: it answers 500 and counts in `requests` what reached it. */
export function neverCalledMaster(): Promise<StubServer> {
  return startStub((_req, res) => sendText(res, 500, 'this cluster must never be called'));
}
