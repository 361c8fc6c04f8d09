/**
 * What a snapshot leaves out (pure, over the decoded responses). With `--redact` (the default): task and executor
 * environments, labels and command lines, and the other places a workload keeps its secrets (opaque `data`, Docker
 * parameters, secret references). Always, redacted or not: credentials — the cluster's configured secrets wherever
 * they appear, `user:password@` in URLs, and the values of master flags that name credentials. A reservation's labels
 * are kept: they are part of the reserved resource's identity.
 */

/** Keys removed wherever they appear, with what they hold (for the snapshot's manifest). */
export const REDACTED_KEYS: Readonly<Record<string, string>> = {
  environment: 'task and executor environments',
  labels: 'labels',
  command: 'command lines (CommandInfo: value, arguments, environment, URIs)',
  arguments: 'command arguments',
  parameters: 'Docker parameters (may carry --env)',
  data: 'opaque task and status data',
  secret: 'secret references and values',
};

/** Master flags whose values are credentials or point at them: always written as `<redacted>`. */
const CREDENTIAL_FLAG = /credential|secret|password|token|jwt/i;
/** `scheme://user:password@host` (or `scheme://token@host`): the user information of a URL. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s"']+@/gi;

export const REDACTED = '<redacted>';

/** The walk's name for the inside of a reservation's labels. */
const RESERVATION_LABELS = '(reservation labels)';

/** What {@link redactResponse} removed, by what it was. */
export type RedactionCounts = Record<string, number>;

export interface RedactOptions {
  /** Strip environments, labels and command lines (`--redact`). */
  workload: boolean;
  /** Secret values that must never be written (the cluster's configured credentials). */
  secrets: string[];
}

/**
 * A copy of `value` with what the options ask removed; `counts` is told what. Credentials go whatever
 * `workload` says. `bigint`s (exact int64) are kept.
 */
export function redactResponse(value: unknown, options: RedactOptions, counts: RedactionCounts = {}): unknown {
  const secrets = options.secrets.filter((s) => s.length > 0);
  const bump = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
  const scrub = (text: string): string => {
    let out = text;
    for (const secret of secrets) {
      if (out.includes(secret)) {
        out = out.split(secret).join(REDACTED);
        bump('configured credentials');
      }
    }
    const stripped = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
    if (stripped !== out) bump('user:password@ in URLs');
    return stripped;
  };
  const walk = (node: unknown, parentKey: string | undefined): unknown => {
    if (typeof node === 'string') return scrub(node);
    if (Array.isArray(node)) return node.map((item) => walk(item, parentKey));
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Record<string, unknown>;
    // A master flag {name, value} whose name says it holds a credential.
    if (parentKey === 'flags' && typeof obj.name === 'string' && CREDENTIAL_FLAG.test(obj.name) && typeof obj.value === 'string' && obj.value !== '') {
      bump('credential flags');
      return { ...obj, value: REDACTED };
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(obj)) {
      const what = REDACTED_KEYS[key];
      // A reservation's labels are part of the resource's identity (UNRESERVE must name them): kept.
      // (Labels {labels: [Label]}: the inner list is part of it too.)
      const identity = key === 'labels' && (parentKey === 'reservations' || parentKey === 'reservation' || parentKey === RESERVATION_LABELS);
      if (what && !identity && (options.workload || key === 'secret')) {
        bump(what);
        continue;
      }
      out[key] = walk(child, identity ? RESERVATION_LABELS : key);
    }
    return out;
  };
  return walk(value, undefined);
}
