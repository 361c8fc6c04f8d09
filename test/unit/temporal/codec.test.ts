import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseConfig } from '../../../src/config';
import { codecFromConfig, EncryptionCodec, parseKey, payloadFromJson, payloadToJson } from '../../../src/temporal/codec';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const text = (p: { metadata?: Record<string, Uint8Array> | null }, key: string) => Buffer.from(p.metadata?.[key] ?? []).toString();
const plain = (value: unknown) => defaultPayloadConverter.toPayload(value)!;

describe('EncryptionCodec', () => {
  it('round-trips payloads, hiding their data and encoding, and names the key id in the metadata', async () => {
    const codec = new EncryptionCodec({ active: k1 });
    const original = [plain({ reason: 'kernel upgrade', agentId: 'S1' }), plain(null)];
    const encoded = await codec.encode(original);
    expect(encoded.map((p) => text(p, 'encoding'))).toEqual(['binary/encrypted', 'binary/encrypted']);
    expect(encoded.map((p) => text(p, 'encryption-key-id'))).toEqual(['k1', 'k1']);
    expect(Buffer.from(encoded[0].data!).toString('latin1')).not.toContain('kernel upgrade');
    expect(Buffer.from(encoded[0].data!).toString('latin1')).not.toContain('json/plain');
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ reason: 'kernel upgrade', agentId: 'S1' }, null]);
  });

  it('uses a fresh IV each time: the same payload encrypts differently', async () => {
    const codec = new EncryptionCodec({ active: k1 });
    const [a, b] = await codec.encode([plain('same'), plain('same')]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('passes plain payloads (e.g. from temporal workflow start --input) through decode unchanged', async () => {
    const codec = new EncryptionCodec({ active: k1 });
    const input = plain({ hostname: 'agent-1', reason: 'r' });
    expect(await codec.decode([input])).toEqual([input]);
  });

  it('rotation: payloads of the old key stay readable with it as a decrypt-only key; new ones use the new key', async () => {
    const before = new EncryptionCodec({ active: k1 });
    const old = await before.encode([plain('written with k1')]);
    const after = new EncryptionCodec({ active: k2, decryptOnly: [k1] });
    const fresh = await after.encode([plain('written with k2')]);
    expect(text(fresh[0], 'encryption-key-id')).toBe('k2');
    expect((await after.decode([...old, ...fresh])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['written with k1', 'written with k2']);
  });

  it('refuses a payload of an unknown key id, naming it and the known ids (no key material)', async () => {
    const old = await new EncryptionCodec({ active: k1 }).encode([plain('x')]);
    const promise = new EncryptionCodec({ active: k2 }).decode(old);
    await expect(promise).rejects.toMatchObject({ code: 'CODEC_UNKNOWN_KEY', message: expect.stringContaining("key id 'k1'") });
    await expect(promise).rejects.toThrow(/known: k2/);
  });

  it('refuses altered data, and a different key under the same id', async () => {
    const codec = new EncryptionCodec({ active: k1 });
    const [p] = await codec.encode([plain('x')]);
    const altered = { ...p, data: Buffer.from(p.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([altered])).rejects.toMatchObject({ code: 'CODEC_DECRYPT_FAILED' });
    await expect(new EncryptionCodec({ active: { id: 'k1', key: randomBytes(32) } }).decode([p])).rejects.toMatchObject({ code: 'CODEC_DECRYPT_FAILED' });
    // The key id is bound to the data: relabelling a payload with another configured id fails too.
    const relabelled = { ...p, metadata: { ...p.metadata, 'encryption-key-id': Buffer.from('k2') } };
    await expect(new EncryptionCodec({ active: k1, decryptOnly: [k2] }).decode([relabelled])).rejects.toMatchObject({ code: 'CODEC_DECRYPT_FAILED' });
  });

  it('refuses keys that are not 32 bytes and ids listed twice', () => {
    expect(() => new EncryptionCodec({ active: { id: 'k', key: randomBytes(16) } })).toThrow(/32 bytes, got 16/);
    expect(() => new EncryptionCodec({ active: k1, decryptOnly: [{ id: 'k1', key: randomBytes(32) }] })).toThrow(/listed twice/);
  });

  it('the JSON form of the codec server round-trips payloads', () => {
    const p = plain({ a: 1 });
    expect(payloadFromJson(payloadToJson(p))).toEqual({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(p.data!) });
  });
});

describe('keys from the configuration', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mr-codec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the active key from an environment variable and decrypt-only keys from files (hex or base64)', async () => {
    const file = path.join(dir, 'old.key');
    writeFileSync(file, `${k1.key.toString('hex')}\n`);
    const config = parseConfig({
      clusters: { default: { masters: ['http://127.0.0.1:5050'] } },
      temporal: { encryption: { keyId: 'k2', key: { env: 'TEST_KEY' }, decryptOnlyKeys: [{ keyId: 'k1', key: { file } }] } },
    });
    const codec = codecFromConfig(config.temporal.encryption, { TEST_KEY: k2.key.toString('base64') })!;
    expect(codec.activeKeyId).toBe('k2');
    const old = await new EncryptionCodec({ active: k1 }).encode([plain('old')]);
    expect(defaultPayloadConverter.fromPayload((await codec.decode(old))[0])).toBe('old');
  });

  it('names the field and the reference, never the value, when a key is missing or malformed', () => {
    const encryption = parseConfig({ clusters: { default: { masters: ['http://127.0.0.1:5050'] } }, temporal: { encryption: { keyId: 'k1', key: { env: 'TEST_KEY' } } } }).temporal.encryption;
    expect(() => codecFromConfig(encryption, {})).toThrow('temporal.encryption.key: secret: environment variable TEST_KEY is unset or empty');
    const secretish = 'not-a-key-but-secret-looking';
    let message = '';
    try {
      codecFromConfig(encryption, { TEST_KEY: secretish });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^temporal\.encryption\.key \(env TEST_KEY\): an AES-256 key is 32 bytes/);
    expect(message).not.toContain(secretish);
    expect(() => parseKey('ab'.repeat(31), 'k')).toThrow(/32 bytes/);
  });

  it('validates the encryption settings with every problem by path', () => {
    expect(() =>
      parseConfig({
        clusters: { default: { masters: ['http://127.0.0.1:5050'] } },
        temporal: { encryption: { keyId: 'k 1', key: { env: '' }, decryptOnlyKeys: [{ keyId: 'k2', key: { env: 'A' } }, { keyId: 'k2', key: { file: '/x' } }] } },
      }),
    ).toThrow(/temporal\.encryption\.keyId: a key id is 1-64 letters[\s\S]*temporal\.encryption\.key[\s\S]*temporal\.encryption\.decryptOnlyKeys\.1\.keyId: key id 'k2' is listed twice/);
  });
});
