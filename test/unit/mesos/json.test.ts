import {
  allocateBody,
  parseMesosJson,
  parseMesosJsonBytes,
  parseMesosJsonQuoted,
  quoteInt64,
  quoteInt64Bytes,
  stringifyMesosJson,
} from '../../../src/mesos/json';
import { Messages, JSON_CODEC } from '../../../src/mesos/codec';
import { encodeRecord, RecordIODecoder } from '../../../src/mesos/recordio';

describe('Mesos JSON with exact int64', () => {
  const text = '{"a":{"nanoseconds":1470820171393027001},"b":{ "nanoseconds" : -5 },"t":1470820172.32565,"s":"\\"nanoseconds\\":1"}';

  it('parses nanoseconds above 2^53 exactly as bigint and leaves other numbers alone', () => {
    const v = parseMesosJson(text);
    expect(v).toEqual({ a: { nanoseconds: 1470820171393027001n }, b: { nanoseconds: -5n }, t: 1470820172.32565, s: '"nanoseconds":1' });
    expect(BigInt(JSON.parse(text).a.nanoseconds)).not.toBe(1470820171393027001n); // the rounding we avoid
  });

  it('the fast path leaves values above 2^53 as exact decimal strings and smaller ones as numbers', () => {
    expect(parseMesosJsonQuoted(text)).toMatchObject({ a: { nanoseconds: '1470820171393027001' }, b: { nanoseconds: -5 } });
    expect(parseMesosJsonQuoted('{"nanoseconds":9007199254740993}')).toEqual({ nanoseconds: '9007199254740993' });
    expect(parseMesosJsonQuoted('{"nanoseconds":-9007199254740993}')).toEqual({ nanoseconds: '-9007199254740993' });
    expect(parseMesosJsonQuoted('{"nanoseconds":30000000000}')).toEqual({ nanoseconds: 30000000000 });
  });

  it('stringifies bigint as decimal strings and round-trips exactly', () => {
    const out = stringifyMesosJson({ start: { nanoseconds: 1470820233192018001n }, n: 1 });
    expect(out).toBe('{"start":{"nanoseconds":"1470820233192018001"},"n":1}');
    expect(parseMesosJson(out)).toEqual({ start: { nanoseconds: 1470820233192018001n }, n: 1 });
  });

  it('throws SyntaxError on invalid JSON', () => {
    expect(() => parseMesosJson('{"nanoseconds":')).toThrow(SyntaxError);
  });
});

describe('byte-level int64 quoting', () => {
  it('quotes exactly what the string pre-pass quotes', () => {
    const cases = [
      '{"a":{"nanoseconds":1470820171393027001},"b":{ "nanoseconds" : -5 },"t":1470820172.32565,"s":"\\"nanoseconds\\":1"}',
      '{"nanoseconds":1}',
      '{"x":"no int64 here"}',
      '[{"nanoseconds":12},{"nanoseconds":\n34}]',
      '{"nanoseconds":1.5}',
      '{"nanoseconds":1700000000000000001.5}',
      '{"nanoseconds":-1700000000000000001,"nanoseconds2":1700000000000000001}',
      '{"name":"café ✓","t":{"nanoseconds":1700000000000000001},"u":{"nanoseconds":1700000000000000002}}',
    ];
    for (const c of cases) {
      expect(quoteInt64Bytes(Buffer.from(c)).toString()).toBe(quoteInt64(c));
      expect(parseMesosJsonBytes(Buffer.from(c))).toEqual(parseMesosJsonQuoted(c));
    }
  });

  it('returns the same buffer when there is nothing to quote', () => {
    const b = Buffer.from('{"type":"HEARTBEAT"}');
    expect(quoteInt64Bytes(b)).toBe(b);
  });
});

describe('in-place quoting of a body with spare room', () => {
  it('rewrites an allocateBody buffer in place and gives the same text as the copying path', () => {
    const text = '{"a":[{"nanoseconds":1470820171393027001},{"x":1,"nanoseconds":2}],"b":{"nanoseconds":-3},"z":"tail"}';
    const body = allocateBody([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))]);
    const quoted = quoteInt64Bytes(body);
    expect(quoted.buffer).toBe(body.buffer); // same memory
    expect(quoted.toString()).toBe(quoteInt64(text));
    expect(quoteInt64Bytes(Buffer.from(text)).toString()).toBe(quoteInt64(text));
  });

  it('never writes past a pooled buffer: small Buffer.from buffers are copied', () => {
    const pool = Buffer.from('{"nanoseconds":1700000000000000001}AFTER');
    const view = pool.subarray(0, 35);
    const out = quoteInt64Bytes(view);
    expect(out.toString()).toBe('{"nanoseconds":"1700000000000000001"}');
    expect(pool.toString()).toBe('{"nanoseconds":1700000000000000001}AFTER');
  });
});

describe('the records of one chunk, decoded together (the stream path)', () => {
  const records = [
    '{"type":"AGENT_ADDED","agent_added":{"agent":{"registered_time":{"nanoseconds":1700000000000000001}}}}',
    '{"type":"HEARTBEAT"}',
    '{"type":"TASK_UPDATED","task_updated":{"status":{"timestamp":1700000000.5}}}',
    '{"a":{"nanoseconds":1470820171393027001},"b":{ "nanoseconds" : -5 },"s":"\\"nanoseconds\\":1"}',
    '{"nanoseconds":-1700000000000000001,"nanoseconds2":1700000000000000001}',
    '{"name":"café ✓","t":{"nanoseconds":1700000000000000002}}',
  ];
  const stream = Buffer.concat(records.map((r) => encodeRecord(r)));

  /** Every record of `chunks`, through pushFrames + Messages, as the client decodes a stream. */
  function decodeChunks(chunks: Buffer[]): unknown[] {
    const d = new RecordIODecoder();
    const out: unknown[] = [];
    for (const c of chunks) {
      const m = new Messages(JSON_CODEC, d.pushFrames(c));
      for (let i = 0; i < m.count; i++) out.push(m.get(i));
    }
    d.end();
    return out;
  }

  it('gives what decoding each record alone gives, however the stream is cut', () => {
    const expected = records.map((r) => parseMesosJsonBytes(Buffer.from(r)));
    expect(expected[0]).toEqual({ type: 'AGENT_ADDED', agent_added: { agent: { registered_time: { nanoseconds: '1700000000000000001' } } } });
    expect(decodeChunks([stream])).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decodeChunks([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
    const bytes: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
    expect(decodeChunks(bytes)).toEqual(expected);
  });

  it('decodes ASCII-only and UTF-8 chunks alike', () => {
    const ascii = Buffer.concat(records.slice(0, 5).map((r) => encodeRecord(r)));
    expect(decodeChunks([ascii])).toEqual(records.slice(0, 5).map((r) => parseMesosJsonBytes(Buffer.from(r))));
    const utf8 = encodeRecord('{"name":"日本語 🎉","t":{"nanoseconds":1700000000000000003}}');
    expect(decodeChunks([Buffer.concat([ascii, utf8])])[5]).toEqual({ name: '日本語 🎉', t: { nanoseconds: '1700000000000000003' } });
  });

  it('never lets a number run into the next record: 15 digits at the end of one record and a length prefix after it', () => {
    const wire = Buffer.concat([encodeRecord('{"nanoseconds":123456789012345'), encodeRecord('{"x":1}')]);
    expect(wire.toString()).toContain('1234567890123457\n'); // 16 digits in a row on the wire
    const m = new Messages(JSON_CODEC, new RecordIODecoder().pushFrames(wire));
    expect(m.count).toBe(2);
    expect(() => m.get(0)).toThrow(SyntaxError);
    expect(m.get(1)).toEqual({ x: 1 });
  });

  it('fails a bad record at its turn: the records before and after it still decode', () => {
    const wire = Buffer.concat(['{"a":{"nanoseconds":1700000000000000001}}', '{"broken":', '', '{"b":2}'].map((r) => encodeRecord(r)));
    const m = new Messages(JSON_CODEC, new RecordIODecoder().pushFrames(wire));
    expect(m.count).toBe(4);
    expect(m.get(0)).toEqual({ a: { nanoseconds: '1700000000000000001' } });
    expect(() => m.get(1)).toThrow(SyntaxError);
    expect(() => m.get(2)).toThrow(SyntaxError); // a zero-length record is not a JSON message
    expect(m.get(3)).toEqual({ b: 2 });
  });
});
