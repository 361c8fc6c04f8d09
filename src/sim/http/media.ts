/**
 * Media-type negotiation of libprocess `Request::acceptsMediaType`: `type/subtype`, then `type/*`, then `*\/*`,
 * case-insensitive, `q=0` excludes; a missing Accept accepts everything.
 */

/** The media types the operator API speaks. */
export const JSON_TYPE = 'application/json';
export const PROTOBUF_TYPE = 'application/x-protobuf';
export const RECORDIO_TYPE = 'application/recordio';

interface AcceptEntry {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): AcceptEntry[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((p) => p.length > 0)
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim());
      const [type = '', subtype = ''] = range.toLowerCase().split('/');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.split('=').map((s) => s.trim());
        if (k === 'q' && v !== undefined) q = Number(v);
      }
      return { type, subtype, q: Number.isNaN(q) ? 1 : q };
    });
}

/** True when a request with this Accept header (undefined = absent) accepts `mediaType`. */
export function accepts(acceptHeader: string | undefined, mediaType: string): boolean {
  if (acceptHeader === undefined) return true;
  const [type, subtype] = mediaType.toLowerCase().split('/');
  const entries = parseAccept(acceptHeader);
  const find = (t: string, s: string): AcceptEntry | undefined => entries.find((e) => e.type === t && e.subtype === s);
  const match = find(type ?? '', subtype ?? '') ?? find(type ?? '', '*') ?? find('*', '*');
  return match !== undefined && match.q > 0;
}

/** True when an `Accept-Encoding` header allows gzip. */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .some((p) => {
      const [coding = '', ...params] = p.split(';').map((s) => s.trim());
      if (coding !== 'gzip' && coding !== '*') return false;
      const q = params.find((x) => x.startsWith('q='));
      return q === undefined || Number(q.slice(2)) > 0;
    });
}
