/**
 * Message encodings. The transport is written against {@link Codec} so that protobuf (`application/x-protobuf`)
 * can be added later without touching leader following, streams or errors. Only JSON exists today.
 */
import { JsonFrames, parseMesosJsonBytes, stringifyMesosJson } from './json';
import type { Frames } from './recordio';

/** How calls are encoded and responses decoded. */
export interface Codec {
  /** The exact `Content-Type` Mesos compares against (case-sensitive, no parameters). */
  readonly contentType: string;
  /** The `Accept` header for non-streaming responses. */
  readonly accept: string;
  encode(call: unknown): Buffer;
  /** Decodes one message; 64-bit fields come back as decimal strings for the schemas to turn into `bigint`. */
  decode(bytes: Buffer): unknown;
  /**
   * Decodes the messages at `[offsets[2k], offsets[2k + 1])` of one buffer (a stream's records inside one chunk), as
   * {@link decode} would, sharing work between them. Message `k` is decoded when `message(k)` is called.
   */
  decodeFrames(bytes: Buffer, offsets: readonly number[]): FramedMessages;
}

/** Messages decoded on demand, in order; `message(k)` throws when message `k` is bad. */
export interface FramedMessages {
  message(k: number): unknown;
}

/** JSON with exact 64-bit integers (see ./json.ts). */
export const JSON_CODEC: Codec = {
  contentType: 'application/json',
  accept: 'application/json',
  encode: (call) => Buffer.from(stringifyMesosJson(call), 'utf8'),
  decode: parseMesosJsonBytes,
  decodeFrames: (bytes, offsets) => new JsonFrames(bytes, offsets),
};

/** The messages of one chunk's {@link Frames}, in stream order; `get(i)` decodes message `i` (and throws if it is bad). */
export class Messages {
  readonly count: number;
  private readonly joined: Buffer | undefined;
  private readonly inChunk: FramedMessages;

  /** Decodes the records a chunk completed with `codec`, lazily, so that a bad record fails at its turn. */
  constructor(
    private readonly codec: Codec,
    frames: Frames,
  ) {
    this.joined = frames.joined;
    this.inChunk = codec.decodeFrames(frames.chunk, frames.offsets);
    this.count = (frames.joined ? 1 : 0) + frames.offsets.length / 2;
  }

  get(i: number): unknown {
    if (this.joined === undefined) return this.inChunk.message(i);
    return i === 0 ? this.codec.decode(this.joined) : this.inChunk.message(i - 1);
  }
}
