import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';

import { L402TrainError } from '../domain/l402-train-error';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const ENCRYPTION_KEY_ID_KEY = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Binds the ciphertext to its format version and key id, so a relabelled payload fails authentication. */
const AAD_LABEL = 'l402-train/temporal-payload/v1:';

const keyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'key ids are 1-64 of [A-Za-z0-9._-]');

const keySchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'keys are standard base64')
  .transform((encoded) => Buffer.from(encoded, 'base64'))
  .refine((key) => key.length === KEY_BYTES, `keys are ${KEY_BYTES} bytes`);

/**
 * Codec keys as configured: `keys` maps key ids to base64 32-byte keys; `currentKeyId` encrypts,
 * every listed id decrypts. Rotate by adding a new key, making it current, and removing the old
 * one only once no open history holds payloads encrypted with it.
 *
 * @example { currentKeyId: '2026-11', keys: { '2026-11': '<base64>', '2026-05': '<base64>' } }
 */
export const codecKeysSchema = z
  .object({ currentKeyId: keyIdSchema, keys: z.record(keyIdSchema, keySchema) })
  .strict()
  .refine((config) => Object.hasOwn(config.keys, config.currentKeyId), {
    message: 'currentKeyId must be one of keys',
    path: ['currentKeyId'],
  });

export type CodecKeys = z.output<typeof codecKeysSchema>;

export type CodecErrorCode = 'CODEC_CONFIG_INVALID' | 'CODEC_UNKNOWN_KEY' | 'CODEC_TAMPERED';

export class CodecError extends L402TrainError {
  constructor(
    override readonly code: CodecErrorCode,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint);
  }
}

/**
 * Encrypts every payload with AES-256-GCM (`encoding: binary/encrypted`, `encryption-key-id: <id>`,
 * data = 12-byte random nonce ‖ ciphertext ‖ 16-byte tag over the serialised original payload).
 * Decoding passes through payloads that were never encrypted (histories from before the codec)
 * and fails loudly on an unknown key id or a payload that does not authenticate.
 * Random 96-bit nonces are safe for about 2³² payloads per key: rotate well before that.
 */
export class EncryptionCodec implements PayloadCodec {
  readonly #currentKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(keys: CodecKeys) {
    this.#currentKeyId = keys.currentKeyId;
    this.#keys = new Map(Object.entries(keys.keys));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#decrypt(payload));
  }

  #encrypt(payload: Payload): Payload {
    const keyId = this.#currentKeyId;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(CIPHER, this.#key(keyId), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(AAD_LABEL + keyId, 'utf8'));
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [ENCRYPTION_KEY_ID_KEY]: Buffer.from(keyId, 'utf8'),
      },
      data: Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]),
    };
  }

  #decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) {
      return payload;
    }
    const rawKeyId = payload.metadata?.[ENCRYPTION_KEY_ID_KEY];
    if (!rawKeyId) {
      throw new CodecError('CODEC_TAMPERED', `encrypted payload without ${ENCRYPTION_KEY_ID_KEY}`);
    }
    const keyId = Buffer.from(rawKeyId).toString('utf8');
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new CodecError('CODEC_TAMPERED', 'encrypted payload is too short');
    }
    const decipher = createDecipheriv(CIPHER, this.#key(keyId), data.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(AAD_LABEL + keyId, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new CodecError('CODEC_TAMPERED', `encrypted payload (key ${keyId}) failed authentication`);
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }

  #key(keyId: string): Buffer {
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new CodecError(
        'CODEC_UNKNOWN_KEY',
        `no payload key with id ${JSON.stringify(keyId)}`,
        'Add the key that encrypted this history to the codec keys (keep retired keys while histories use them).',
      );
    }
    return key;
  }
}

/**
 * Builds the codec from untrusted configuration (parsed with {@link codecKeysSchema}).
 *
 * @example const dataConverter = { payloadCodecs: [createEncryptionCodec(config.payloadKeys)] };
 * @throws CodecError CODEC_CONFIG_INVALID naming the bad field (never the key material)
 */
export function createEncryptionCodec(config: unknown): EncryptionCodec {
  const parsed = codecKeysSchema.safeParse(config);
  if (!parsed.success) {
    throw new CodecError(
      'CODEC_CONFIG_INVALID',
      `invalid payload codec keys: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return new EncryptionCodec(parsed.data);
}
