import { payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { randomUUID } from 'node:crypto';
import type { RetryPolicy } from './retrying-fetch';
import { fetchWithRetry } from './retrying-fetch';

/** The L402 challenge as a client reads it from `WWW-Authenticate`: what to present and what to pay. */
export interface ReceivedChallenge {
  macaroon: string;
  invoice: string;
}

/** An API answer as it came: status, JSON body and, on a 402, the L402 challenge. */
export interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; hint?: string } };
  challenge: ReceivedChallenge | null;
}

/**
 * One API call. A GET, or a call carrying an `Idempotency-Key`, is repeated on connection resets, timeouts and
 * "retry after" answers (bounded, jittered backoff); any other call is sent once.
 */
export function call<T>(url: string, init: RequestInit = {}, policy?: RetryPolicy): Promise<Answer<T>> {
  return fetchWithRetry(
    url,
    init,
    async (response) => {
      const body = (await response.json()) as Answer<T>['body'];
      const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(
        response.headers.get('www-authenticate') ?? '',
      );
      return {
        status: response.status,
        body,
        challenge: match ? { macaroon: match[1] as string, invoice: match[2] as string } : null,
      };
    },
    policy,
  );
}

/** A coordinator's refusal as it answered: its code (any server version's), HTTP status and hint. */
export class ServerAnswerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ServerAnswerError';
  }
}

/** The body of a 2xx answer; anything else becomes a ServerAnswerError with the server's code and hint. */
export function ok<T>(answer: Answer<T>): T {
  if (answer.status >= 400) {
    const error = answer.body.error;
    throw new ServerAnswerError(
      error?.code ?? 'HTTP_ERROR',
      error?.message ?? `HTTP ${answer.status}`,
      answer.status,
      error?.hint,
    );
  }
  return answer.body;
}

/** A fresh key for one logical non-idempotent call: every repeat of that call (and its paid retry) reuses it. */
export const newIdempotencyKey = (): string => randomUUID();

/**
 * A JSON request. With an idempotency key the server answers a repeat with its first answer, so the call may be
 * retried after a reset; give every repeat of the same logical call the same key.
 */
export const jsonRequest = (
  method: 'POST' | 'PUT',
  body: unknown,
  authorization?: string,
  idempotencyKey?: string,
): RequestInit => ({
  method,
  headers: {
    'content-type': 'application/json',
    ...(authorization ? { authorization } : {}),
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  },
  body: JSON.stringify(body),
});

/** Pays an access-fee challenge from our node; returns the Authorization header that opens the route. */
export async function payAccessFee(lnd: AuthenticatedLnd, challenge: ReceivedChallenge): Promise<string> {
  const { secret } = await payViaPaymentRequest({ lnd, request: challenge.invoice });
  return `L402 ${challenge.macaroon}:${secret}`;
}

/**
 * Pays a stake challenge (a hold invoice) from our node and repeats the request with the macaroon until the
 * coordinator sees the payment held. The payment itself resolves only when the stake is settled (forfeit) or
 * cancelled (refund), so it is not awaited.
 */
export async function payStakeAndRetry<T>(
  lnd: AuthenticatedLnd,
  challenge: ReceivedChallenge,
  retry: (authorization: string) => Promise<Answer<T>>,
  pollMs: number,
): Promise<Answer<T>> {
  payViaPaymentRequest({ lnd, request: challenge.invoice }).catch(() => undefined);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const answer = await retry(`L402 ${challenge.macaroon}`);
    if (answer.status !== 401 || answer.body.error?.code !== 'L402_NOT_PAID') return answer;
  }
}
