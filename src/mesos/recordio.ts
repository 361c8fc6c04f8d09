/**
 * RecordIO framing (Mesos docs/recordio.md): each record is `<decimal byte length>\n<bytes>`.
 *
 * The decoder works on bytes, never on strings: lengths count bytes, chunk boundaries may fall anywhere (inside the
 * length prefix, inside a multi-byte UTF-8 character), and zero-length records are legal. A non-numeric or over-long
 * length prefix, or a record above `maxRecordBytes`, is a permanent decode error raised as soon as it is seen, so a
 * hostile stream can neither hang the decoder nor make it buffer without bound.
 */

/** Default record size limit: admits a SUBSCRIBED snapshot of a 10,000-agent cluster (~110 MB) with room to spare. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** Longest accepted length prefix: 20 digits hold any uint64. */
const MAX_HEADER_DIGITS = 20;
const LF = 0x0a;

/** A RecordIO stream that cannot be decoded: garbage length, record over the limit, or a truncated last record. */
export class RecordIOError extends Error {
  readonly code = 'RECORDIO';
  constructor(message: string) {
    super(message);
    this.name = 'RecordIOError';
  }
}

/** Frames one record. A string is encoded as UTF-8 and its byte length (not character count) is written. */
export function encodeRecord(data: Uint8Array | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([Buffer.from(`${body.byteLength}\n`, 'ascii'), body]);
}

/** Options of a {@link RecordIODecoder}. */
export interface RecordIODecoderOptions {
  /** Largest record accepted, in bytes. Default {@link DEFAULT_MAX_RECORD_BYTES}. */
  maxRecordBytes?: number;
  /** Joins the pieces of a record that spans chunks (default `Buffer.concat`); lets a caller choose the allocation. */
  concat?: (parts: Buffer[]) => Buffer;
}

/**
 * Incremental RecordIO decoder. Feed it chunks with {@link push}; it returns the records completed by that chunk.
 * Records that sit wholly inside one chunk are returned as views of that chunk (no copy).
 */
export class RecordIODecoder {
  readonly maxRecordBytes: number;
  private readonly concat: (parts: Buffer[]) => Buffer;
  private headerValue = 0;
  private headerDigits = 0;
  /** Bytes still missing from the current record; -1 while reading a length prefix. */
  private remaining = -1;
  private parts: Buffer[] = [];
  private failed: RecordIOError | undefined;

  constructor(opts: RecordIODecoderOptions = {}) {
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.concat = opts.concat ?? ((parts) => Buffer.concat(parts));
  }

  /**
   * Decodes `chunk` and returns every record it completes.
   *
   * @throws RecordIOError on a non-digit in a length prefix, a prefix over 20 digits, an empty prefix, or a length
   * over `maxRecordBytes`. The decoder then stays failed.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failed) throw this.failed;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let pos = 0;
    const len = buf.byteLength;
    while (pos < len) {
      if (this.remaining < 0) {
        // Reading the length prefix, byte by byte (prefixes are short).
        const byte = buf[pos++];
        if (byte === LF) {
          if (this.headerDigits === 0) this.fail('empty RecordIO length prefix');
          this.remaining = this.headerValue;
          this.headerValue = 0;
          this.headerDigits = 0;
          if (this.remaining === 0) {
            out.push(Buffer.alloc(0));
            this.remaining = -1;
          }
          continue;
        }
        if (byte < 0x30 || byte > 0x39) this.fail(`invalid byte 0x${byte.toString(16).padStart(2, '0')} in RecordIO length prefix`);
        this.headerDigits += 1;
        if (this.headerDigits > MAX_HEADER_DIGITS) this.fail('RecordIO length prefix too long');
        this.headerValue = this.headerValue * 10 + (byte - 0x30);
        if (this.headerValue > this.maxRecordBytes) {
          this.fail(`RecordIO record of at least ${this.headerValue} bytes exceeds the limit of ${this.maxRecordBytes} bytes`);
        }
        continue;
      }
      const take = Math.min(this.remaining, len - pos);
      if (this.parts.length === 0 && take === this.remaining) {
        out.push(buf.subarray(pos, pos + take));
      } else {
        this.parts.push(buf.subarray(pos, pos + take));
        if (take === this.remaining) {
          out.push(this.concat(this.parts));
          this.parts = [];
        }
      }
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.remaining = -1;
    }
    return out;
  }

  /** True when the decoder sits between records (a stream may end here cleanly). */
  get idle(): boolean {
    return this.remaining < 0 && this.headerDigits === 0;
  }

  /**
   * Declares the end of input.
   *
   * @throws RecordIOError when the input ended inside a length prefix or a record.
   */
  end(): void {
    if (this.failed) throw this.failed;
    if (!this.idle) this.fail('RecordIO stream ended inside a record');
  }

  private fail(message: string): never {
    this.failed = new RecordIOError(message);
    this.parts = [];
    throw this.failed;
  }
}

/**
 * Decodes a byte stream (e.g. an undici response body) into records.
 *
 * @throws RecordIOError as {@link RecordIODecoder.push} and {@link RecordIODecoder.end}; errors of `source` pass through.
 */
export async function* decodeRecordIO(
  source: AsyncIterable<Uint8Array>,
  opts: RecordIODecoderOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const decoder = new RecordIODecoder(opts);
  for await (const chunk of source) {
    for (const record of decoder.push(chunk)) yield record;
  }
  decoder.end();
}
