/**
 * The admin API under `<master>/sim/v1/`, apart from `/api/v1`: the audit log, faults, failover, agent
 * lifecycle and framework behaviour. Any master serves it (no leader checks, no auth).
 *
 * - `GET /sim/v1/audit[?call=&outcome=&target=]` → `{entries}`; `DELETE /sim/v1/audit` clears it.
 * - `GET|POST|DELETE /sim/v1/faults` (POST body: FaultConfig, see faults.ts).
 * - `POST /sim/v1/failover` `{to?, electionSeconds?, recoverySeconds?}` → `{leader}`.
 * - `GET /sim/v1/state` → a summary of masters, agents, frameworks.
 * - `GET|POST /sim/v1/deny` `{rules: [{principal?, calls}]}`: call types answered 403.
 * - `POST /sim/v1/agents/<id>/(stop|restart|unreachable|open)`.
 * - `POST /sim/v1/frameworks/<id>/acknowledges` `{acknowledges: boolean}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, sendError, sendJson } from './http/respond';
import { markUnreachable, restartAgent, stopAgent } from './model/lifecycle';
import type { MasterNode, SimRuntime } from './runtime';

const FailoverSchema = z.object({
  to: z.number().int().min(0).optional(),
  electionSeconds: z.number().min(0).optional(),
  recoverySeconds: z.number().min(0).optional(),
});

/** Summary of the simulator's state for the admin API and tests. */
export function adminState(rt: SimRuntime): Record<string, unknown> {
  return {
    seed: rt.options.seed,
    timeScale: rt.options.timeScale,
    leader: rt.leaderNode()?.url ?? null,
    masters: rt.masters.map((m) => ({ url: m.url, leading: rt.leaderNode() === m, subscribers: m.streams.size })),
    agents: [...rt.model.agents.values()].map((a) => ({
      id: a.id,
      hostname: a.hostname,
      ip: a.ip,
      port: a.port,
      url: rt.agentNodes.get(a.id)?.listening ? (rt.agentNodes.get(a.id)?.url ?? null) : null,
      status: a.status,
      deactivated: a.deactivated,
      drain: a.drain ? { state: a.drain.state, markGone: a.drain.markGone } : null,
      tasks: a.taskIds.size,
    })),
    frameworks: [...rt.model.frameworks.values()].map((f) => ({ id: f.id, name: f.name, role: f.role, acknowledges: f.acknowledges })),
    warnings: rt.rehearsal?.warnings ?? [],
  };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8').trim();
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** Handles a request under `/sim/v1`. */
export async function handleAdmin(rt: SimRuntime, _node: MasterNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0]?.replace(/^\/sim\/v1/, '') ?? '';
  const method = req.method ?? 'GET';
  const reply = (status: number, body: unknown): void => sendJson(req, res, status, JSON.stringify(body));
  try {
    if (path === '/audit' && method === 'GET') {
      const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const entries = rt.audit
        .list()
        .filter((e) => (!q.has('call') || e.call === q.get('call')) && (!q.has('outcome') || e.outcome === q.get('outcome')) && (!q.has('target') || e.target === q.get('target')));
      return reply(200, { entries });
    }
    if (path === '/audit' && method === 'DELETE') {
      rt.audit.clear();
      return reply(200, {});
    }
    if (path === '/faults' && method === 'GET') return reply(200, rt.faults.get());
    if (path === '/faults' && method === 'POST') {
      rt.faults.set((await jsonBody(req)) as Parameters<typeof rt.faults.set>[0]);
      return reply(200, rt.faults.get());
    }
    if (path === '/faults' && method === 'DELETE') {
      rt.faults.clear();
      return reply(200, rt.faults.get());
    }
    if (path === '/failover' && method === 'POST') {
      const opts = FailoverSchema.parse(await jsonBody(req));
      const leader = await rt.failover({
        ...(opts.to !== undefined ? { to: opts.to } : {}),
        ...(opts.electionSeconds !== undefined ? { electionSeconds: opts.electionSeconds } : {}),
        ...(opts.recoverySeconds !== undefined ? { recoverySeconds: opts.recoverySeconds } : {}),
      });
      return reply(200, { leader });
    }
    if (path === '/deny' && method === 'GET') return reply(200, { rules: rt.authz.get() });
    if (path === '/deny' && method === 'POST') {
      const body = z.object({ rules: z.array(z.unknown()) }).parse(await jsonBody(req));
      rt.authz.set(body.rules as Parameters<typeof rt.authz.set>[0]);
      return reply(200, { rules: rt.authz.get() });
    }
    if (path === '/state' && method === 'GET') return reply(200, adminState(rt));
    const agentOp = /^\/agents\/([^/]+)\/(stop|restart|unreachable|open)$/.exec(path);
    if (agentOp && method === 'POST') {
      const [, id = '', op] = agentOp;
      const agentId = decodeURIComponent(id);
      if (!rt.model.agents.has(agentId)) return sendError(req, res, 404, `Unknown agent ${agentId}`);
      if (op === 'stop') stopAgent(rt.model, agentId);
      else if (op === 'unreachable') markUnreachable(rt.model, agentId);
      else if (op === 'open') await rt.openAgent(agentId);
      else {
        const a = await restartAgent(rt.model, agentId);
        return reply(200, { agentId: a?.id ?? null });
      }
      return reply(200, { agentId });
    }
    const fwOp = /^\/frameworks\/([^/]+)\/acknowledges$/.exec(path);
    if (fwOp && method === 'POST') {
      const body = z.object({ acknowledges: z.boolean() }).parse(await jsonBody(req));
      rt.model.setFrameworkAcknowledges(decodeURIComponent(fwOp[1] ?? ''), body.acknowledges);
      return reply(200, body);
    }
    sendError(req, res, 404, `No admin route ${method} /sim/v1${path}`);
  } catch (err) {
    sendError(req, res, 400, err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message);
  }
}
