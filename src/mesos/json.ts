/**
 * JSON with exact 64-bit integers.
 *
 * Mesos writes int64 fields as JSON numbers; `TimeInfo.nanoseconds` (~1.7e18) is above 2^53, so a plain
 * `JSON.parse` rounds it. Mesos accepts int64 as decimal strings on input. The parser quotes the known 64-bit
 * fields with a pre-pass before `JSON.parse` (the fastest exact option measured, see shared/spec/performance.md):
 * on the string for small texts, in place on the response buffer for large ones (no second copy of a 100 MB body).
 * The writer sends every `bigint` as a decimal string.
 */
import { isAscii } from 'node:buffer';

/**
 * Keys whose values are 64-bit integers that exceed 2^53 in practice (`TimeInfo`/`DurationInfo.nanoseconds`).
 * Other uint64 fields (byte counts, file sizes, port ranges) stay JS numbers: they are exact below 2^53 (8 PiB).
 */
export const INT64_KEYS = ['nanoseconds'] as const;

/**
 * Numbers with fewer digits are below 2^53 (9007199254740992, 16 digits) and survive `JSON.parse` exactly; only
 * longer ones need quoting. Durations such as 30 s (11 digits) are left alone, timestamps (19 digits) are quoted.
 */
const MIN_UNSAFE_DIGITS = 16;

/** Below this size a body is quoted as a string; above it, at the byte level without copies. */
const SMALL_BODY = 64 * 1024;
const KEY_TEXT = '"nanoseconds"';

function isSpaceCode(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Quotes the known 64-bit fields' numbers that `JSON.parse` would round, so it keeps every digit:
 * `"nanoseconds": 1700000000000000001` → `"nanoseconds": "1700000000000000001"`. A key preceded by a backslash
 * (inside a string) is left alone.
 */
export function quoteInt64(text: string): string {
  let at = text.indexOf(KEY_TEXT);
  if (at < 0) return text;
  // Concatenation builds a rope that JSON.parse flattens once: measured cheaper than collecting slices and joining.
  let out = '';
  let prev = 0;
  while (at >= 0) {
    let i = at + KEY_TEXT.length;
    if (at === 0 || text.charCodeAt(at - 1) !== 0x5c) {
      while (isSpaceCode(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 0x3a) {
        i++;
        while (isSpaceCode(text.charCodeAt(i))) i++;
        const start = i;
        if (text.charCodeAt(i) === 0x2d) i++;
        const digitsFrom = i;
        let c = text.charCodeAt(i);
        while (c >= 0x30 && c <= 0x39) c = text.charCodeAt(++i);
        if (i - digitsFrom >= MIN_UNSAFE_DIGITS && c !== 0x2e && c !== 0x65 && c !== 0x45) {
          out += text.slice(prev, start) + '"' + text.slice(start, i) + '"';
          prev = i;
        }
      }
    }
    at = text.indexOf(KEY_TEXT, i);
  }
  return prev === 0 ? text : out + text.slice(prev);
}

/**
 * Parses Mesos JSON, leaving each known 64-bit field above 2^53 as its exact decimal string (no tree walk). The zod schemas
 * turn those strings into `bigint`. This is the fast path the transport uses.
 *
 * @throws SyntaxError when `text` is not JSON.
 */
export function parseMesosJsonQuoted(text: string): unknown {
  return JSON.parse(quoteInt64(text));
}

/**
 * What the byte search looks for: the key without its opening quote (checked separately). A needle that starts
 * with a quote is about three times slower to find in JSON, where quotes are everywhere (measured).
 */
const KEY_TAIL = Buffer.from('nanoseconds"', 'latin1');
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Buffers from {@link allocateBody}: owned by this module's caller, with spare room after their contents. */
const ROOMY = new WeakSet<ArrayBufferLike>();

/**
 * Copies response chunks into one buffer with a little spare room (about 1%) after the contents, so that
 * {@link quoteInt64Bytes} can quote the 64-bit numbers in place instead of copying a 100 MB body.
 */
export function allocateBody(chunks: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const whole = allocateRoomy(total);
  let o = 0;
  for (const c of chunks) {
    whole.set(c, o);
    o += c.byteLength;
  }
  return whole;
}

/**
 * A buffer of `size` bytes (contents uninitialised) with spare room after it, for a body whose length is known up
 * front (Content-Length): the transport fills it as chunks arrive, so the body is never held twice.
 */
export function allocateRoomy(size: number): Buffer {
  const spare = Math.ceil(size / 100) + 64;
  const whole = Buffer.allocUnsafeSlow(size + spare); // never from the shared pool: we may write past `size`
  ROOMY.add(whole.buffer);
  return whole.subarray(0, size);
}

/**
 * Looks at the key tail found at `at` (inside `[start, end)`) and, when it ends a `"nanoseconds"` key that
 * introduces a number `JSON.parse` could round, appends the number's start and end offsets to `spans`. Returns where
 * to search for the next key.
 */
function int64At(bytes: Buffer, at: number, start: number, end: number, spans: number[]): number {
  let i = at + KEY_TAIL.length;
  if (at - 1 < start || bytes[at - 1] !== QUOTE || (at - 2 >= start && bytes[at - 2] === BACKSLASH)) return i;
  while (i < end && isSpace(bytes[i])) i++;
  if (i >= end || bytes[i] !== 0x3a) return i;
  i++;
  while (i < end && isSpace(bytes[i])) i++;
  const from = i;
  if (bytes[i] === 0x2d) i++;
  const digitsFrom = i;
  while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) i++;
  const next = i < end ? bytes[i] : -1;
  if (i - digitsFrom >= MIN_UNSAFE_DIGITS && next !== 0x2e && next !== 0x65 && next !== 0x45) spans.push(from, i);
  return i;
}

/** Start and end offsets of every known 64-bit number in `bytes`, as a flat list. */
function int64Spans(bytes: Buffer): number[] {
  const spans: number[] = [];
  let at = bytes.indexOf(KEY_TAIL);
  while (at >= 0) at = bytes.indexOf(KEY_TAIL, int64At(bytes, at, 0, bytes.length, spans));
  return spans;
}

/**
 * Like {@link int64Spans} for the frames `[offsets[2k], offsets[2k + 1])` of `bytes` (in order, not overlapping):
 * one search through the buffer, and a number never runs past the end of its own frame.
 */
function frameInt64Spans(bytes: Buffer, offsets: readonly number[]): number[] {
  const spans: number[] = [];
  if (offsets.length === 0) return spans;
  const last = offsets[offsets.length - 1];
  let k = 0;
  let at = bytes.indexOf(KEY_TAIL, offsets[0]);
  while (at >= 0 && at + KEY_TAIL.length <= last) {
    while (offsets[k + 1] < at + KEY_TAIL.length) k += 2; // the first frame that ends after this key
    const next = at >= offsets[k] ? int64At(bytes, at, offsets[k], offsets[k + 1], spans) : at + 1;
    at = bytes.indexOf(KEY_TAIL, next);
  }
  return spans;
}

/**
 * Copies `bytes[from, to)` with a quote before and after each span (all inside that range), into `out` when given
 * (it must hold `to - from + spans.length` bytes: two quotes per span = one byte per offset in `spans`).
 */
function copyQuoted(bytes: Buffer, spans: readonly number[], from: number, to: number, out: Buffer = Buffer.allocUnsafe(to - from + spans.length)): Buffer {
  let o = 0;
  let prev = from;
  for (let k = 0; k < spans.length; k += 2) {
    o += bytes.copy(out, o, prev, spans[k]);
    out[o++] = QUOTE;
    o += bytes.copy(out, o, spans[k], spans[k + 1]);
    out[o++] = QUOTE;
    prev = spans[k + 1];
  }
  bytes.copy(out, o, prev, to);
  return out;
}

/**
 * Byte-level {@link quoteInt64}: returns the bytes with every known 64-bit number quoted, or `bytes` itself when
 * there is none. A buffer from {@link allocateBody} is rewritten in place (moving bytes right, from the end); any
 * other buffer is copied once with `Buffer.copy`. Either way no unquoted copy of the text is ever made.
 */
export function quoteInt64Bytes(bytes: Buffer): Buffer {
  const spans = int64Spans(bytes);
  if (spans.length === 0) return bytes;
  const grown = bytes.length + spans.length; // two quotes per span = one byte per offset in `spans`
  if (ROOMY.has(bytes.buffer) && bytes.byteOffset + grown <= bytes.buffer.byteLength) {
    const whole = Buffer.from(bytes.buffer, bytes.byteOffset, grown);
    let segEnd = bytes.length;
    for (let k = spans.length / 2 - 1; k >= 0; k--) {
      const start = spans[2 * k];
      const end = spans[2 * k + 1];
      whole.copyWithin(end + 2 * (k + 1), end, segEnd);
      whole[end + 2 * k + 1] = QUOTE;
      whole.copyWithin(start + 2 * k + 1, start, end);
      whole[start + 2 * k] = QUOTE;
      segEnd = start;
    }
    ROOMY.delete(bytes.buffer); // the unquoted contents are gone
    return whole;
  }
  return copyQuoted(bytes, spans, 0, bytes.length);
}

/**
 * Parses Mesos JSON bytes like {@link parseMesosJsonQuoted}, quoting at the byte level (the transport's path). A
 * buffer from {@link allocateBody} is consumed: its contents are rewritten.
 *
 * @throws SyntaxError when the bytes are not JSON.
 */
export function parseMesosJsonBytes(bytes: Buffer): unknown {
  if (bytes.length < SMALL_BODY) return JSON.parse(quoteInt64(bytes.toString('utf8')));
  return JSON.parse(quoteInt64Bytes(bytes).toString('utf8'));
}

/**
 * Several Mesos JSON messages that sit in one buffer, at `[offsets[2k], offsets[2k + 1])` (the records of a RecordIO
 * stream that lie wholly inside one received chunk), parsed with the exactness of {@link parseMesosJsonBytes}.
 * The work is shared: one search for the 64-bit keys, at most one copy with quotes added, and, when the bytes are
 * ASCII (most are; Mesos writes names and labels as raw UTF-8), one string for all of them that each message is
 * parsed from as a slice. {@link message} parses message `k` when called, so that a bad message fails at its turn,
 * after the ones before it were delivered.
 */
export class JsonFrames {
  /** All the frames' text when they are ASCII (string offsets = byte offsets), else undefined. */
  private readonly text: string | undefined;
  /** The frames' (quoted) bytes, when they are not ASCII. */
  private readonly region: Buffer | undefined;
  /** Each frame's start and end in `text` / `region`. */
  private readonly at: number[];

  constructor(bytes: Buffer, offsets: readonly number[]) {
    const from = offsets.length > 0 ? offsets[0] : 0;
    const to = offsets.length > 0 ? offsets[offsets.length - 1] : 0;
    const spans = frameInt64Spans(bytes, offsets);
    const region = spans.length === 0 ? bytes.subarray(from, to) : copyQuoted(bytes, spans, from, to, scratch(to - from + spans.length));
    this.at = new Array<number>(offsets.length);
    let s = 0;
    for (let k = 0; k < offsets.length; k++) {
      while (s < spans.length && spans[s + 1] <= offsets[k]) s += 2; // a span ends inside its own frame
      this.at[k] = offsets[k] - from + s;
    }
    if (isAscii(region)) {
      this.text = region.toString('latin1'); // the scratch buffer is free again
      this.region = undefined;
    } else {
      this.text = undefined;
      this.region = region.buffer === scratchBuffer.buffer ? Buffer.from(region) : region; // kept until all are parsed
    }
  }

  /**
   * Parses message `k`.
   *
   * @throws SyntaxError when it is not JSON.
   */
  message(k: number): unknown {
    const start = this.at[2 * k];
    const end = this.at[2 * k + 1];
    if (this.text !== undefined) return JSON.parse(this.text.slice(start, end));
    return JSON.parse((this.region as Buffer).toString('utf8', start, end));
  }
}

/**
 * One reused buffer for the quoted copy of a chunk's records, which lives only until it is turned into a string, so
 * quoting allocates no buffer per chunk (no measurable speed difference in the benchmark; less external memory for
 * the garbage collector to track). Copies above 1 MiB get their own buffer rather than growing this one for good.
 */
let scratchBuffer = Buffer.allocUnsafeSlow(64 * 1024);
const MAX_SCRATCH = 1024 * 1024;

function scratch(size: number): Buffer {
  if (size > MAX_SCRATCH) return Buffer.allocUnsafe(size);
  if (size > scratchBuffer.length) scratchBuffer = Buffer.allocUnsafeSlow(Math.max(size, 2 * scratchBuffer.length));
  return scratchBuffer.subarray(0, size);
}

function reviveInt64(this: unknown, key: string, value: unknown): unknown {
  if (key !== 'nanoseconds') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

/**
 * Parses Mesos JSON with every known 64-bit field (see {@link INT64_KEYS}) as an exact `bigint`.
 *
 * @throws SyntaxError when `text` is not JSON.
 */
export function parseMesosJson(text: string): unknown {
  return JSON.parse(quoteInt64(text), reviveInt64);
}

function bigintToString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Serialises a call body: every `bigint` becomes a decimal string, which Mesos accepts for int64 fields. */
export function stringifyMesosJson(value: unknown): string {
  return JSON.stringify(value, bigintToString);
}
