import type { L402Challenge } from './errors';

/** A challenge as the gate minted it, with the id of the token its macaroon carries. */
export interface IssuedChallenge extends L402Challenge {
  tokenId: string;
}

interface Entry {
  challenge: Promise<IssuedChallenge>;
  untilMs: number;
  tokenId?: string;
}

/**
 * Challenges recently issued by one gate, by what they priced (client, resource, price, body): the same request
 * asked again within the window gets the same invoice and macaroon instead of a new invoice and workflow.
 * Concurrent identical requests share one mint (look up and remember with no await in between). Bounded: the
 * oldest entry goes first; an entry is dropped once its token is used, since its invoice is then paid.
 */
export class ChallengeCache {
  readonly #entries = new Map<string, Entry>();
  readonly #keyOfToken = new Map<string, string>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  lookup(key: string): Promise<IssuedChallenge> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.untilMs > this.now()) return entry.challenge;
    this.#drop(key);
    return undefined;
  }

  remember(key: string, challenge: Promise<IssuedChallenge>): void {
    if (this.windowMs === 0) return;
    this.#drop(key);
    const entry: Entry = { challenge, untilMs: this.now() + this.windowMs };
    this.#entries.set(key, entry);
    challenge.then(
      ({ tokenId }) => {
        if (this.#entries.get(key) !== entry) return;
        entry.tokenId = tokenId;
        this.#keyOfToken.set(tokenId, key);
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    if (this.#entries.size > this.maxEntries) this.#drop(this.#entries.keys().next().value as string);
  }

  forgetToken(tokenId: string): void {
    const key = this.#keyOfToken.get(tokenId);
    if (key !== undefined) this.#drop(key);
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.tokenId !== undefined) this.#keyOfToken.delete(entry.tokenId);
  }
}
