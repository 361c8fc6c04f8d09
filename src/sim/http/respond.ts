/**
 * Writing responses like libprocess: plain-text error bodies, JSON success bodies, gzip for plain bodies of
 * 1024 bytes or more when the request allows it (never for streams).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { acceptsGzip } from './media';

const TEXT = 'text/plain; charset=utf-8';
const STATUS_TEXT: Record<number, string> = {
  401: '401 Unauthorized.',
  403: '403 Forbidden.',
  404: '',
  405: "405 Method Not Allowed. Expecting one of { 'POST' }.",
  501: '501 Not Implemented.',
};

/** Sends a complete response; gzip-compresses bodies ≥ 1 KiB when `Accept-Encoding` allows gzip. */
export function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string | undefined,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  let buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out: Record<string, string | number> = { ...headers };
  if (contentType !== undefined && buf.length > 0) out['Content-Type'] = contentType;
  if (buf.length >= 1024 && acceptsGzip(req.headers['accept-encoding'])) {
    buf = gzipSync(buf, { level: 1 });
    out['Content-Encoding'] = 'gzip';
  }
  out['Content-Length'] = buf.length;
  res.writeHead(status, out);
  res.end(buf);
}

/** Sends a plain-text error (the Mesos way: every error body is text). */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  sendBody(req, res, status, message ?? STATUS_TEXT[status] ?? '', TEXT, headers);
}

/** Sends 200/202 with an empty body (no Content-Type), as Mesos answers write calls. */
export function sendEmpty(req: IncomingMessage, res: ServerResponse, status = 200): void {
  sendBody(req, res, status, '', undefined);
}

/** Sends a JSON text body. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, json: string): void {
  sendBody(req, res, status, json, 'application/json');
}

/** Reads the whole request body (up to `limit` bytes). */
export function readBody(req: IncomingMessage, limit = 256 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
