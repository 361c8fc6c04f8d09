/**
 * Parsing and validating a whole `master::Call` / `agent::Call` JSON body, with Mesos's error texts.
 */
import { parseJson, JsonSyntaxError } from '../json';
import { convertMessage, ConvertError, type MessageDesc, type ProtoObject } from './convert';
import {
  AGENT_CALL_TYPES,
  AGENT_OPTIONAL_SUBMESSAGES,
  AGENT_SUBMESSAGES,
  MASTER_CALL_TYPES,
  MASTER_SUBMESSAGES,
  subField,
  type AgentCallType,
  type MasterCallType,
} from './messages';

/** A parsed call: its type and its converted sub-message (`{}` for calls without one). */
export interface ParsedCall<T extends string> {
  type: T;
  body: ProtoObject;
  /** The raw JSON, kept for calls that pass parts of it through. */
  raw: Record<string, unknown>;
}

/** Outcome of parsing a call body: the call, or a 400 message. */
export type ParseResult<T extends string> = { ok: true; call: ParsedCall<T> } | { ok: false; message: string };

function callDesc(types: readonly string[], subs: Partial<Record<string, MessageDesc>>): MessageDesc {
  const d: MessageDesc = { type: { type: { enum: types } } };
  for (const [t, sub] of Object.entries(subs)) if (sub) d[subField(t)] = { type: { msg: () => sub } };
  return d;
}

const MASTER_CALL_DESC = callDesc(MASTER_CALL_TYPES, MASTER_SUBMESSAGES);
const AGENT_CALL_DESC = callDesc(AGENT_CALL_TYPES, AGENT_SUBMESSAGES);

function parse<T extends string>(
  text: string,
  desc: MessageDesc,
  subs: Partial<Record<string, MessageDesc>>,
  optionalSubs: ReadonlySet<string>,
  who: 'master' | 'agent',
): ParseResult<T> {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, message: `Failed to parse body into JSON: ${err.message}` };
    throw err;
  }
  let obj: ProtoObject;
  try {
    obj = convertMessage(json, desc);
  } catch (err) {
    if (err instanceof ConvertError) return { ok: false, message: `Failed to convert JSON into Call protobuf: ${err.message}` };
    throw err;
  }
  const type = obj.type as T | undefined;
  const prefix = `Failed to validate ${who}::Call: `;
  if (type === undefined) return { ok: false, message: `${prefix}Expecting 'type' to be present` };
  const field = subField(type);
  let body: ProtoObject = {};
  if (subs[type] !== undefined) {
    const sub = obj[field] as ProtoObject | undefined;
    if (sub === undefined && !optionalSubs.has(type)) return { ok: false, message: `${prefix}Expecting '${field}' to be present` };
    body = sub ?? {};
  }
  return { ok: true, call: { type, body, raw: json as Record<string, unknown> } };
}

/** Parses a master call body (JSON). */
export function parseMasterCall(text: string): ParseResult<MasterCallType> {
  return parse<MasterCallType>(text, MASTER_CALL_DESC, MASTER_SUBMESSAGES, new Set(), 'master');
}

/** Parses an agent call body (JSON). */
export function parseAgentCall(text: string): ParseResult<AgentCallType> {
  return parse<AgentCallType>(text, AGENT_CALL_DESC, AGENT_SUBMESSAGES, AGENT_OPTIONAL_SUBMESSAGES, 'agent');
}
