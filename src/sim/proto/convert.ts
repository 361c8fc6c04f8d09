/**
 * JSON → protobuf-message conversion with the rules of stout's `protobuf::parse` (spec §2): proto field names
 * verbatim, unknown keys ignored, int64 as numbers or decimal strings, enums as names, `null` means unset,
 * required fields checked on the whole tree (`Missing required fields: a.b`).
 */
import { I64 } from '../json';

/** A field's type. `any` keeps the JSON value as is (for messages the simulator does not model field by field). */
export type FieldType =
  | 'string'
  | 'bytes'
  | 'bool'
  | 'double'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'any'
  | { enum: readonly string[] }
  | { msg: () => MessageDesc }
  | { map: FieldType };

/** One field of a message descriptor. */
export interface FieldDesc {
  type: FieldType;
  repeated?: boolean;
  required?: boolean;
}

/** A message descriptor: field name → field. */
export type MessageDesc = Record<string, FieldDesc>;

/** Conversion failure; `message` is the text after `Failed to convert JSON into Call protobuf: `. */
export class ConvertError extends Error {
  readonly code = 'PROTO_CONVERT';
}

/** Converted values: int64 fields become bigint, int32/double numbers, messages plain objects. */
export type ProtoValue = string | number | boolean | bigint | ProtoObject | ProtoValue[] | unknown;
/** A converted message. */
export type ProtoObject = { [k: string]: ProtoValue };

/**
 * Converts a parsed JSON value to a message of `desc`.
 * @throws ConvertError on a type mismatch or a missing required field.
 */
export function convertMessage(json: unknown, desc: MessageDesc): ProtoObject {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConvertError('Expecting a JSON object');
  const out = parseObject(json as Record<string, unknown>, desc);
  const missing: string[] = [];
  checkRequired(out, desc, '', missing);
  if (missing.length > 0) throw new ConvertError(`Missing required fields: ${missing.join(', ')}`);
  return out;
}

function parseObject(json: Record<string, unknown>, desc: MessageDesc): ProtoObject {
  const out: ProtoObject = {};
  for (const [key, raw] of Object.entries(json)) {
    const field = desc[key];
    if (field === undefined || raw === null) continue;
    if (field.repeated) {
      if (!Array.isArray(raw)) throw new ConvertError(`Not expecting a JSON ${jsonKind(raw)} for field '${key}'`);
      out[key] = raw.map((item) => parseValue(item, field.type, key)).filter((v) => v !== undefined);
    } else {
      if (Array.isArray(raw) && field.type !== 'any') throw new ConvertError(`Not expecting a JSON array for field '${key}'`);
      const v = parseValue(raw, field.type, key);
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v instanceof I64) return 'number';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function notExpecting(v: unknown, key: string): never {
  throw new ConvertError(`Not expecting a JSON ${jsonKind(v)} for field '${key}'`);
}

function parseInteger(v: unknown, key: string, kind: FieldType): bigint | number {
  let big: bigint;
  if (v instanceof I64) big = v.toBigInt();
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ConvertError(`Failed to convert JSON number '${v}' to integer for field '${key}'`);
    big = BigInt(v);
  } else if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v.trim())) throw new ConvertError(`Failed to convert '${v}' to integer for field '${key}'`);
    big = BigInt(v.trim());
  } else return notExpecting(v, key);
  const unsigned = kind === 'uint32' || kind === 'uint64';
  const bits = kind === 'int32' || kind === 'uint32' ? 32 : 64;
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (big < min || big > max) throw new ConvertError(`Value out of range for field '${key}'`);
  return bits === 32 ? Number(big) : big;
}

function parseValue(v: unknown, type: FieldType, key: string): ProtoValue | undefined {
  if (v === null) return undefined;
  if (type === 'any') return v;
  if (type === 'string') return typeof v === 'string' ? v : notExpecting(v, key);
  if (type === 'bytes') {
    if (typeof v !== 'string') return notExpecting(v, key);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) throw new ConvertError(`Failed to base64 decode for field '${key}'`);
    return v;
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return notExpecting(v, key);
  }
  if (type === 'double') {
    if (typeof v === 'number') return v;
    if (v instanceof I64) return Number(v.digits);
    if (typeof v === 'string') {
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      const n = Number(v);
      if (v.trim() !== '' && !Number.isNaN(n)) return n;
      throw new ConvertError(`Failed to convert '${v}' to double for field '${key}'`);
    }
    return notExpecting(v, key);
  }
  if (type === 'int32' || type === 'uint32' || type === 'int64' || type === 'uint64') return parseInteger(v, key, type);
  if ('enum' in type) {
    if (typeof v !== 'string') return notExpecting(v, key);
    return type.enum.includes(v) ? v : undefined;
  }
  if ('map' in type) {
    if (typeof v !== 'object' || Array.isArray(v)) return notExpecting(v, key);
    const out: Record<string, ProtoValue> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      const conv = parseValue(item, type.map, k);
      if (conv !== undefined) out[k] = conv;
    }
    return out;
  }
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof I64) return notExpecting(v, key);
  return parseObject(v as Record<string, unknown>, type.msg());
}

function checkRequired(obj: ProtoObject, desc: MessageDesc, prefix: string, missing: string[]): void {
  for (const [name, field] of Object.entries(desc)) {
    const v = obj[name];
    const path = prefix + name;
    if (v === undefined) {
      if (field.required) missing.push(path);
      continue;
    }
    if (typeof field.type !== 'object' || !('msg' in field.type)) continue;
    const sub = field.type.msg();
    if (field.repeated && Array.isArray(v)) {
      v.forEach((item, i) => checkRequired(item as ProtoObject, sub, `${path}[${i}].`, missing));
    } else {
      checkRequired(v as ProtoObject, sub, `${path}.`, missing);
    }
  }
}
