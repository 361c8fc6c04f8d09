/**
 * JSON with exact 64-bit integers, the way Mesos reads and writes it.
 *
 * Mesos parses integers with picojson INT64 and writes int64 fields as bare JSON numbers (for example
 * `{"nanoseconds": 1470820233192018000}`), which exceed 2^53. `JSON.parse` would round them, so the simulator
 * parses with {@link parseJson} (integers beyond the safe range become {@link I64}) and writes with
 * {@link stringifyJson} (an {@link I64} is written as a bare number).
 */

/** An exact 64-bit integer kept as its decimal digits. Written as a bare JSON number by {@link stringifyJson}. */
export class I64 {
  /** The decimal digits, with an optional leading minus. */
  readonly digits: string;

  constructor(value: bigint | number | string) {
    this.digits = typeof value === 'number' ? BigInt(Math.trunc(value)).toString() : value.toString();
  }

  /** The value as a bigint. */
  toBigInt(): bigint {
    return BigInt(this.digits);
  }

  /** Marker consumed by {@link stringifyJson}. */
  toJSON(): string {
    markersWritten = true;
    return MARK + this.digits;
  }

  toString(): string {
    return this.digits;
  }
}

const MARK = '\u0001i64:';
const MARK_RE = /"\\u0001i64:(-?\d+)"/g;
let markersWritten = false;

/** Builds `{nanoseconds: N}` (a Mesos TimeInfo / DurationInfo) from nanoseconds. */
export function nanos(ns: bigint): { nanoseconds: I64 } {
  return { nanoseconds: new I64(ns) };
}

/** Serialises a value; {@link I64} values (and bigints) become bare JSON numbers with every digit kept. */
export function stringifyJson(value: unknown, indent?: number): string {
  markersWritten = false;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, undefined, indent);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    markersWritten = false;
    text = JSON.stringify(value, bigintReplacer, indent);
  }
  if (text === undefined) return 'null';
  return markersWritten ? text.replace(MARK_RE, '$1') : text;
}

function bigintReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') {
    markersWritten = true;
    return MARK + v.toString();
  }
  return v;
}

/** Error raised by {@link parseJson}; `message` reads like picojson's. */
export class JsonSyntaxError extends Error {
  readonly code = 'JSON_SYNTAX';
}

const UNSAFE_INT = /\d{16}/;

/**
 * Parses JSON text. Integers outside ±(2^53−1) become {@link I64}; everything else is what `JSON.parse` gives.
 * @throws JsonSyntaxError when the text is not JSON.
 */
export function parseJson(text: string): unknown {
  if (!UNSAFE_INT.test(text)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new JsonSyntaxError((err as Error).message);
    }
  }
  return new Parser(text).parseDocument();
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): unknown {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail('Unexpected trailing characters');
    return v;
  }

  private fail(msg: string): never {
    throw new JsonSyntaxError(`${msg} at position ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(): unknown {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    return this.fail(c === undefined ? 'Unexpected end of input' : `Unexpected token ${c}`);
  }

  private literal<T>(word: string, v: T): T {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return v;
    }
    return this.fail('Unexpected token');
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('Expected a string key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("Expected ':'");
      this.i++;
      this.ws();
      out[k] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("Expected ',' or '}'");
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("Expected ',' or ']'");
    }
  }

  private string(): string {
    const start = this.i;
    const s = this.s;
    let j = start + 1;
    let escaped = false;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        j += 2;
        continue;
      }
      if (c < 32) {
        this.i = j;
        this.fail('Bad control character in string');
      }
      j++;
    }
    if (j >= s.length) this.fail('Unterminated string');
    this.i = j + 1;
    const raw = s.slice(start, j + 1);
    if (!escaped) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return this.fail('Bad escape in string');
    }
  }

  private number(): number | I64 {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) return this.fail('Bad number');
    this.i += m[0].length;
    const text = m[0];
    const n = Number(text);
    if (m[2] === undefined && m[3] === undefined && !Number.isSafeInteger(n)) return new I64(text);
    return n;
  }
}
