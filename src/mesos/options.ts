/**
 * Options shared by the master and agent clients, with the schemas that check them when a client is built.
 */
import { z } from 'zod';

/** HTTP credentials. Sent only to configured masters/agents and to redirect hosts the operator allowed. */
export type MesosCredentials =
  | { kind: 'basic'; principal: string; secret: string }
  | { kind: 'bearer'; token: string };

/** TLS settings for https URLs: a custom CA, a client certificate, or (for tests only) no verification. */
export interface MesosTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
}

/**
 * What one finished call reports to an observer: no body, no credentials. `status` is the HTTP status of the last
 * response (absent when none came, e.g. a refused connection); `code` the MesosError code when the call failed.
 */
export interface MesosCallEvent {
  callType: string;
  /** The origin (scheme, host, port) of the master or agent that answered last; no path, no credentials. */
  url?: string;
  status?: number;
  code?: string;
  /** Epoch milliseconds when the call started. */
  startedAt: number;
  durationMs: number;
}

/**
 * Called once per finished call (success or failure; streams are not reported), e.g. for metrics or tracing. It runs
 * in the caller's async context; what it throws is ignored, so an observer never breaks a call.
 */
export type MesosCallObserver = (event: MesosCallEvent) => void;

/** Options of a {@link MasterClient}. */
export interface MesosClientOptions {
  /** Base URLs such as `http://127.0.0.1:5050`; the client posts to `<base>/api/v1`. One or more (HA). */
  masters: string[];
  credentials?: MesosCredentials;
  tls?: MesosTlsOptions;
  /** Per-call timeout in ms (default 30000). Streams and long polls have none. */
  timeoutMs?: number;
  /** Extra `host` or `host:port` entries that may receive credentials when a master redirects there. */
  allowedRedirectHosts?: string[];
  /** Redirects followed per call before failing with REDIRECT_LOOP (default 5). */
  maxRedirects?: number;
  /** Told of every finished call (see {@link MesosCallObserver}). */
  observer?: MesosCallObserver;
}

/** Options of an {@link AgentClient}. */
export interface AgentClientOptions {
  /** Base URL of the agent, e.g. `http://10.0.0.5:5051`; the client posts to `<url>/api/v1`. */
  url: string;
  credentials?: MesosCredentials;
  tls?: MesosTlsOptions;
  /** Per-call timeout in ms (default 30000). Streams and long polls have none. */
  timeoutMs?: number;
  /** Told of every finished call (see {@link MesosCallObserver}). */
  observer?: MesosCallObserver;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const Pem = z.union([z.string(), z.instanceof(Buffer)]);
const CredentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('basic'), principal: z.string().min(1), secret: z.string() }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
]);
const ObserverSchema = z.custom<MesosCallObserver>((v) => typeof v === 'function', 'must be a function');
const TlsSchema = z.object({ ca: Pem.optional(), cert: Pem.optional(), key: Pem.optional(), rejectUnauthorized: z.boolean().optional() });

/** Checks {@link MesosClientOptions} (every problem with its path; never a credential's value). */
export const MesosClientOptionsSchema = z.object({
  masters: z.array(HttpUrl).min(1, 'list at least one master URL'),
  credentials: CredentialsSchema.optional(),
  tls: TlsSchema.optional(),
  timeoutMs: z.number().positive().optional(),
  allowedRedirectHosts: z.array(z.string().min(1)).optional(),
  maxRedirects: z.number().int().min(0).optional(),
  observer: ObserverSchema.optional(),
});

/** Checks {@link AgentClientOptions}. */
export const AgentClientOptionsSchema = z.object({
  url: HttpUrl,
  credentials: CredentialsSchema.optional(),
  tls: TlsSchema.optional(),
  timeoutMs: z.number().positive().optional(),
  observer: ObserverSchema.optional(),
});

/**
 * Fails fast on bad client options.
 *
 * @throws TypeError naming each invalid field, e.g. `✖ must be an http:// or https:// URL → at masters[0]`.
 */
export function checkOptions(schema: z.ZodType, opts: unknown, what: string): void {
  const r = schema.safeParse(opts);
  if (!r.success) throw new TypeError(`invalid ${what}: ${z.prettifyError(r.error).replace(/\s*\n\s*/g, '; ')}`);
}
