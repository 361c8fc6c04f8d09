import { Readable } from 'node:stream';
import { decodeRecordIO, encodeRecord, RecordIODecoder, RecordIOError } from '../../../src/mesos/recordio';

const RECORDS = ['{"type":"HEARTBEAT"}', '', 'héllo wörld – 日本語 🎉', 'x'.repeat(1000)];
const STREAM = Buffer.concat(RECORDS.map((r) => encodeRecord(r)));

function decodeIn(chunks: Buffer[], max?: number): string[] {
  const d = new RecordIODecoder(max === undefined ? {} : { maxRecordBytes: max });
  const out: string[] = [];
  for (const c of chunks) for (const r of d.push(c)) out.push(r.toString('utf8'));
  d.end();
  return out;
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe('RecordIO', () => {
  it('encodes the byte length, not the character count', () => {
    expect(encodeRecord('é').toString('utf8')).toBe('2\né');
    expect(encodeRecord(new Uint8Array([1, 2, 3]))).toEqual(Buffer.from([0x33, 0x0a, 1, 2, 3]));
    expect(encodeRecord('').toString()).toBe('0\n');
  });

  it('decodes a stream in one chunk, including a zero-length record', () => {
    expect(decodeIn([STREAM])).toEqual(RECORDS);
  });

  it('decodes one byte per chunk (splits inside length prefixes and multi-byte characters)', () => {
    const chunks = [...STREAM].map((b) => Buffer.from([b]));
    expect(decodeIn(chunks)).toEqual(RECORDS);
  });

  it('decodes every two-way split of the stream', () => {
    for (let cut = 0; cut <= STREAM.length; cut += 7) {
      expect(decodeIn(split(STREAM, [cut]))).toEqual(RECORDS);
    }
  });

  it('decodes a split inside the length prefix and inside a 4-byte UTF-8 character', () => {
    const rec = encodeRecord('🎉🎉'); // "8\n" + 8 bytes
    expect(rec.subarray(0, 1).toString()).toBe('8');
    const chunks = split(Buffer.concat([encodeRecord('1234567890'), rec]), [1, 13, 15, 17]);
    expect(decodeIn(chunks)).toEqual(['1234567890', '🎉🎉']);
  });

  it('returns records as Buffers that survive later pushes', () => {
    const d = new RecordIODecoder();
    const first = d.push(Buffer.from('3\nabc3\nde'));
    const second = d.push(Buffer.from('f'));
    expect(first.map(String)).toEqual(['abc']);
    expect(second.map(String)).toEqual(['def']);
  });

  it('rejects a non-numeric length prefix at once and stays failed', () => {
    const d = new RecordIODecoder();
    expect(() => d.push(Buffer.from('{"type":"HEARTBEAT"}'))).toThrow(RecordIOError);
    expect(() => d.push(Buffer.from('3\nabc'))).toThrow(RecordIOError);
  });

  it('rejects an empty length prefix and a CR in the prefix', () => {
    expect(() => new RecordIODecoder().push(Buffer.from('\nabc'))).toThrow(/empty/);
    expect(() => new RecordIODecoder().push(Buffer.from('3\r\nabc'))).toThrow(RecordIOError);
  });

  it('rejects an over-limit record as soon as its length is known, without waiting for the bytes', () => {
    const d = new RecordIODecoder({ maxRecordBytes: 100 });
    expect(() => d.push(Buffer.from('101'))).toThrow(/exceeds the limit/);
  });

  it('rejects a garbage 30-digit length instead of waiting forever', () => {
    const d = new RecordIODecoder({ maxRecordBytes: Number.MAX_SAFE_INTEGER });
    expect(() => d.push(Buffer.from('9'.repeat(30)))).toThrow(RecordIOError);
  });

  it('default limit admits a 200 MB record length (a 10k-agent SUBSCRIBED) but not 300 MB', () => {
    expect(() => new RecordIODecoder().push(Buffer.from(`${200 * 1024 * 1024}\n`))).not.toThrow();
    expect(() => new RecordIODecoder().push(Buffer.from(`${300 * 1024 * 1024}\n`))).toThrow(RecordIOError);
  });

  it('end() fails when the input stops inside a record or a prefix', () => {
    const d = new RecordIODecoder();
    d.push(Buffer.from('5\nab'));
    expect(() => d.end()).toThrow(/inside a record/);
    const d2 = new RecordIODecoder();
    d2.push(Buffer.from('12'));
    expect(() => d2.end()).toThrow(RecordIOError);
  });

  it('decodes an async byte stream with hostile chunking', async () => {
    const chunks = split(STREAM, [1, 2, 3, 30, 31, 60, 61, 62]);
    const out: string[] = [];
    for await (const r of decodeRecordIO(Readable.from(chunks))) out.push(r.toString('utf8'));
    expect(out).toEqual(RECORDS);
  });

  it('the async helper throws on a truncated stream', async () => {
    const iterate = async (): Promise<void> => {
      for await (const _r of decodeRecordIO(Readable.from([Buffer.from('10\nabc')]))) {
        // nothing
      }
    };
    await expect(iterate()).rejects.toThrow(RecordIOError);
  });
});

describe('RecordIO concat option', () => {
  it('joins records that span chunks with the given function', () => {
    const joined: number[] = [];
    const d = new RecordIODecoder({
      concat: (parts) => {
        joined.push(parts.length);
        return Buffer.concat(parts);
      },
    });
    expect(d.push(Buffer.from('6\nabc')).map(String)).toEqual([]);
    expect(d.push(Buffer.from('def2\nxy')).map(String)).toEqual(['abcdef', 'xy']);
    expect(joined).toEqual([2]); // only the split record was joined; 'xy' is a view
  });
});

describe('RecordIO frames', () => {
  it('gives the records inside a chunk as offsets and a record that spanned chunks, joined, first', () => {
    const d = new RecordIODecoder();
    const first = d.pushFrames(Buffer.from('3\nabc4\nde'));
    expect(first.joined).toBeUndefined();
    expect(first.offsets).toEqual([2, 5]);
    const second = d.pushFrames(Buffer.from('fg0\n2\nhi1\nj'));
    expect(second.joined?.toString()).toBe('defg');
    expect(second.offsets).toEqual([4, 4, 6, 8, 10, 11]);
    expect([second.chunk.subarray(6, 8).toString(), second.chunk.subarray(10, 11).toString()]).toEqual(['hi', 'j']);
    d.end();
  });
});
