import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { codecKeysSchema } from '../../temporal-config/codec';

const SecretsSchema = z.object({
  preimageSecret: z.string().regex(/^[0-9a-f]{64}$/, 'preimageSecret is 32 bytes of hex'),
  codec: z.object({ currentKeyId: z.string(), keys: z.record(z.string(), z.string()) }),
});

export interface CoordinatorSecrets {
  preimageSecret: Buffer;
  codecKeys: z.input<typeof codecKeysSchema>;
}

/**
 * The coordinator's secrets: from L402_SECRETS_FILE, or generated once into the data dir (mode 0600) for the
 * embedded default. Losing them loses the ability to settle open escrows, so they are never regenerated.
 */
export function loadSecrets(file: string): CoordinatorSecrets {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const keyId = `k${Date.now().toString(36)}`;
    const fresh = {
      preimageSecret: randomBytes(32).toString('hex'),
      codec: { currentKeyId: keyId, keys: { [keyId]: randomBytes(32).toString('base64') } },
    };
    writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600, flag: 'wx' });
  }
  const parsed = SecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  return { preimageSecret: Buffer.from(parsed.preimageSecret, 'hex'), codecKeys: parsed.codec };
}
