/**
 * Leader following for a set of masters.
 *
 * A non-leading master answers 307 with a protocol-relative `Location: //host:port/api/v1`, or 503 when it knows no
 * leader ("No leader elected") or the leader has not recovered yet. The router follows 307s itself, re-POSTing the
 * same body, sends credentials only to configured masters and allowed hosts, stops at `maxRedirects` or on a loop
 * (REDIRECT_LOOP), and remembers the leader until a connection failure or a not-leader answer.
 *
 * It never re-sends a write: a read (`read: true`) may go to each configured master once after a not-leader or
 * connection failure; a write goes to one master (the remembered leader, or one found with an idempotent
 * GET_HEALTH) and its failure is thrown for Temporal to retry.
 */
import { isMesosError, MesosError, safeUrl } from './errors';
import type { HttpResponse, SendOptions, Transport } from './transport';

/** Options of a {@link MasterRouter}. */
export interface MasterRouterOptions {
  masters: string[];
  allowedRedirectHosts: string[];
  maxRedirects: number;
}

/** One call as the router sends it. */
export interface RoutedCall extends Omit<SendOptions, 'url' | 'withCredentials' | 'body'> {
  body: Buffer;
  /** Reads may be tried on other masters; writes never are. */
  read: boolean;
}

const API_PATH = '/api/v1';

/** `http://h:5050/` → `http://h:5050`. */
export function normalizeBase(base: string): string {
  return base.replace(/\/+$/, '');
}

function hostKey(url: URL): string {
  return url.host.toLowerCase();
}

/** Routes master calls to the leader. */
export class MasterRouter {
  private readonly masters: string[];
  private readonly trusted: Set<string>;
  private readonly maxRedirects: number;
  private leaderBase: string | undefined;

  constructor(
    private readonly transport: Transport,
    opts: MasterRouterOptions,
  ) {
    if (opts.masters.length === 0) throw new TypeError('MesosClientOptions.masters must list at least one master URL');
    this.masters = opts.masters.map(normalizeBase);
    this.trusted = new Set<string>();
    for (const m of this.masters) this.trusted.add(hostKey(new URL(m)));
    for (const h of opts.allowedRedirectHosts) this.trusted.add(h.toLowerCase());
    this.maxRedirects = opts.maxRedirects;
  }

  /** The remembered leader's base URL, if any. */
  get leader(): string | undefined {
    return this.leaderBase;
  }

  /** Forgets the leader, e.g. after a SUBSCRIBE stream ended; the next call rediscovers it. */
  forgetLeader(): void {
    this.leaderBase = undefined;
  }

  /** Whether credentials may go to `url`: a configured master, or an allowed `host` / `host:port`. */
  isTrusted(url: string): boolean {
    const u = new URL(url);
    return this.trusted.has(hostKey(u)) || this.trusted.has(u.hostname.toLowerCase());
  }

  /**
   * Sends a call to the leader and returns a successful (2xx) response with its body unread.
   *
   * @throws MesosError with the status's code (MESOS_NOT_LEADER for a 503 without a leader, MESOS_BAD_REQUEST...),
   * REDIRECT_LOOP, CONNECTION or TIMEOUT. For reads, the last failure after trying every configured master once.
   */
  async send(call: RoutedCall): Promise<HttpResponse> {
    if (!call.read) {
      const base = this.leaderBase ?? (this.masters.length > 1 ? await this.discover(call) : this.masters[0]);
      return this.sendTo(base, call);
    }
    const order = this.leaderBase ? [this.leaderBase, ...this.masters.filter((m) => m !== this.leaderBase)] : [...this.masters];
    let last: unknown;
    for (const base of order) {
      try {
        return await this.sendTo(base, call);
      } catch (e) {
        if (!isMesosError(e) || !isLeaderProblem(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  /**
   * Finds the leader with an idempotent GET_HEALTH to each configured master in turn (following redirects), so a
   * write can go straight to it. Failures are reported under the write's call type.
   */
  private async discover(call: RoutedCall): Promise<string> {
    const probe: RoutedCall = {
      callType: call.callType,
      body: Buffer.from('{"type":"GET_HEALTH"}'),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      timeoutMs: call.timeoutMs,
      read: true,
      ...(call.signal ? { signal: call.signal } : {}),
    };
    const res = await this.send(probe);
    await this.transport.discard(res);
    return this.leaderBase ?? this.masters[0];
  }

  private async sendTo(base: string, call: RoutedCall): Promise<HttpResponse> {
    let url = `${base}${API_PATH}`;
    const visited = new Set<string>([url]);
    for (let hops = 0; ; hops++) {
      let res: HttpResponse;
      try {
        res = await this.transport.send({ ...call, url, withCredentials: this.isTrusted(url) });
      } catch (e) {
        if (isMesosError(e) && e.code === 'CONNECTION') this.forgetIf(url);
        throw e;
      }
      if (res.status === 307) {
        const location = res.headers['location'];
        await this.transport.discard(res);
        const loc = Array.isArray(location) ? location[0] : location;
        if (!loc) {
          throw new MesosError({ code: 'MESOS_SERVER_ERROR', callType: call.callType, status: 307, statusText: 'Temporary Redirect', url: safeUrl(url), detail: 'redirect without a Location header' });
        }
        // A protocol-relative `//host:port/api/v1` takes the scheme of the URL that answered.
        let next: string;
        try {
          next = new URL(loc, url).toString();
        } catch {
          throw new MesosError({ code: 'MESOS_SERVER_ERROR', callType: call.callType, status: 307, statusText: 'Temporary Redirect', url: safeUrl(url), detail: 'redirect to an invalid Location' });
        }
        if (visited.has(next) || hops + 1 > this.maxRedirects) {
          this.forgetIf(url);
          throw new MesosError({
            code: 'REDIRECT_LOOP',
            callType: call.callType,
            url: safeUrl(url),
            detail: visited.has(next)
              ? `redirect loop back to ${safeUrl(next)}`
              : `more than ${this.maxRedirects} redirects (last to ${safeUrl(next)})`,
          });
        }
        visited.add(next);
        url = next;
        continue;
      }
      if (res.status === 200 || res.status === 202) {
        this.leaderBase = baseOf(url);
        return res;
      }
      const err = await this.transport.failure(res, true);
      if (err.code === 'MESOS_NOT_LEADER') this.forgetIf(url);
      throw err;
    }
  }

  private forgetIf(url: string): void {
    if (this.leaderBase !== undefined && baseOf(url) === this.leaderBase) this.leaderBase = undefined;
  }
}

/** A failure another master may not have: not the leader, unreachable, or stuck redirecting. */
function isLeaderProblem(e: MesosError): boolean {
  return e.code === 'MESOS_NOT_LEADER' || e.code === 'CONNECTION' || e.code === 'REDIRECT_LOOP';
}

/** The base URL of an `<base>/api/v1` URL. */
function baseOf(url: string): string {
  const u = new URL(url);
  const path = u.pathname.endsWith(API_PATH) ? u.pathname.slice(0, -API_PATH.length) : '';
  return `${u.protocol}//${u.host}${path}`;
}
