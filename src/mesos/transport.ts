/**
 * HTTP transport over undici: one connection pool per client, credentials, TLS, timeouts, gzip, and the mapping of
 * every failure to a {@link MesosError}.
 *
 * It sends exactly one request per {@link Transport.send}; it never follows redirects (undici does not unless a
 * redirect interceptor is installed, and none is) and never retries. Leader following lives in ./leader.ts.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { codeForStatus, MesosError, reasonPhrase, redact, safeUrl } from './errors';
import { allocateBody, allocateRoomy } from './json';
import type { MesosCredentials, MesosTlsOptions } from './options';

const gunzipAsync = promisify(gunzip);

/** How much of an error body is kept as `mesosMessage`. */
const MAX_ERROR_TEXT = 4096;

/** The response body stream undici hands back. */
export type ResponseBody = Dispatcher.ResponseData['body'];

/** One HTTP request. */
export interface SendOptions {
  callType: string;
  /** Full URL, `<base>/api/v1`. */
  url: string;
  /** A buffer (re-sendable after a redirect) or a streaming body (ATTACH_CONTAINER_INPUT). */
  body: Buffer | AsyncIterable<Uint8Array>;
  headers: Record<string, string>;
  /** Whether the Authorization header may go to this URL. */
  withCredentials: boolean;
  /** Total time for headers and body in ms; `null` for streams and long polls (no timeout at all). */
  timeoutMs: number | null;
  /** Cancels the request (e.g. a stream's `close()`); cancellation is not reported as TIMEOUT. */
  signal?: AbortSignal;
}

/** A response whose headers arrived. Read or discard its body with the transport's helpers. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
  url: string;
  callType: string;
  /** Cancels the deadline timer; done by the read helpers. */
  done(): void;
  /** True once the call's deadline passed. */
  readonly timedOut: boolean;
}

/** Options of a {@link Transport}. */
export interface TransportOptions {
  credentials?: MesosCredentials;
  tls?: MesosTlsOptions;
}

function field(e: unknown, name: string): unknown {
  return typeof e === 'object' && e !== null ? Reflect.get(e, name) : undefined;
}

/**
 * Sends calls and classifies failures. Holds the only copy of the credentials; everything it puts into an error goes
 * through {@link redact}.
 */
export class Transport {
  private readonly dispatcher: Agent;
  private readonly authorization: string | undefined;
  private readonly secrets: string[];

  constructor(opts: TransportOptions) {
    const tls = opts.tls;
    this.dispatcher = new Agent({
      connect: tls
        ? {
            ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
            ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
            ...(tls.key !== undefined ? { key: tls.key } : {}),
            ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
          }
        : undefined,
    });
    const c = opts.credentials;
    if (c?.kind === 'basic') {
      const token = Buffer.from(`${c.principal}:${c.secret}`, 'utf8').toString('base64');
      this.authorization = `Basic ${token}`;
      this.secrets = [c.secret, token];
    } else if (c?.kind === 'bearer') {
      this.authorization = `Bearer ${c.token}`;
      this.secrets = [c.token];
    } else {
      this.authorization = undefined;
      this.secrets = [];
    }
  }

  /** Removes every credential from `text`. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /**
   * Sends one request and returns once the response headers arrive, whatever the status.
   *
   * @throws MesosError TIMEOUT when the deadline passes first; CONNECTION when the connection fails (refused,
   * reset, TLS failure); the caller's abort reason when `signal` aborts.
   */
  async send(opts: SendOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.withCredentials && this.authorization) headers['Authorization'] = this.authorization;
    const deadline = new AbortController();
    let timedOut = false;
    const timer =
      opts.timeoutMs === null
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            deadline.abort(new Error('deadline exceeded'));
          }, opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
    const done = (): void => {
      if (timer) clearTimeout(timer);
    };
    const idle = opts.timeoutMs === null ? 0 : opts.timeoutMs;
    try {
      const res = await request(opts.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers,
        body: Buffer.isBuffer(opts.body) ? opts.body : Readable.from(opts.body),
        signal,
        // undici's own defaults are 300 s; streams and long polls must have none, other calls have the deadline.
        headersTimeout: idle,
        bodyTimeout: idle,
      });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        url: opts.url,
        callType: opts.callType,
        done,
        get timedOut() {
          return timedOut;
        },
      };
    } catch (e) {
      done();
      throw this.wrapError(e, opts.callType, opts.url, timedOut, opts.signal);
    }
  }

  /**
   * Reads a whole response body, gunzipping it when `Content-Encoding: gzip`. The buffer has spare room so the
   * JSON codec can quote 64-bit numbers in place (see ./json.ts `allocateBody`).
   *
   * @throws MesosError TIMEOUT, CONNECTION (body cut short, e.g. shorter than its Content-Length) or DECODE (bad gzip).
   */
  async readBody(res: HttpResponse): Promise<Buffer> {
    const gzip = isGzip(res.headers['content-encoding']);
    const declared = Number(res.headers['content-length']);
    const chunks: Buffer[] = [];
    // With a Content-Length, fill one buffer as chunks arrive so a 100 MB body is never held twice.
    let whole = !gzip && Number.isSafeInteger(declared) && declared > 0 ? allocateRoomy(declared) : undefined;
    let filled = 0;
    try {
      for await (const chunk of res.body) {
        const bytes: Uint8Array = chunk;
        if (whole && filled + bytes.byteLength <= whole.length) {
          whole.set(bytes, filled);
        } else {
          if (whole) chunks.push(whole.subarray(0, filled));
          whole = undefined;
          chunks.push(Buffer.from(bytes));
        }
        filled += bytes.byteLength;
      }
    } catch (e) {
      throw this.wrapError(e, res.callType, res.url, res.timedOut, undefined);
    } finally {
      res.done();
    }
    if (whole) return whole.subarray(0, filled);
    if (!gzip) return allocateBody(chunks);
    try {
      return allocateBody([await gunzipAsync(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))]);
    } catch (e) {
      throw new MesosError({
        code: 'DECODE',
        callType: res.callType,
        url: safeUrl(res.url),
        detail: `cannot gunzip the response: ${this.redact(String(field(e, 'message') ?? e))}`,
      });
    }
  }

  /** Discards a response body (e.g. a 307's) so the connection can be reused. */
  async discard(res: HttpResponse): Promise<void> {
    try {
      await res.body.dump({ limit: 64 * 1024 });
    } catch {
      // The connection is closed instead; nothing to report.
    } finally {
      res.done();
    }
  }

  /**
   * Turns a non-success response into a {@link MesosError} with Mesos's text (redacted, truncated).
   */
  async failure(res: HttpResponse, isMaster: boolean): Promise<MesosError> {
    let text = '';
    try {
      text = (await this.readBody(res)).toString('utf8').trim();
    } catch {
      text = '';
    }
    if (text.length > MAX_ERROR_TEXT) text = `${text.slice(0, MAX_ERROR_TEXT)}...`;
    const mesosMessage = this.redact(text);
    return new MesosError({
      code: codeForStatus(res.status, text, isMaster),
      callType: res.callType,
      status: res.status,
      statusText: reasonPhrase(res.status),
      url: safeUrl(res.url),
      ...(mesosMessage ? { mesosMessage } : {}),
    });
  }

  /**
   * Maps an undici/socket error to TIMEOUT or CONNECTION; a caller's abort passes through unchanged.
   */
  wrapError(e: unknown, callType: string, url: string, timedOut: boolean, signal: AbortSignal | undefined): unknown {
    if (timedOut) {
      return new MesosError({ code: 'TIMEOUT', callType, url: safeUrl(url), detail: 'the call timed out' });
    }
    if (signal?.aborted) return signal.reason ?? e;
    const code = field(e, 'code');
    const message = this.redact(String(field(e, 'message') ?? e));
    const cause = { name: String(field(e, 'name') ?? 'Error'), message, ...(typeof code === 'string' ? { code } : {}) };
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new MesosError({ code: 'TIMEOUT', callType, url: safeUrl(url), detail: message, cause });
    }
    // Refused, reset, DNS, TLS and truncated bodies (CONNECTION_CODES) and anything unexpected: the connection failed.
    return new MesosError({ code: 'CONNECTION', callType, url: safeUrl(url), detail: message, cause });
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function isGzip(header: string | string[] | undefined): boolean {
  const v = Array.isArray(header) ? header.join(',') : (header ?? '');
  return /\bgzip\b/i.test(v);
}
