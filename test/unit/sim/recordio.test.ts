import { encodeRecord, RecordIoDecoder } from '../../../src/sim/recordio';

describe('sim recordio', () => {
  it('frames with the byte length, not the character length', () => {
    expect(encodeRecord('é').toString('utf8')).toBe('2\né');
  });

  it('decodes records split at every byte, including inside the length and a multi-byte character', () => {
    const wire = Buffer.concat([encodeRecord('{"type":"HEARTBEAT"}'), encodeRecord(''), encodeRecord('{"s":"日本"}')]);
    const d = new RecordIoDecoder();
    const out: string[] = [];
    for (const byte of wire) out.push(...d.push(Buffer.from([byte])).map((b) => b.toString('utf8')));
    expect(out).toEqual(['{"type":"HEARTBEAT"}', '', '{"s":"日本"}']);
    expect(d.pending).toBe(false);
  });

  it('fails permanently on a non-numeric length', () => {
    const d = new RecordIoDecoder();
    expect(() => d.push('x\n{}')).toThrow(/RecordIO/);
    expect(() => d.push('2\n{}')).toThrow(/RecordIO/);
  });
});
