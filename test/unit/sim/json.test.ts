import { I64, parseJson, stringifyJson, nanos } from '../../../src/sim/json';

describe('sim json (exact int64)', () => {
  it('keeps integers beyond 2^53 exact through a parse/stringify round trip', () => {
    const text = '{"t":{"nanoseconds":1470849373150643201},"small":5,"f":1.5,"neg":-9223372036854775808}';
    const v = parseJson(text) as { t: { nanoseconds: I64 }; small: number; f: number; neg: I64 };
    expect(v.t.nanoseconds).toBeInstanceOf(I64);
    expect(v.t.nanoseconds.digits).toBe('1470849373150643201');
    expect(v.small).toBe(5);
    expect(v.f).toBe(1.5);
    expect(v.neg.toBigInt()).toBe(-9223372036854775808n);
    expect(stringifyJson(v)).toBe(text);
  });

  it('writes I64 and bigint values as bare JSON numbers', () => {
    expect(stringifyJson({ a: nanos(1700000000123456789n), b: 12345678901234567890n })).toBe('{"a":{"nanoseconds":1700000000123456789},"b":12345678901234567890}');
  });

  it('uses JSON.parse semantics for safe documents and reports syntax errors', () => {
    expect(parseJson('[1,"x",null,true]')).toEqual([1, 'x', null, true]);
    expect(() => parseJson('{"a":')).toThrow();
    expect(() => parseJson('{"a":12345678901234567890,}')).toThrow(/position/);
  });

  it('decodes escapes in strings of big-integer documents', () => {
    const v = parseJson('{"s":"a\\"b\\u00e9","n":99999999999999999}') as { s: string; n: I64 };
    expect(v.s).toBe('a"bé');
    expect(v.n.digits).toBe('99999999999999999');
  });
});
