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

/** True when the runbook takes a maintenance window: its schema has `notBefore`, `notAfter` and `minRemainingMinutes`. */
export function takesWindow(schema: z.ZodType): boolean {
  const names = new Set(inputFields(schema).map((f) => f.name));
  return WINDOW_FIELDS.every((f) => names.has(f));
}

/** `reason (string, required)`, `reactivate (boolean, default false)`, `ifAgentBusy (wait | fail, default "wait")`. */
export function describeField(f: InputField): string {
  const type = f.allowed ? f.allowed.map((v) => JSON.stringify(v)).join(' | ') : f.type;
  const extra = [f.required ? 'required' : undefined, f.default !== undefined ? `default ${JSON.stringify(f.default)}` : undefined, f.range ? f.range : undefined].filter(Boolean);
  return `${f.name} (${type}${extra.length ? `, ${extra.join(', ')}` : ''})`;
}
