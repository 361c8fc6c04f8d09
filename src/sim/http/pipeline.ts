/**
 * The transport checks of a master's and an agent's `/api/v1`, in Mesos's order (spec §1.1, §1.2). Each check
 * answers the request itself when it fails and returns undefined.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAgentCall, parseMasterCall, type ParsedCall } from '../proto/call';
import type { AgentCallType, MasterCallType } from '../proto/messages';
import { authenticate, challenge, type Credential } from './auth';
import { accepts, JSON_TYPE, PROTOBUF_TYPE, RECORDIO_TYPE } from './media';
import { sendError } from './respond';

/** Where a non-leading master sends the client. */
export type LeaderState = { kind: 'leader' } | { kind: 'redirect'; hostPort: string } | { kind: 'no-leader' } | { kind: 'recovering' };

/** Inputs of the master pipeline. */
export interface MasterPipelineInput {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  credentials?: readonly Credential[];
  leader: LeaderState;
}

/** What the agent pipeline negotiated. */
export interface AgentNegotiation {
  /** The response is RecordIO (`Accept: application/recordio`). */
  streamingAccept: boolean;
  /** The request body is RecordIO. */
  streamingRequest: boolean;
}

/**
 * Runs the master pipeline: 401, 503/307, 503 recovering, 405, 400/415 Content-Type, 400 body, 406 Accept, 501.
 * @returns the parsed call, or undefined when a response was sent.
 */
export function masterPipeline(input: MasterPipelineInput): ParsedCall<MasterCallType> | undefined {
  const { req, res, body } = input;
  if (input.credentials && authenticate(req, input.credentials) === undefined) {
    sendError(req, res, 401, undefined, challenge('mesos-master-readwrite'));
    return undefined;
  }
  const lead = input.leader;
  if (lead.kind === 'no-leader') return void sendError(req, res, 503, 'No leader elected');
  if (lead.kind === 'redirect') {
    sendError(req, res, 307, '', { Location: `//${lead.hostPort}${req.url ?? '/api/v1'}` });
    return undefined;
  }
  if (lead.kind === 'recovering') return void sendError(req, res, 503, 'Master has not finished recovery');
  if (req.method !== 'POST') return void sendError(req, res, 405, undefined, { Allow: 'POST' });
  const ct = req.headers['content-type'];
  if (ct === undefined) return void sendError(req, res, 400, "Expecting 'Content-Type' to be present");
  if (ct !== JSON_TYPE && ct !== PROTOBUF_TYPE) {
    return void sendError(req, res, 415, `Expecting 'Content-Type' of ${JSON_TYPE} or ${PROTOBUF_TYPE}`);
  }
  if (ct === PROTOBUF_TYPE) return void sendError(req, res, 400, 'Failed to parse body into Call protobuf');
  const parsed = parseMasterCall(body.toString('utf8'));
  if (!parsed.ok) return void sendError(req, res, 400, parsed.message);
  const accept = req.headers.accept;
  if (!accepts(accept, JSON_TYPE)) {
    return void sendError(req, res, 406, `Expecting 'Accept' to allow '${PROTOBUF_TYPE}' or '${JSON_TYPE}'`);
  }
  if (parsed.call.type === 'UNKNOWN') return void sendError(req, res, 501);
  return parsed.call;
}

const STREAM_REQUEST_CALLS: ReadonlySet<string> = new Set(['ATTACH_CONTAINER_INPUT']);
const STREAM_RESPONSE_CALLS: ReadonlySet<string> = new Set(['ATTACH_CONTAINER_OUTPUT', 'LAUNCH_NESTED_CONTAINER_SESSION']);

/**
 * Runs the agent pipeline's header checks (auth, recovery, method, Content-Type, Message-Content-Type, Accept).
 * @returns the negotiation, or undefined when a response was sent.
 */
export function agentHeaderChecks(req: IncomingMessage, res: ServerResponse, credentials: readonly Credential[] | undefined, recovering: boolean): AgentNegotiation | undefined {
  if (credentials && authenticate(req, credentials) === undefined) {
    sendError(req, res, 401, undefined, challenge('mesos-agent-readwrite'));
    return undefined;
  }
  if (recovering) return void sendError(req, res, 503, 'Agent has not finished recovery');
  if (req.method !== 'POST') return void sendError(req, res, 405, undefined, { Allow: 'POST' });
  const ct = req.headers['content-type'];
  if (ct === undefined) return void sendError(req, res, 400, "Expecting 'Content-Type' to be present");
  if (ct !== JSON_TYPE && ct !== PROTOBUF_TYPE && ct !== RECORDIO_TYPE) {
    return void sendError(req, res, 415, `Expecting 'Content-Type' of ${JSON_TYPE} or ${PROTOBUF_TYPE} or ${RECORDIO_TYPE}`);
  }
  const mct = req.headers['message-content-type'];
  const streamingRequest = ct === RECORDIO_TYPE;
  if (streamingRequest) {
    if (mct === undefined) return void sendError(req, res, 400, "Expecting 'Message-Content-Type' to be set for streaming requests");
    if (mct !== JSON_TYPE && mct !== PROTOBUF_TYPE) {
      return void sendError(req, res, 415, `Expecting 'Message-Content-Type' of ${JSON_TYPE} or ${PROTOBUF_TYPE}`);
    }
  } else if (mct !== undefined) {
    return void sendError(req, res, 415, "Expecting 'Message-Content-Type' to be not set for non-streaming requests");
  }
  if (ct === PROTOBUF_TYPE || mct === PROTOBUF_TYPE) {
    return void sendError(req, res, 400, 'Failed to parse body into Call protobuf');
  }
  const accept = req.headers.accept;
  const rawMessageAccept = req.headers['message-accept'];
  const messageAccept = Array.isArray(rawMessageAccept) ? rawMessageAccept.join(',') : rawMessageAccept;
  let streamingAccept = false;
  if (accepts(accept, JSON_TYPE) || accepts(accept, PROTOBUF_TYPE)) {
    if (messageAccept !== undefined) return void sendError(req, res, 406, "Expecting 'Message-Accept' to not be set for non-streaming response");
  } else if (accepts(accept, RECORDIO_TYPE)) {
    streamingAccept = true;
    if (messageAccept !== undefined && !accepts(messageAccept, JSON_TYPE)) {
      return void sendError(req, res, 406, `Expecting 'Message-Accept' to allow '${JSON_TYPE}' or '${PROTOBUF_TYPE}'`);
    }
  } else {
    return void sendError(req, res, 406, `Expecting 'Accept' to allow '${JSON_TYPE}' or '${PROTOBUF_TYPE}' or '${RECORDIO_TYPE}'`);
  }
  return { streamingAccept, streamingRequest };
}

/**
 * The agent pipeline's call checks after the body is parsed: streaming request/response allowed only for the
 * calls that stream, UNKNOWN is 501.
 * @returns false when a response was sent.
 */
export function agentCallChecks(req: IncomingMessage, res: ServerResponse, neg: AgentNegotiation, call: ParsedCall<AgentCallType>): boolean {
  if (neg.streamingRequest && !STREAM_REQUEST_CALLS.has(call.type)) {
    sendError(req, res, 415, `Streaming request is not supported for ${call.type} call`);
    return false;
  }
  if (!neg.streamingRequest && STREAM_REQUEST_CALLS.has(call.type)) {
    sendError(req, res, 415, `Expecting 'Content-Type' to be ${RECORDIO_TYPE} for ${call.type} call`);
    return false;
  }
  if (neg.streamingAccept && !STREAM_RESPONSE_CALLS.has(call.type)) {
    sendError(req, res, 406, `Streaming response is not supported for ${call.type} call`);
    return false;
  }
  if (call.type === 'UNKNOWN') {
    sendError(req, res, 501);
    return false;
  }
  return true;
}

/** Parses an agent call body (JSON), answering 400 on failure. */
export function agentParse(req: IncomingMessage, res: ServerResponse, text: string): ParsedCall<AgentCallType> | undefined {
  const parsed = parseAgentCall(text);
  if (!parsed.ok) return void sendError(req, res, 400, parsed.message);
  return parsed.call;
}
