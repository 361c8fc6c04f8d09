/**
 * Payload encryption: an optional {@link PayloadCodec} that encrypts every payload the worker and our clients send to
 * Temporal (workflow inputs and results, activity inputs and results, signals, updates, queries, memos) with
 * AES-256-GCM.
 *
 * Why no library: node:crypto's AES-256-GCM is authenticated encryption from OpenSSL, and the format around it is a
 * dozen lines (a random 96-bit IV, the 128-bit tag, the key id as additional data); a library would add a dependency
 * and nothing we use.
 *
 * Format (the one Temporal's encryption samples use): metadata `encoding: binary/encrypted`,
 * `encryption-key-id: <id>`, `encryption-cipher: AES-256-GCM`; data = IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of
 * the whole original Payload message (its metadata included, so its encoding is hidden too).
 *
 * Rotation: encrypt with the active key; decrypt with the key whose id the payload names, the active one or one of the
 * decrypt-only keys. A payload that is not `binary/encrypted` (e.g. the input of `temporal workflow start --input`)
 * passes through unchanged, so plain and encrypted payloads mix.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import { resolveSecret, type EncryptionSchema, type SecretRef } from '../config';

type EncryptionConfig = z.output<typeof EncryptionSchema>;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ProtoPayload = temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** One key: its id (written into every payload it encrypts) and its 32 bytes. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface EncryptionCodecOptions {
  /** Encrypts new payloads and decrypts those naming its id. */
  active: CodecKey;
  /** Decrypt only: the keys of earlier rotations, so old histories stay readable. */
  decryptOnly?: CodecKey[];
}

/** A codec failure with a stable code; never carries key material. */
export class CodecError extends Error {
  constructor(
    readonly code: 'CODEC_UNKNOWN_KEY' | 'CODEC_DECRYPT_FAILED' | 'CODEC_BAD_KEY',
    message: string,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

/**
 * A 32-byte key from its text: 64 hex digits, or base64 / base64url of 32 bytes (`openssl rand -base64 32`).
 * Throws {@link CodecError} `CODEC_BAD_KEY` naming `where` (the reference, never the value) otherwise.
 */
export function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (key?.length !== KEY_BYTES) {
    throw new CodecError('CODEC_BAD_KEY', `${where}: an AES-256 key is 32 bytes, written as 64 hex digits or base64 (e.g. openssl rand -base64 32)`);
  }
  return key;
}

/** AES-256-GCM payload encryption with key ids (see the module comment). */
export class EncryptionCodec implements PayloadCodec {
  private readonly active: CodecKey;
  private readonly keys = new Map<string, Buffer>();

  /** Throws {@link CodecError} `CODEC_BAD_KEY` when a key is not 32 bytes or two keys share an id. */
  constructor(options: EncryptionCodecOptions) {
    this.active = options.active;
    for (const k of [options.active, ...(options.decryptOnly ?? [])]) {
      if (k.key.length !== KEY_BYTES) throw new CodecError('CODEC_BAD_KEY', `key ${k.id}: an AES-256 key is 32 bytes, got ${k.key.length}`);
      if (!k.id) throw new CodecError('CODEC_BAD_KEY', 'every key needs a non-empty id');
      if (this.keys.has(k.id)) throw new CodecError('CODEC_BAD_KEY', `key id ${k.id} is listed twice`);
      this.keys.set(k.id, k.key);
    }
  }

  /** The id new payloads are encrypted with. */
  get activeKeyId(): string {
    return this.active.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
      cipher.setAAD(utf8.encode(this.active.id));
      const plain = ProtoPayload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(this.active.id), [CIPHER_METADATA]: utf8.encode(CIPHER) },
        data,
      };
    });
  }

  /**
   * Decrypts `binary/encrypted` payloads; passes every other payload through.
   *
   * Throws {@link CodecError} `CODEC_UNKNOWN_KEY` naming the payload's key id and the known ones when no key has that
   * id, and `CODEC_DECRYPT_FAILED` when the data was altered or encrypted with another key under the same id.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
      const keyId = metadataText(payload, KEY_ID_METADATA) ?? '';
      const key = this.keys.get(keyId);
      if (!key) {
        throw new CodecError('CODEC_UNKNOWN_KEY', `payload encrypted with key id '${keyId}', which is not configured (known: ${[...this.keys.keys()].join(', ')}); add it under temporal.encryption.decryptOnlyKeys`);
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError('CODEC_DECRYPT_FAILED', `encrypted payload (key id '${keyId}') is too short`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(utf8.encode(keyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        const decoded = ProtoPayload.decode(plain);
        return { metadata: decoded.metadata, data: decoded.data };
      } catch {
        throw new CodecError('CODEC_DECRYPT_FAILED', `cannot decrypt a payload with key id '${keyId}': altered data, or a different key under that id`);
      }
    });
  }
}

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? fromUtf8.decode(value) : undefined;
}

/** A payload as the Web UI and `temporal` send it to a codec server (proto3 JSON: bytes as base64). */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadFromJson(json: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(json.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

/**
 * The codec the configuration asks for (`temporal.encryption`), or undefined when it asks for none. Resolves the keys'
 * references here, in the process that uses them. Throws naming the field (`temporal.encryption.key`,
 * `temporal.encryption.decryptOnlyKeys.0.key`) and the reference, never the value, when a key is missing or malformed.
 */
export function codecFromConfig(encryption: EncryptionConfig | undefined, env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  if (!encryption) return undefined;
  const load = (ref: SecretRef, field: string): Buffer => {
    let text: string;
    try {
      text = resolveSecret(ref, env);
    } catch (err) {
      throw new CodecError('CODEC_BAD_KEY', `${field}: ${(err as Error).message}`);
    }
    return parseKey(text, `${field} (${'env' in ref ? `env ${ref.env}` : `file ${ref.file}`})`);
  };
  return new EncryptionCodec({
    active: { id: encryption.keyId, key: load(encryption.key, 'temporal.encryption.key') },
    decryptOnly: encryption.decryptOnlyKeys.map((k, i) => ({ id: k.keyId, key: load(k.key, `temporal.encryption.decryptOnlyKeys.${i}.key`) })),
  });
}

/** The data converter of the worker and of every client: the codec when encryption is configured, else the default. */
export function dataConverterFor(encryption: EncryptionConfig | undefined, env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromConfig(encryption, env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
