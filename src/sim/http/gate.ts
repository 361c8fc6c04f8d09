/**
 * What every Operator API call passes on its way to a handler, on masters and agents alike: the audit of mutating
 * calls, authorization, and the injected faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTarget } from '../audit';
import { injectLatency, type FaultDecision } from '../faults';
import type { SimRuntime } from '../runtime';
import { authenticate } from './auth';
import { sendError } from './respond';

/** Records one call's outcome in the audit log; reads are not audited. */
export type Audit = (status: number, outcome: 'applied' | 'rejected' | 'applied-response-lost', answer?: string) => void;

/** The audit of `call` as served by the node at `url` (master or agent). */
export function auditCall(rt: SimRuntime, url: string, call: { type: string; raw: Record<string, unknown> | undefined }, mutating: boolean): Audit {
  return (status, outcome, answer) => {
    if (mutating) rt.audit.record({ master: url, call: call.type, target: callTarget(call.raw, call.type), status, outcome, ...(answer ? { answer } : {}) });
  };
}

/**
 * Authorizes the call (403 when the authorizer denies it), then applies the faults injected for `api`: latency, a
 * stalled or reset connection, an error status. Returns the fault decision when the call goes on to its handler
 * (which still owes `responseLost` and `dropStreamAfterMs`), or undefined when it was answered or dropped here;
 * either way a refused mutating call is audited.
 */
export async function admitCall(
  rt: SimRuntime,
  api: 'master' | 'agent',
  req: IncomingMessage,
  res: ServerResponse,
  callType: string,
  mutating: boolean,
  audit: Audit,
): Promise<FaultDecision | undefined> {
  const principal = rt.options.credentials ? authenticate(req, rt.options.credentials) : undefined;
  if (!rt.authz.allows(principal, callType)) {
    audit(403, 'rejected', 'Forbidden');
    sendError(req, res, 403);
    return undefined;
  }
  const fault = rt.faults.decide(api, callType, mutating);
  await injectLatency(fault);
  if (fault.stall) {
    audit(0, 'rejected');
    return undefined;
  }
  if (fault.reset) {
    audit(0, 'rejected');
    req.socket.destroy();
    return undefined;
  }
  if (fault.error) {
    audit(fault.error.status, 'rejected', fault.error.body);
    sendError(req, res, fault.error.status, fault.error.body);
    return undefined;
  }
  return fault;
}
