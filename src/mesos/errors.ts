/**
 * Errors thrown by the Mesos client.
 *
 * Every failure carries a stable {@link MesosErrorCode} and a `retryable` flag so that callers (Temporal activities)
 * decide on codes, never on message text. Errors never carry credentials: messages, `mesosMessage` and `url` are
 * redacted, and no request headers are kept on the error.
 */

/** The stable codes a {@link MesosError} can carry. */
export type MesosErrorCode =
  | 'MESOS_BAD_REQUEST'
  | 'MESOS_UNAUTHORIZED'
  | 'MESOS_FORBIDDEN'
  | 'MESOS_NOT_FOUND'
  | 'MESOS_CONFLICT'
  | 'MESOS_NOT_LEADER'
  | 'MESOS_UNAVAILABLE'
  | 'MESOS_SERVER_ERROR'
  | 'MESOS_NOT_ACCEPTABLE'
  | 'MESOS_UNSUPPORTED_MEDIA'
  | 'MESOS_NOT_IMPLEMENTED'
  | 'REDIRECT_LOOP'
  | 'TIMEOUT'
  | 'CONNECTION'
  | 'DECODE';

/** Every code, for exhaustive tables and for {@link isMesosError}. */
export const MESOS_ERROR_CODES = [
  'MESOS_BAD_REQUEST',
  'MESOS_UNAUTHORIZED',
  'MESOS_FORBIDDEN',
  'MESOS_NOT_FOUND',
  'MESOS_CONFLICT',
  'MESOS_NOT_LEADER',
  'MESOS_UNAVAILABLE',
  'MESOS_SERVER_ERROR',
  'MESOS_NOT_ACCEPTABLE',
  'MESOS_UNSUPPORTED_MEDIA',
  'MESOS_NOT_IMPLEMENTED',
  'REDIRECT_LOOP',
  'TIMEOUT',
  'CONNECTION',
  'DECODE',
] as const satisfies readonly MesosErrorCode[];

/**
 * Whether a retry (by the caller, typically Temporal) can help, per code. A retry of a non-idempotent call must still
 * read state first; this only says whether the failure itself can go away.
 */
export const RETRYABLE_BY_CODE = {
  MESOS_BAD_REQUEST: false,
  MESOS_UNAUTHORIZED: false,
  MESOS_FORBIDDEN: false,
  MESOS_NOT_FOUND: false,
  MESOS_CONFLICT: false,
  MESOS_NOT_LEADER: true,
  MESOS_UNAVAILABLE: true,
  MESOS_SERVER_ERROR: true,
  MESOS_NOT_ACCEPTABLE: false,
  MESOS_UNSUPPORTED_MEDIA: false,
  MESOS_NOT_IMPLEMENTED: false,
  REDIRECT_LOOP: true,
  TIMEOUT: true,
  CONNECTION: true,
  DECODE: false,
} as const satisfies Record<MesosErrorCode, boolean>;

/** Fields of a {@link MesosError}. */
export interface MesosErrorInit {
  code: MesosErrorCode;
  callType: string;
  status?: number;
  statusText?: string;
  mesosMessage?: string;
  url?: string;
  /** Overrides {@link RETRYABLE_BY_CODE}. */
  retryable?: boolean;
  /** Free text after the status part of the message, e.g. a connection error's description. */
  detail?: string;
  /** A cause reduced to plain, secret-free fields. */
  cause?: { name?: string; code?: string; message: string };
}

/**
 * A failed Mesos call. The message reads like
 * `DRAIN_AGENT failed: 400 Bad Request from http://127.0.0.1:5050: Unknown agent`.
 */
export class MesosError extends Error {
  readonly code: MesosErrorCode;
  readonly status?: number;
  readonly callType: string;
  readonly retryable: boolean;
  readonly mesosMessage?: string;
  readonly url?: string;

  constructor(init: MesosErrorInit) {
    const where = init.url ? ` from ${init.url}` : '';
    const status = init.status !== undefined ? ` ${init.status}${init.statusText ? ` ${init.statusText}` : ''}` : '';
    const text = init.mesosMessage ?? init.detail;
    const head = status ? `${init.callType} failed:${status}${where}` : `${init.callType} failed: ${init.code}${where}`;
    super(text ? `${head}: ${text}` : head, init.cause ? { cause: init.cause } : undefined);
    this.name = 'MesosError';
    this.code = init.code;
    this.callType = init.callType;
    this.retryable = init.retryable ?? RETRYABLE_BY_CODE[init.code];
    if (init.status !== undefined) this.status = init.status;
    if (init.mesosMessage !== undefined) this.mesosMessage = init.mesosMessage;
    if (init.url !== undefined) this.url = init.url;
  }
}

const CODES: ReadonlySet<string> = new Set(MESOS_ERROR_CODES);

/**
 * True when `e` looks like a {@link MesosError}: checks the `code`, `callType` and `retryable` fields, not
 * `instanceof`, because jest module registries and Temporal's failure conversion break class identity.
 */
export function isMesosError(e: unknown): e is MesosError {
  if (typeof e !== 'object' || e === null) return false;
  const code: unknown = Reflect.get(e, 'code');
  return (
    typeof code === 'string' &&
    CODES.has(code) &&
    typeof Reflect.get(e, 'callType') === 'string' &&
    typeof Reflect.get(e, 'retryable') === 'boolean'
  );
}

/** Text Mesos puts in 503 bodies when the contacted master is not (yet) the serving leader. */
const NOT_LEADER_TEXT = /no leader elected|not finished recovery|not the leader|not elected/i;

/**
 * Maps an HTTP status (and, for 503, Mesos's text) to a code. `isMaster` matters for 503: on a master, "No leader
 * elected" and "Master has not finished recovery" mean "not the leader yet"; other 503s (an agent transition in
 * progress, an agent still recovering) are plain unavailability.
 */
export function codeForStatus(status: number, text: string, isMaster: boolean): MesosErrorCode {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 422:
      return 'MESOS_BAD_REQUEST';
    case 401:
      return 'MESOS_UNAUTHORIZED';
    case 403:
      return 'MESOS_FORBIDDEN';
    case 404:
      return 'MESOS_NOT_FOUND';
    case 406:
      return 'MESOS_NOT_ACCEPTABLE';
    case 409:
      return 'MESOS_CONFLICT';
    case 415:
      return 'MESOS_UNSUPPORTED_MEDIA';
    case 501:
      return 'MESOS_NOT_IMPLEMENTED';
    case 503:
      return isMaster && NOT_LEADER_TEXT.test(text) ? 'MESOS_NOT_LEADER' : 'MESOS_UNAVAILABLE';
    default:
      if (status >= 500) return 'MESOS_SERVER_ERROR';
      return 'MESOS_BAD_REQUEST';
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  307: 'Temporary Redirect',
};

/** The standard reason phrase of a status, for messages. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? '';
}

/**
 * Removes the given secrets, any `Basic`/`Bearer` credential and any URL user-info from `text`. Used on every string
 * that goes into an error, so a server that echoes the Authorization header cannot leak it through us.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 3) out = out.split(s).join('[REDACTED]');
  }
  return out
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]')
    .replace(/\/\/[^/@\s:]+:[^/@\s]*@/g, '//[REDACTED]@');
}

/** A URL with user-info removed, for error fields and messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return `${u.protocol}//${u.host}`;
  } catch {
    return redact(url, []);
  }
}
