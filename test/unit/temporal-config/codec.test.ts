import { randomBytes } from 'node:crypto';

import { defaultPayloadConverter, type Payload } from '@temporalio/common';

import {
  CodecError,
  ENCRYPTED_ENCODING,
  ENCRYPTION_KEY_ID_KEY,
  createEncryptionCodec,
} from '../../../temporal-config/codec';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const secret = 'preimage-4f1c2a9e7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90';

const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload!);
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  const codec = createEncryptionCodec({ currentKeyId: 'k1', keys: { k1: oldKey } });

  it('round-trips values of every shape', async () => {
    const values = [
      { submissionId: 'sub-1', preimage: secret },
      'text',
      42,
      null,
      [1, 2, 3],
      new Uint8Array([1, 2]),
    ];
    const encoded = await codec.encode(values.map(toPayload));
    const decoded = await codec.decode(encoded);
    expect(decoded.map(fromPayload)).toEqual(values);
  });

  it('marks payloads as encrypted with the key id and hides the plaintext', async () => {
    const [encoded] = await codec.encode([toPayload({ preimage: secret })]);
    expect(text(encoded!.metadata!['encoding'])).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![ENCRYPTION_KEY_ID_KEY])).toBe('k1');
    const wire = Buffer.concat([...Object.values(encoded!.metadata!), encoded!.data!]);
    expect(wire.includes(Buffer.from(secret))).toBe(false);
    expect(wire.includes(Buffer.from('json/plain'))).toBe(false);
  });

  it('uses a fresh nonce for every payload', async () => {
    const [a, b] = await codec.encode([toPayload(secret), toPayload(secret)]);
    expect(Buffer.from(a!.data!)).not.toEqual(Buffer.from(b!.data!));
  });

  it.each([
    ['a flipped ciphertext byte', (p: Payload) => ({ ...p, data: flip(p.data!, 14) })],
    ['a flipped nonce byte', (p: Payload) => ({ ...p, data: flip(p.data!, 0) })],
    ['a flipped tag byte', (p: Payload) => ({ ...p, data: flip(p.data!, p.data!.length - 1) })],
    ['a truncated body', (p: Payload) => ({ ...p, data: p.data!.subarray(0, 20) })],
    ['a missing key id', (p: Payload) => ({ ...p, metadata: { encoding: p.metadata!['encoding']! } })],
  ])('detects tampering: %s', async (_label, tamper) => {
    const [encoded] = await codec.encode([toPayload({ preimage: secret })]);
    await expect(codec.decode([tamper(encoded!)])).rejects.toMatchObject({ code: 'CODEC_TAMPERED' });
  });

  it('detects a payload relabelled with another known key id', async () => {
    const both = createEncryptionCodec({ currentKeyId: 'k1', keys: { k1: oldKey, k2: oldKey } });
    const [encoded] = await both.encode([toPayload(secret)]);
    const relabelled = {
      ...encoded!,
      metadata: { ...encoded!.metadata, [ENCRYPTION_KEY_ID_KEY]: Buffer.from('k2') },
    };
    await expect(both.decode([relabelled])).rejects.toMatchObject({ code: 'CODEC_TAMPERED' });
  });

  it('rotates: encodes with the current key and decodes with any known one', async () => {
    const [old] = await codec.encode([toPayload('before rotation')]);
    const rotated = createEncryptionCodec({ currentKeyId: 'k2', keys: { k1: oldKey, k2: newKey } });
    const [fresh] = await rotated.encode([toPayload('after rotation')]);
    expect(text(fresh!.metadata![ENCRYPTION_KEY_ID_KEY])).toBe('k2');
    expect((await rotated.decode([old!, fresh!])).map(fromPayload)).toEqual([
      'before rotation',
      'after rotation',
    ]);
  });

  it('fails loudly on an unknown key id', async () => {
    const retired = createEncryptionCodec({ currentKeyId: 'k2', keys: { k2: newKey } });
    const [old] = await codec.encode([toPayload('x')]);
    const failure = retired.decode([old!]);
    await expect(failure).rejects.toBeInstanceOf(CodecError);
    await expect(failure).rejects.toMatchObject({ code: 'CODEC_UNKNOWN_KEY', hint: expect.any(String) });
  });

  it('passes through payloads that were never encrypted', async () => {
    const plain = toPayload({ legacy: true });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it.each([
    [{ currentKeyId: 'k9', keys: { k1: oldKey } }, 'currentKeyId'],
    [{ currentKeyId: 'k1', keys: { k1: randomBytes(16).toString('base64') } }, '32 bytes'],
    [{ currentKeyId: 'k1', keys: { k1: 'not base64!' } }, 'base64'],
    [{ currentKeyId: 'bad id', keys: { 'bad id': oldKey } }, 'key ids'],
    [{ currentKeyId: 'k1' }, 'keys'],
  ])('rejects configuration %#, naming %s without echoing key material', (config, message) => {
    expect(() => createEncryptionCodec(config)).toThrow(
      expect.objectContaining({ code: 'CODEC_CONFIG_INVALID' }),
    );
    expect(() => createEncryptionCodec(config)).toThrow(message);
    expect(() => createEncryptionCodec(config)).not.toThrow(oldKey);
  });
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}
