import { payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { L402TrainError } from './errors';

export interface L402Challenge {
  macaroon: string;
  invoice: string;
}

/** An API answer as it came: status, JSON body and, on a 402, the L402 challenge. */
export interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; hint?: string } };
  challenge: L402Challenge | null;
}

export async function call<T>(url: string, init: RequestInit = {}): Promise<Answer<T>> {
  const response = await fetch(url, init);
  const body = (await response.json()) as Answer<T>['body'];
  const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(
    response.headers.get('www-authenticate') ?? '',
  );
  return {
    status: response.status,
    body,
    challenge: match ? { macaroon: match[1] as string, invoice: match[2] as string } : null,
  };
}

/** The body of a 2xx answer; anything else becomes an L402TrainError with the server's code and hint. */
export function ok<T>(answer: Answer<T>): T {
  if (answer.status >= 400) {
    const error = answer.body.error;
    throw new L402TrainError(
      error?.code ?? 'HTTP_ERROR',
      error?.message ?? `HTTP ${answer.status}`,
      answer.status,
      error?.hint,
    );
  }
  return answer.body;
}

export const jsonRequest = (method: 'POST' | 'PUT', body: unknown, authorization?: string): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body: JSON.stringify(body),
});

/** Pays an access-fee challenge from our node; returns the Authorization header that opens the route. */
export async function payAccessFee(lnd: AuthenticatedLnd, challenge: L402Challenge): Promise<string> {
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
  challenge: L402Challenge,
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
