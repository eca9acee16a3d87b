import { randomBytes } from 'node:crypto';

import type { RootKeyStore, TokenSpends } from '../../db/stores';

/** Root keys in process memory, for tests and the single-process dev mode. Keys sit in a private field so inspecting the store shows none. */
export class InMemoryRootKeyStore implements RootKeyStore {
  readonly #keys = new Map<string, Buffer>();

  async create(tokenId: string): Promise<Buffer> {
    if (this.#keys.has(tokenId)) {
      throw new Error(`token id ${tokenId} already has a root key`);
    }
    const key = randomBytes(32);
    this.#keys.set(tokenId, key);
    return key;
  }

  async get(tokenId: string): Promise<Buffer | null> {
    return this.#keys.get(tokenId) ?? null;
  }

  async revoke(tokenId: string): Promise<void> {
    this.#keys.delete(tokenId);
  }
}

/** Spend records in process memory: check-and-insert runs without an await in between, so it is atomic. */
export class InMemoryTokenSpends implements TokenSpends {
  readonly #spent = new Set<string>();

  async consumeOnce(tokenId: string, scope: string): Promise<boolean> {
    const key = `${scope}\n${tokenId}`;
    if (this.#spent.has(key)) return false;
    this.#spent.add(key);
    return true;
  }
}
