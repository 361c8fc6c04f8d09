/**
 * The master's `/api/v1`: the pipeline, faults, the audit log, then one handler per call type.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTarget, MUTATING_MASTER_CALLS } from '../audit';
import { parseJson } from '../json';
import { isApiError } from '../model/errors';
import type { ParsedCall } from '../proto/call';
import type { MasterCallType } from '../proto/messages';
import type { SimRuntime, MasterNode } from '../runtime';
import { MASTER_HANDLERS, type Reply } from './master-handlers';
import { masterPipeline } from './pipeline';
import { admitCall, auditCall } from './gate';
import { readBody, sendBody, sendError } from './respond';

function lenientType(body: Buffer): { type?: string; raw?: Record<string, unknown> } {
  try {
    const raw = parseJson(body.toString('utf8'));
    if (raw && typeof raw === 'object' && typeof (raw as { type?: unknown }).type === 'string') {
      return { type: (raw as { type: string }).type, raw: raw as Record<string, unknown> };
    }
  } catch {
    /* not JSON: nothing to audit */
  }
  return {};
}

/** Handles one request to a master's `/api/v1`. */
export async function handleMasterApi(rt: SimRuntime, master: MasterNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const call = masterPipeline({ req, res, body, credentials: rt.options.credentials, leader: rt.leaderStateFor(master) });
  if (!call) {
    const { type, raw } = lenientType(body);
    if (type !== undefined && MUTATING_MASTER_CALLS.has(type)) {
      rt.audit.record({ master: master.url, call: type, target: callTarget(raw, type), status: res.statusCode, outcome: 'rejected' });
    }
    return;
  }
  const mutating = MUTATING_MASTER_CALLS.has(call.type);
  const audit = auditCall(rt, master.url, call, mutating);
  const fault = await admitCall(rt, 'master', req, res, call.type, mutating, audit);
  if (!fault) return;
  let reply: Reply;
  try {
    reply = await MASTER_HANDLERS[call.type]({ rt, master, call: call as ParsedCall<MasterCallType>, req, res, dropStreamAfterMs: fault.dropStreamAfterMs });
  } catch (err) {
    if (isApiError(err)) {
      audit(err.status, err.status === 409 && call.type === 'REACTIVATE_AGENT' ? 'applied' : 'rejected', err.message);
      sendError(req, res, err.status, err.message);
      return;
    }
    audit(500, 'rejected');
    sendError(req, res, 500, (err as Error).message);
    return;
  }
  if ('streamed' in reply) return;
  if (fault.responseLost && mutating) {
    audit(reply.status, 'applied-response-lost');
    req.socket.destroy();
    return;
  }
  audit(reply.status, 'applied');
  sendBody(req, res, reply.status, reply.json ?? '', 'application/json');
}

