/**
 * An agent's `/api/v1` (spec §1.2, §8): pipeline, then one handler per agent call type, including the
 * streaming container calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentNode } from '../agent/agent-node';
import { MUTATING_AGENT_CALLS } from '../audit';
import { isApiError } from '../model/errors';
import { RecordIoDecoder } from '../recordio';
import type { SimRuntime } from '../runtime';
import { AGENT_HANDLERS, attachContainerInput } from './agent-handlers';
import { agentCallChecks, agentHeaderChecks, agentParse } from './pipeline';
import { handleAgentReadOnly } from './readonly';
import { admitCall, auditCall } from './gate';
import { readBody, sendBody, sendError } from './respond';

/** Handles one request to an agent's `/api/v1`. */
export async function handleAgentApi(rt: SimRuntime, node: AgentNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/api/v1' && path !== '/slave(1)/api/v1') {
    if (handleAgentReadOnly(rt, node, req, res, Date.now() < node.recoveringUntil)) return;
    req.resume();
    if (path === '/health' || path === '/slave(1)/health') return sendError(req, res, 200, '');
    return sendError(req, res, 404, '');
  }
  const neg = agentHeaderChecks(req, res, rt.options.credentials, Date.now() < node.recoveringUntil);
  if (!neg) return void req.resume();
  if (neg.streamingRequest) {
    const decoder = new RecordIoDecoder();
    const first = await new Promise<{ record?: Buffer; rest: Buffer[] }>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        try {
          const recs = decoder.push(chunk);
          if (recs.length > 0) {
            req.off('data', onData);
            req.pause();
            resolve({ record: recs[0], rest: recs.slice(1) });
          }
        } catch (err) {
          req.off('data', onData);
          reject(err);
        }
      };
      req.on('data', onData);
      req.on('end', () => resolve({ rest: [] }));
      req.on('error', reject);
    }).catch(() => ({ record: undefined, rest: [] as Buffer[] }));
    if (!first.record) return sendError(req, res, 400, 'Failed to decode the first record of the streaming request');
    const call = agentParse(req, res, first.record.toString('utf8'));
    if (!call || !agentCallChecks(req, res, neg, call)) return void req.resume();
    try {
      await attachContainerInput(rt, node, call, req, res, decoder, first.rest);
    } catch (err) {
      if (isApiError(err)) sendError(req, res, err.status, err.message);
      else sendError(req, res, 500, (err as Error).message);
    }
    return;
  }
  const body = await readBody(req);
  const call = agentParse(req, res, body.toString('utf8'));
  if (!call || !agentCallChecks(req, res, neg, call)) return;
  const mutating = MUTATING_AGENT_CALLS.has(call.type);
  const audit = auditCall(rt, node.url, call, mutating);
  const fault = await admitCall(rt, 'agent', req, res, call.type, mutating, audit);
  if (!fault) return;
  try {
    const reply = await AGENT_HANDLERS[call.type]({ rt, node, call, req, res, streamingAccept: neg.streamingAccept });
    if ('streamed' in reply) {
      audit(200, 'applied');
      return;
    }
    if (fault.responseLost && mutating) {
      audit(reply.status, 'applied-response-lost');
      req.socket.destroy();
      return;
    }
    audit(reply.status, 'applied');
    sendBody(req, res, reply.status, 'json' in reply ? (reply.json ?? '') : '', 'application/json');
  } catch (err) {
    if (isApiError(err)) {
      audit(err.status, 'rejected', err.message);
      return sendError(req, res, err.status, err.message);
    }
    audit(500, 'rejected');
    sendError(req, res, 500, (err as Error).message);
  }
}

