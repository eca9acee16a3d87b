/** The durable stores the API is given (its L402 gate and idempotency router), implemented in db/repos. */

/**
 * Root keys, one per token: minting a token creates a fresh key under its token id, so keys
 * rotate with every token and revoking one token touches no other. Implementations must never
 * log key material.
 */
export interface RootKeyStore {
  /** Creates, stores and returns a fresh random root key for a new token id. */
  create(tokenId: string): Promise<Buffer>;
  /** The key of a live token; null when the token id is unknown or revoked. */
  get(tokenId: string): Promise<Buffer | null>;
  /** Revokes a token for good: later `get`s return null. */
  revoke(tokenId: string): Promise<void>;
}

/**
 * Spend records for tokens that pay for one job. The real implementation inserts a row under a
 * unique key `(tokenId, scope)`, so of any number of concurrent calls exactly one returns true.
 */
export interface TokenSpends {
  /** Marks the token spent for `scope`; true the first time only. */
  consumeOnce(tokenId: string, scope: string): Promise<boolean>;
}

/** What a key holds when a request presents it. */
export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'answered'; requestHash: string; status: number; body: unknown }
  | { kind: 'in-flight'; requestHash: string };

/** Durable: the first answer must outlive the process that gave it (a repeat may reach another replica). */
export interface IdempotencyStore {
  claim(scope: string, key: string, requestHash: string, leaseMs: number): Promise<IdempotencyClaim>;
  complete(scope: string, key: string, status: number, body: unknown): Promise<void>;
  /** Forgets an unanswered claim, so a repeat runs again (a refusal or a 402 is not a first answer). */
  release(scope: string, key: string): Promise<void>;
  /** Forgets every key first presented before `before`; returns how many. */
  sweep(before: Date): Promise<number>;
}
