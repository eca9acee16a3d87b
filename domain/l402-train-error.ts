import { type ErrorCode, ERROR_CATALOGUE } from './errors';

/**
 * Base of every domain error: a stable code from the catalogue (which gives its HTTP status and whether a retry
 * can fix it) and a hint for the caller, the catalogue's unless the raise knows better.
 */
export class L402TrainError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly hint?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
    const meaning = ERROR_CATALOGUE[code];
    this.status = meaning.status;
    this.retryable = meaning.retryable;
    const shown = hint ?? ('hint' in meaning ? meaning.hint : undefined);
    if (shown) this.hint = shown;
  }
}
