import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { payloadFromJson, payloadToJson, type JsonPayload } from './codec';

/** The largest request body accepted: the server's gRPC message limit. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = a free port. */
  port: number;
  /** Browser origins allowed to call it (the Web UI's, e.g. `http://localhost:8080`); requests without `Origin` (the CLI) always may. */
  corsOrigins: string[];
  log?: (line: string) => void;
}

export interface CodecServer {
  /** `http://host:port`: give it to the Web UI (`--ui-codec-endpoint`, `TEMPORAL_CODEC_ENDPOINT`) and to `temporal --codec-endpoint`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The codec server the Temporal Web UI and CLI call to show encrypted payloads: `POST /decode` and `POST /encode`
 * (also under a path prefix, e.g. `/default/decode`), body and answer `{"payloads": [{"metadata": {...}, "data":
 * "<base64>"}]}`; `GET /health`. CORS for the configured origins only; a browser request from any other origin is
 * refused (403), so another web page cannot have a visitor's browser decrypt payloads. It holds the keys: run it
 * where only the people who may read payloads reach it (behind the same authentication as the Web UI).
 *
 * Answers 400 with `{"message"}` for a malformed body or a payload it cannot decrypt (the message names the key id,
 * never key material), 404 for other paths, 413 for a body over 4 MiB.
 */
export function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.corsOrigins.map((o) => o.replace(/\/$/, '')));
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { message: `codec server error: ${(err as Error).message}` }));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin) {
      if (!allowed.has(origin)) return send(res, 403, { message: `origin ${origin} is not allowed (codecServer.corsOrigins)` });
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const route = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && route === '/health') return send(res, 200, { status: 'ok' });
    const op = /\/(encode|decode)$/.exec(route)?.[1] as 'encode' | 'decode' | undefined;
    if (req.method !== 'POST' || !op) return send(res, 404, { message: 'POST /encode or /decode' });

    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { message: `body over ${MAX_BODY_BYTES} bytes` });
    let payloads: JsonPayload[];
    try {
      const doc = JSON.parse(body.toString('utf8')) as { payloads?: unknown };
      if (!Array.isArray(doc.payloads)) throw new Error('"payloads" must be a list');
      payloads = doc.payloads as JsonPayload[];
    } catch (err) {
      return send(res, 400, { message: `expected {"payloads": [...]}: ${(err as Error).message}` });
    }
    try {
      const input = payloads.map(payloadFromJson);
      const output = op === 'encode' ? await options.codec.encode(input) : await options.codec.decode(input);
      send(res, 200, { payloads: output.map(payloadToJson) });
    } catch (err) {
      send(res, 400, { message: (err as Error).message });
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      const url = `http://${host}:${port}`;
      options.log?.(`codec server on ${url} (CORS: ${[...allowed].join(', ') || 'none'})`);
      resolve({
        url,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Read the rest without keeping it, so the 413 reaches the client.
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
