/**
 * A runbook's input fields, read from its zod schema (through JSON Schema), for `mesos-runbooks list`, the chat
 * bot's `/runbook list`, and the schedules (which pass a window only to runbooks whose schema has the window fields).
 */
import { z } from 'zod';
import { WINDOW_FIELDS } from '../workflows/kit/input';

export interface InputField {
  name: string;
  /** `string`, `boolean`, `integer`, `number`, `object`, `array`, or `string (ISO time)`. */
  type: string;
  required: boolean;
  default?: unknown;
  /** The values an enum allows. */
  allowed?: unknown[];
  /** Bounds, when the schema has them: `0..604800`. */
  range?: string;
}

interface JsonProperty {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  anyOf?: JsonProperty[];
}

/** Every field of a runbook's input schema, in the schema's order. */
export function inputFields(schema: z.ZodType): InputField[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProperty>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, p]) => {
    const type = Array.isArray(p.type) ? p.type.join(' | ') : (p.type ?? p.anyOf?.map((a) => a.type).filter(Boolean).join(' | ') ?? 'any');
    const low = p.minimum ?? p.exclusiveMinimum;
    return {
      name,
      type: p.format === 'date-time' ? 'string (ISO time)' : type || 'any',
      required: required.has(name),
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(p.enum ? { allowed: p.enum } : {}),
      ...(low !== undefined || p.maximum !== undefined ? { range: `${low ?? ''}..${p.maximum ?? ''}` } : {}),
    };
  });
}

/**
 * How a runbook takes a maintenance window: its schema has `notBefore`, `notAfter` and `minRemainingMinutes` at the
 * top (`fields`), or an object field `window` with them (`nested`: the fleet runbook's contract), or not at all.
 */
export function windowShape(schema: z.ZodType): 'fields' | 'nested' | undefined {
  const fields = inputFields(schema);
  const names = new Set(fields.map((f) => f.name));
  if (WINDOW_FIELDS.every((f) => names.has(f))) return 'fields';
  if (fields.some((f) => f.name === 'window' && f.type.includes('object'))) return 'nested';
  return undefined;
}

/** True when the runbook takes a maintenance window (either shape of {@link windowShape}). */
export function takesWindow(schema: z.ZodType): boolean {
  return windowShape(schema) !== undefined;
}

/** A firing's window as the runbook's input takes it: the fields at the top, or `window: {...}`. */
export function windowInput(schema: z.ZodType, window: { notBefore: string; notAfter: string; minRemainingMinutes: number }): Record<string, unknown> {
  const shape = windowShape(schema);
  if (shape === 'fields') return { ...window };
  if (shape === 'nested') return { window };
  return {};
}

/** `reason (string, required)`, `reactivate (boolean, default false)`, `ifAgentBusy (wait | fail, default "wait")`. */
export function describeField(f: InputField): string {
  const type = f.allowed ? f.allowed.map((v) => JSON.stringify(v)).join(' | ') : f.type;
  const extra = [f.required ? 'required' : undefined, f.default !== undefined ? `default ${JSON.stringify(f.default)}` : undefined, f.range ? f.range : undefined].filter(Boolean);
  return `${f.name} (${type}${extra.length ? `, ${extra.join(', ')}` : ''})`;
}
