/**
 * A loopback HTTP proxy in front of one Mesos master that counts Operator API calls by type (the simulator does
 * not count requests per call type). Bodies are read to learn the call type, then forwarded; responses, streams
 * (SUBSCRIBE) included, are piped back unchanged. A redirect from a non-leader is passed through, so put it in
 * front of a single-master cluster.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountedCall {
  type: string;
  at: number;
}

export interface CountingProxy {
  url: string;
  calls: CountedCall[];
  /** Calls of `type` since `sinceMs` (ms since the epoch). */
  count(type: string, sinceMs?: number): number;
  /** Cuts every open streaming response (SUBSCRIBE), as a network failure would. */
  dropStreams(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const calls: CountedCall[] = [];
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let type = `${req.method} ${req.url}`;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { type?: unknown };
        if (typeof parsed.type === 'string') type = parsed.type;
      } catch {
        // not JSON (a GET or protobuf): counted by method and path
      }
      calls.push({ type, at: Date.now() });
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          if (type === 'SUBSCRIBE') {
            streams.add(res);
            res.on('close', () => streams.delete(res));
          }
          up.pipe(res);
          res.on('close', () => up.destroy());
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (type, sinceMs = 0) => calls.filter((c) => c.type === type && c.at >= sinceMs).length,
    dropStreams: () => {
      const n = streams.size;
      for (const s of streams) s.destroy();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
