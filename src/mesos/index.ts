/**
 * The Mesos v1 Operator HTTP API client: typed master and agent clients, call builders, zod schemas, RecordIO,
 * exact int64 JSON and errors. Knows nothing of Temporal.
 */
export { MasterClient } from './master-client';
export { AgentClient, agentUrlFromEntry, type AttachContainerInputOptions, type OutputChunk } from './agent-client';
export type { MesosClientOptions, AgentClientOptions, MesosCredentials, MesosTlsOptions, MesosCallEvent, MesosCallObserver } from './options';
export { DEFAULT_TIMEOUT_MS, DEFAULT_MAX_REDIRECTS, MesosClientOptionsSchema, AgentClientOptionsSchema } from './options';
export { MesosError, isMesosError, MESOS_ERROR_CODES, RETRYABLE_BY_CODE, type MesosErrorCode } from './errors';
export { encodeRecord, RecordIODecoder, decodeRecordIO, RecordIOError, DEFAULT_MAX_RECORD_BYTES } from './recordio';
export type { RecordIODecoderOptions } from './recordio';
export { parseMesosJson, stringifyMesosJson, parseMesosJsonQuoted, INT64_KEYS } from './json';
export { parseInPlace, safeParseInPlace } from './fast-parse';
export { MASTER_CALLS, AGENT_CALLS, responseField, type ResponseKind, type CallSpec } from './response-kinds';
export { MasterEventStream, type SubscribeOptions } from './subscribe';
export type { CallOptions } from './caller';
export type { Codec } from './codec';
export { JSON_CODEC } from './codec';
export * as masterCalls from './calls/master';
export * as agentCalls from './calls/agent';
export type { MasterCallType } from './calls/master';
export type { AgentCallType } from './calls/agent';
export type { MesosCall, Int64Input } from './calls/common';
export * from './schemas/common';
export * from './schemas/master';
export * from './schemas/agent';
export * from './schemas/events';
