/**
 * The read-only JSON pages beside /api/v1 (spec §8.y), as real masters and agents route them: master pages at
 * `/master/<page>` and, the master being libprocess's default process, at `/<page>`; agent pages at
 * `/slave(1)/<page>` and `/<page>`; `/version` and `/metrics/snapshot` from their own processes. The same
 * authentication as /api/v1 (realms `mesos-master-readonly`, `mesos-agent-readonly`; `/health` and `/version`
 * are open); a non-leading master redirects the leader-only pages (307 to `//<leader><path>`, 503 without a
 * leader). `?jsonp=<callback>` wraps the JSON as Mesos's `OK(json, jsonp)` does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentNode } from '../agent/agent-node';
import { stringifyJson } from '../json';
import { scheduleView, statusView } from '../model/maintenance';
import { rolesView } from '../model/quota';
import {
  agentStatePage,
  BUILD,
  frameworksPage,
  masterStatePage,
  rolesPage,
  slavesPage,
  stateSummaryPage,
  tasksPage,
} from '../model/v0-views';
import { agentPid } from '../model/views';
import type { MasterNode, SimRuntime } from '../runtime';
import { authenticate, challenge } from './auth';
import { sendBody, sendError } from './respond';

type Page = (query: URLSearchParams) => unknown;

/**
 * Splits a request URL into its path and query. The path is normalised as libprocess tokenises it on '/', so
 * `/master/frameworks/` (what Mesos's CLI asks for) and `//slaves` reach their pages.
 */
function parseUrl(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = new URL(`http://sim.invalid${req.url ?? '/'}`);
  const tokens = decodeURIComponent(url.pathname).split('/').filter((t) => t !== '');
  return { path: `/${tokens.join('/')}`, query: url.searchParams };
}

function sendPage(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, value: unknown): void {
  const json = stringifyJson(value);
  const jsonp = query.get('jsonp');
  if (jsonp !== null) sendBody(req, res, 200, `${jsonp}(${json});`, 'text/javascript');
  else sendBody(req, res, 200, json, 'application/json');
}

/** The master's pages, by name (without the `/master` prefix), and whether only the leader serves them. */
function masterPages(rt: SimRuntime, node: MasterNode): Record<string, { leaderOnly: boolean; page: Page }> {
  const m = rt.model;
  const leader = rt.leaderNode();
  const flags = (): Record<string, string> => Object.fromEntries(rt.masterFlags(node).map((f) => [f.name, f.value]));
  return {
    state: {
      leaderOnly: true,
      page: () =>
        masterStatePage(m, {
          id: node.id,
          pid: `master@127.0.0.1:${node.port}`,
          hostname: '127.0.0.1',
          port: node.port,
          startTime: node.startTime,
          electedTime: rt.leadership.electedAt / 1000,
          ...(leader ? { leader: { id: leader.id, pid: `master@127.0.0.1:${leader.port}`, port: leader.port, hostname: '127.0.0.1' } } : {}),
          flags: flags(),
          logDir: rt.workDir,
        }),
    },
    'state-summary': { leaderOnly: true, page: () => stateSummaryPage(m, '127.0.0.1') },
    slaves: { leaderOnly: true, page: (q) => slavesPage(m, q) },
    frameworks: { leaderOnly: true, page: (q) => frameworksPage(m, q) },
    tasks: { leaderOnly: true, page: (q) => tasksPage(m, q) },
    roles: { leaderOnly: true, page: () => rolesPage(m, (rolesView(m) as { roles: Parameters<typeof rolesPage>[1] }).roles) },
    'maintenance/schedule': { leaderOnly: true, page: () => scheduleView(m).schedule },
    'maintenance/status': { leaderOnly: true, page: () => statusView(m).status },
    flags: { leaderOnly: false, page: () => ({ flags: flags() }) },
  };
}

const metricsObject = (list: { name: string; value: number }[]): Record<string, number> => Object.fromEntries(list.map((x) => [x.name, x.value]));

/**
 * Serves a master's read-only page when `req` asks for one.
 * @returns false when the path is not a read-only page (the caller answers 404).
 */
export function handleMasterReadOnly(rt: SimRuntime, node: MasterNode, req: IncomingMessage, res: ServerResponse): boolean {
  const { path, query } = parseUrl(req);
  if (path === '/version') {
    req.resume();
    sendPage(req, res, query, BUILD);
    return true;
  }
  const pages = masterPages(rt, node);
  const name = path.replace(/^\/master\//, '/').slice(1);
  const entry = path === '/metrics/snapshot' ? { leaderOnly: false, page: () => metricsObject(rt.masterMetrics()) } : Object.hasOwn(pages, name) ? pages[name] : undefined;
  if (!entry) return false;
  req.resume();
  const credentials = rt.options.credentials;
  if (credentials && authenticate(req, credentials) === undefined) {
    sendError(req, res, 401, undefined, challenge('mesos-master-readonly'));
    return true;
  }
  if (entry.leaderOnly) {
    const lead = rt.leaderStateFor(node);
    if (lead.kind === 'no-leader') return (sendError(req, res, 503, 'No leader elected'), true);
    if (lead.kind === 'redirect') return (sendError(req, res, 307, '', { Location: `//${lead.hostPort}${req.url ?? path}` }), true);
    if (lead.kind === 'recovering') return (sendError(req, res, 503, 'Master has not finished recovery'), true);
  }
  sendPage(req, res, query, entry.page(query));
  return true;
}

/**
 * Serves an agent's read-only page (`/state`, `/flags`, `/version`, `/metrics/snapshot`, also under
 * `/slave(1)/`) when `req` asks for one.
 * @returns false when the path is not a read-only page.
 */
export function handleAgentReadOnly(rt: SimRuntime, node: AgentNode, req: IncomingMessage, res: ServerResponse, recovering: boolean): boolean {
  const { path, query } = parseUrl(req);
  const name = path.replace(/^\/slave\(1\)\//, '/');
  let page: Page | undefined;
  if (path === '/version') page = () => BUILD;
  else if (path === '/metrics/snapshot') page = () => node.metrics();
  else if (name === '/flags') page = () => ({ flags: node.flags() });
  else if (name === '/state') {
    page = () =>
      agentStatePage(rt.model, node.agent, {
        startTime: Number(node.agent.registeredNs) / 1e9,
        pid: agentPid(node.agent),
        masterHostname: '127.0.0.1',
        flags: node.flags(),
        logDir: node.dir,
        sandbox: (t) => node.sandboxForTask(t.frameworkId, t.executorId ?? t.id, t.id, t.container?.executorPid),
      });
  }
  if (!page) return false;
  req.resume();
  const credentials = rt.options.credentials;
  if (path !== '/version' && credentials && authenticate(req, credentials) === undefined) {
    sendError(req, res, 401, undefined, challenge('mesos-agent-readonly'));
    return true;
  }
  if (recovering && name === '/state') return (sendError(req, res, 503, 'Agent has not finished recovery'), true);
  sendPage(req, res, query, page(query));
  return true;
}
