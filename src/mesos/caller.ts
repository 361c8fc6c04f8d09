/**
 * The shared call path of the master and agent clients: encode a plain-data call, send it, and decode the
 * response by its kind (JSON envelope checked with its zod schema, empty, or RecordIO stream).
 */
import { z } from 'zod';
import type { MesosCall } from './calls/common';
import { Messages, type Codec } from './codec';
import { isMesosError, MesosError, safeUrl } from './errors';
import { safeParseInPlace } from './fast-parse';
import { allocateBody } from './json';
import type { MesosCallEvent, MesosCallObserver } from './options';
import { RecordIODecoder, RecordIOError, DEFAULT_MAX_RECORD_BYTES } from './recordio';
import { responseField } from './response-kinds';
import type { HttpResponse, Transport } from './transport';

/** What the caller asks of the routing layer: one request, a 2xx response back (or a thrown MesosError). */
export interface Outgoing {
  callType: string;
  body: Buffer | AsyncIterable<Uint8Array>;
  headers: Record<string, string>;
  timeoutMs: number | null;
  read: boolean;
  signal?: AbortSignal;
}

export type SendFn = (out: Outgoing) => Promise<HttpResponse>;

/** Per-call options every client method accepts. */
export interface CallOptions {
  /** Overrides the client's per-call timeout for this call. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Decodes a `{"type": T, "<t>": {...}}` envelope and validates the payload.
 *
 * @throws MesosError DECODE when the bytes are not JSON, the envelope's type differs, or the payload does not match.
 */
export function decodeEnvelope<S extends z.ZodType>(codec: Codec, callType: string, bytes: Buffer, schema: S, url: string): z.output<S> {
  let doc: unknown;
  try {
    doc = codec.decode(bytes);
  } catch (e) {
    throw new MesosError({ code: 'DECODE', callType, url: safeUrl(url), detail: `response is not valid JSON: ${String(e)}` });
  }
  if (typeof doc !== 'object' || doc === null) {
    throw new MesosError({ code: 'DECODE', callType, url: safeUrl(url), detail: 'response is not a JSON object' });
  }
  const type: unknown = Reflect.get(doc, 'type');
  if (type !== undefined && type !== callType) {
    throw new MesosError({ code: 'DECODE', callType, url: safeUrl(url), detail: `response type ${String(type)} does not match the call` });
  }
  const payload: unknown = Reflect.get(doc, responseField(callType)) ?? {};
  return validate(schema, payload, callType, url);
}

/**
 * Validates one decoded message.
 *
 * @throws MesosError DECODE naming each mismatching field path.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, callType: string, url: string): z.output<S> {
  // Validated and normalised in place: no copy of a 100 MB GET_STATE (see ./fast-parse.ts).
  const parsed = safeParseInPlace(schema, value);
  if (!parsed.success) {
    throw new MesosError({
      code: 'DECODE',
      callType,
      url: safeUrl(url),
      detail: `unexpected response: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')}`,
    });
  }
  return parsed.data;
}

/** Runs calls of one client. */
export class Caller {
  constructor(
    private readonly transport: Transport,
    private readonly codec: Codec,
    private readonly sendFn: SendFn,
    private readonly defaultTimeoutMs: number,
    private readonly observer?: MesosCallObserver,
  ) {}

  /** Runs one call, reporting it to the observer (if any) when it ends. */
  private async observed<T>(callType: string, run: (seen: { url?: string; status?: number }) => Promise<T>): Promise<T> {
    const observer = this.observer;
    if (!observer) return run({});
    const seen: { url?: string; status?: number } = {};
    const startedAt = Date.now();
    const t0 = performance.now();
    const report = (event: MesosCallEvent) => {
      try {
        observer(event);
      } catch {
        // an observer never breaks a call
      }
    };
    try {
      const value = await run(seen);
      report({ callType, ...seen, startedAt, durationMs: performance.now() - t0 });
      return value;
    } catch (e) {
      const failure = isMesosError(e) ? { code: e.code, status: e.status ?? seen.status, url: e.url ?? seen.url } : { code: 'ERROR', ...seen };
      report({ callType, ...failure, startedAt, durationMs: performance.now() - t0 });
      throw e;
    }
  }

  private headers(): Record<string, string> {
    return { 'Content-Type': this.codec.contentType, Accept: this.codec.accept, 'Accept-Encoding': 'gzip' };
  }

  private timeout(opts: CallOptions | undefined, longPoll: boolean): number | null {
    if (longPoll) return null;
    return opts?.timeoutMs ?? this.defaultTimeoutMs;
  }

  /**
   * A call whose 200 response is a JSON envelope.
   *
   * @throws MesosError as the routing layer, plus DECODE for a body that does not match `schema`.
   */
  async json<S extends z.ZodType>(
    call: MesosCall,
    schema: S,
    opts?: CallOptions & { longPoll?: boolean; read?: boolean },
  ): Promise<z.output<S>> {
    return this.observed(call.type, async (seen) => {
      const res = await this.sendFn({
        callType: call.type,
        body: this.codec.encode(call),
        headers: this.headers(),
        timeoutMs: this.timeout(opts, opts?.longPoll === true),
        read: opts?.read ?? true,
        ...(opts?.signal ? { signal: opts.signal } : {}),
      });
      Object.assign(seen, { url: safeUrl(res.url), status: res.status });
      const bytes = await this.transport.readBody(res);
      return decodeEnvelope(this.codec, call.type, bytes, schema, res.url);
    });
  }

  /**
   * A write whose success (200 or 202) has an empty body.
   *
   * @throws MesosError as the routing layer.
   */
  async empty(call: MesosCall, opts?: CallOptions): Promise<void> {
    return this.observed(call.type, async (seen) => {
      const res = await this.sendFn({
        callType: call.type,
        body: this.codec.encode(call),
        headers: this.headers(),
        timeoutMs: this.timeout(opts, false),
        read: false,
        ...(opts?.signal ? { signal: opts.signal } : {}),
      });
      Object.assign(seen, { url: safeUrl(res.url), status: res.status });
      await this.transport.readBody(res);
    });
  }

  /**
   * Opens a streaming response (no timeout) and returns it with its headers read; decode it with {@link records}.
   */
  async openStream(out: Omit<Outgoing, 'timeoutMs'>): Promise<HttpResponse> {
    return this.sendFn({ ...out, timeoutMs: null });
  }

  /**
   * Decodes the RecordIO records of a streaming response, each validated with `schema`.
   *
   * @throws MesosError DECODE for a bad frame or message, CONNECTION when the connection breaks mid-stream.
   */
  async *records<S extends z.ZodType>(
    res: HttpResponse,
    schema: S,
    maxRecordBytes: number = DEFAULT_MAX_RECORD_BYTES,
  ): AsyncGenerator<z.output<S>, void, undefined> {
    try {
      // A record spanning chunks (a SUBSCRIBED snapshot) is joined with spare room, so int64 quoting is in place;
      // the records inside one chunk are decoded together (see Codec.decodeFrames).
      const decoder = new RecordIODecoder({ maxRecordBytes, concat: allocateBody });
      for await (const chunk of res.body) {
        const messages = new Messages(this.codec, decoder.pushFrames(chunk));
        for (let i = 0; i < messages.count; i++) {
          let doc: unknown;
          try {
            doc = messages.get(i);
          } catch (e) {
            throw new MesosError({ code: 'DECODE', callType: res.callType, url: safeUrl(res.url), detail: `record is not valid JSON: ${String(e)}` });
          }
          yield validate(schema, doc, res.callType, res.url);
        }
      }
      decoder.end();
    } catch (e) {
      if (e instanceof RecordIOError) {
        throw new MesosError({ code: 'DECODE', callType: res.callType, url: safeUrl(res.url), detail: e.message });
      }
      if (e instanceof MesosError) throw e;
      throw this.transport.wrapError(e, res.callType, res.url, res.timedOut, undefined);
    } finally {
      res.done();
      if (!res.body.destroyed) res.body.destroy();
    }
  }
}
