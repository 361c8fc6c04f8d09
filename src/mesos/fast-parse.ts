/**
 * Validation of large responses without copying them.
 *
 * zod builds a new object for every object it parses; for a 10,000-agent / 100,000-task GET_STATE (~108 MB) that
 * costs about a second and doubles the memory (shared/spec/performance.md). This module walks the *same* zod
 * schemas and the freshly decoded JSON together, checks every field, and normalises in place: defaults (`[]` for
 * missing repeated fields) are filled in and 64-bit integers become `bigint`. The zod schemas stay the single
 * source of truth; a schema node this walker does not know (refinements, transforms, strict objects) is handed to
 * zod itself. When a value does not match, zod parses it again to produce its usual error, so errors are identical.
 */
import { z } from 'zod';
import { Int64Schema } from './schemas/common';

const FAIL: unique symbol = Symbol('fail');
type Result = unknown;
type Check = (value: unknown) => Result;

type AnySchema = z.core.$ZodType;

const compiled = new WeakMap<AnySchema, Check>();

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function viaZod(schema: AnySchema): Check {
  return (v) => {
    const r = z.safeParse(schema, v);
    return r.success ? r.data : FAIL;
  };
}

const DECIMAL = /^-?\d+$/;
function int64(v: unknown): Result {
  if (typeof v === 'string') return DECIMAL.test(v) ? BigInt(v) : FAIL;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : FAIL;
  return FAIL;
}

function hasChecks(schema: AnySchema): boolean {
  const checks = schema._zod.def.checks;
  return checks !== undefined && checks.length > 0;
}

/** Compiles (once per schema) a checker that returns the normalised value, mutating objects in place, or FAIL. */
function compile(schema: AnySchema): Check {
  const hit = compiled.get(schema);
  if (hit) return hit;
  // A forwarding entry first, so recursive schemas (ContainerID.parent) terminate.
  const slot: { impl?: Check } = {};
  compiled.set(schema, (v) => (slot.impl ? slot.impl(v) : FAIL));
  const impl = build(schema);
  slot.impl = impl;
  compiled.set(schema, impl);
  return impl;
}

function build(schema: AnySchema): Check {
  if (schema === Int64Schema) return int64;
  if (hasChecks(schema)) return viaZod(schema);
  if (schema instanceof z.ZodObject) {
    // Only loose objects keep unknown keys, which in-place validation does naturally.
    if (!(schema.def.catchall instanceof z.ZodUnknown)) return viaZod(schema);
    const shape = schema.shape;
    const entries: [string, Check][] = Object.keys(shape).map((k) => [k, compile(shape[k])]);
    return (v) => {
      if (!isRecord(v)) return FAIL;
      for (const [key, check] of entries) {
        const cur = v[key];
        const next = check(cur);
        if (next === FAIL) return FAIL;
        if (next !== cur) v[key] = next;
      }
      return v;
    };
  }
  if (schema instanceof z.ZodArray) {
    const element = compile(schema.element);
    return (v) => {
      if (!Array.isArray(v)) return FAIL;
      for (let i = 0; i < v.length; i++) {
        const cur: unknown = v[i];
        const next = element(cur);
        if (next === FAIL) return FAIL;
        if (next !== cur) v[i] = next;
      }
      return v;
    };
  }
  if (schema instanceof z.ZodOptional) {
    const inner = compile(schema.unwrap());
    return (v) => (v === undefined ? undefined : inner(v));
  }
  if (schema instanceof z.ZodDefault) {
    const def = schema.def;
    const inner = compile(def.innerType);
    return (v) => (v === undefined ? def.defaultValue : inner(v));
  }
  if (schema instanceof z.ZodPrefault) {
    const def = schema.def;
    const inner = compile(def.innerType);
    return (v) => inner(v === undefined ? def.defaultValue : v);
  }
  if (schema instanceof z.ZodString) return (v) => (typeof v === 'string' ? v : FAIL);
  if (schema instanceof z.ZodNumber) return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : FAIL);
  if (schema instanceof z.ZodBoolean) return (v) => (typeof v === 'boolean' ? v : FAIL);
  if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return (v) => v;
  if (schema instanceof z.ZodEnum) {
    const allowed = new Set<unknown>(schema.options);
    return (v) => (allowed.has(v) ? v : FAIL);
  }
  if (schema instanceof z.ZodLiteral) {
    const allowed = new Set<unknown>(schema.values);
    return (v) => (allowed.has(v) ? v : FAIL);
  }
  if (schema instanceof z.ZodRecord) {
    const key = schema.def.keyType;
    if (!(key instanceof z.ZodString) || hasChecks(key)) return viaZod(schema);
    const value = compile(schema.def.valueType);
    return (v) => {
      if (!isRecord(v)) return FAIL;
      for (const k of Object.keys(v)) {
        const cur = v[k];
        const next = value(cur);
        if (next === FAIL) return FAIL;
        if (next !== cur) v[k] = next;
      }
      return v;
    };
  }
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const disc = schema.def.discriminator;
    const byTag = new Map<unknown, Check>();
    for (const option of schema.options) {
      if (!(option instanceof z.ZodObject)) return viaZod(schema);
      const tag = option.shape[disc];
      if (!(tag instanceof z.ZodLiteral)) return viaZod(schema);
      const check = compile(option);
      for (const t of tag.values) byTag.set(t, check);
    }
    return (v) => {
      if (!isRecord(v)) return FAIL;
      const check = byTag.get(v[disc]);
      return check ? check(v) : FAIL;
    };
  }
  if (schema instanceof z.ZodPipe) {
    const first = compile(schema.in);
    const second = compile(schema.out);
    return (v) => {
      const mid = first(v);
      return mid === FAIL ? FAIL : second(mid);
    };
  }
  return viaZod(schema);
}

/** True when `value` matched `schema` and was normalised in place (so it now has the schema's output type). */
function normalisedInPlace<S extends z.ZodType>(schema: S, value: unknown): value is z.output<S> {
  return isRecord(value) && compile(schema)(value) === value;
}

/**
 * Validates decoded JSON against a zod schema, normalising it in place (no copy) when the schema allows, and
 * otherwise falling back to `schema.parse`. The result equals `schema.parse(value)`.
 *
 * @throws z.ZodError exactly as `schema.parse` when the value does not match.
 */
export function parseInPlace<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  if (normalisedInPlace(schema, value)) return value;
  return schema.parse(value);
}

/** Like {@link parseInPlace}, returning zod's SafeParseResult. */
export function safeParseInPlace<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  if (normalisedInPlace(schema, value)) return { success: true, data: value };
  return schema.safeParse(value);
}
