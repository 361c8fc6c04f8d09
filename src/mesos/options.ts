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
}

/** Options of an {@link AgentClient}. */
export interface AgentClientOptions {
  /** Base URL of the agent, e.g. `http://10.0.0.5:5051`; the client posts to `<url>/api/v1`. */
  url: string;
  credentials?: MesosCredentials;
  tls?: MesosTlsOptions;
  /** Per-call timeout in ms (default 30000). Streams and long polls have none. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const Pem = z.union([z.string(), z.instanceof(Buffer)]);
const CredentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('basic'), principal: z.string().min(1), secret: z.string() }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
]);
const TlsSchema = z.object({ ca: Pem.optional(), cert: Pem.optional(), key: Pem.optional(), rejectUnauthorized: z.boolean().optional() });

/** Checks {@link MesosClientOptions} (every problem with its path; never a credential's value). */
export const MesosClientOptionsSchema = z.object({
  masters: z.array(HttpUrl).min(1, 'list at least one master URL'),
  credentials: CredentialsSchema.optional(),
  tls: TlsSchema.optional(),
  timeoutMs: z.number().positive().optional(),
  allowedRedirectHosts: z.array(z.string().min(1)).optional(),
  maxRedirects: z.number().int().min(0).optional(),
});

/** Checks {@link AgentClientOptions}. */
export const AgentClientOptionsSchema = z.object({
  url: HttpUrl,
  credentials: CredentialsSchema.optional(),
  tls: TlsSchema.optional(),
  timeoutMs: z.number().positive().optional(),
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
