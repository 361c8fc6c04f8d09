/**
 * Message encodings. The transport is written against {@link Codec} so that protobuf (`application/x-protobuf`)
 * can be added later without touching leader following, streams or errors. Only JSON exists today.
 */
import { parseMesosJsonBytes, stringifyMesosJson } from './json';

/** How calls are encoded and responses decoded. */
export interface Codec {
  /** The exact `Content-Type` Mesos compares against (case-sensitive, no parameters). */
  readonly contentType: string;
  /** The `Accept` header for non-streaming responses. */
  readonly accept: string;
  encode(call: unknown): Buffer;
  /** Decodes one message; 64-bit fields come back as decimal strings for the schemas to turn into `bigint`. */
  decode(bytes: Buffer): unknown;
}

/** JSON with exact 64-bit integers (see ./json.ts). */
export const JSON_CODEC: Codec = {
  contentType: 'application/json',
  accept: 'application/json',
  encode: (call) => Buffer.from(stringifyMesosJson(call), 'utf8'),
  decode: parseMesosJsonBytes,
};
