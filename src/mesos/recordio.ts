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
 * The records one chunk completed, in stream order: first, possibly, one that began in an earlier chunk (`joined`,
 * its pieces joined into one buffer), then those wholly inside the chunk, as byte offsets
 * `[offsets[2k], offsets[2k + 1])` into `chunk` (no copies, no views).
 */
export interface Frames {
  joined: Buffer | undefined;
  chunk: Buffer;
  offsets: number[];
}

/**
 * Incremental RecordIO decoder. Feed it chunks with {@link push} (records as buffers) or {@link pushFrames}
 * (records as offsets, for decoders that batch the work of one chunk). Records that sit wholly inside one chunk are
 * never copied.
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
   * Decodes `chunk` and returns every record it completes, records inside the chunk as views of it.
   *
   * @throws RecordIOError as {@link pushFrames}.
   */
  push(chunk: Uint8Array): Buffer[] {
    const { joined, chunk: buf, offsets } = this.pushFrames(chunk);
    const out: Buffer[] = joined ? [joined] : [];
    for (let k = 0; k < offsets.length; k += 2) out.push(buf.subarray(offsets[k], offsets[k + 1]));
    return out;
  }

  /**
   * Decodes `chunk` and returns the records it completes as {@link Frames}.
   *
   * @throws RecordIOError on a non-digit in a length prefix, a prefix over 20 digits, an empty prefix, or a length
   * over `maxRecordBytes`. The decoder then stays failed.
   */
  pushFrames(chunk: Uint8Array): Frames {
    if (this.failed) throw this.failed;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const frames: Frames = { joined: undefined, chunk: buf, offsets: [] };
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
            frames.offsets.push(pos, pos);
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
        frames.offsets.push(pos, pos + take);
      } else {
        // Only the record in progress when the chunk began can span chunks, so `joined` is always the first.
        this.parts.push(buf.subarray(pos, pos + take));
        if (take === this.remaining) {
          frames.joined = this.concat(this.parts);
          this.parts = [];
        }
      }
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.remaining = -1;
    }
    return frames;
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
