/**
 * HTTP Basic authentication as libprocess's BasicAuthenticator does it (spec §1.1): exactly
 * `Basic <base64(user:pass)>`, the decoded value split on ':' into exactly two parts.
 */
import type { IncomingMessage } from 'node:http';

/** One credential (the master's `--credentials` file holds a list of these). */
export interface Credential {
  principal: string;
  secret: string;
}

/** The authenticated principal, or undefined when authentication fails. */
export function authenticate(req: IncomingMessage, credentials: readonly Credential[]): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const parts = decoded.split(':');
  if (parts.length !== 2) return undefined;
  const [user, pass] = parts;
  return credentials.some((c) => c.principal === user && c.secret === pass) ? user : undefined;
}

/** The 401 headers for a realm. */
export function challenge(realm: string): Record<string, string> {
  return { 'WWW-Authenticate': `Basic realm="${realm}"` };
}
