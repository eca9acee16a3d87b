import { call, jsonRequest, newIdempotencyKey, ok } from './l402-client';

/** fetch + JSON for our API: a non-2xx answer becomes a ServerAnswerError with the server's code and hint. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  return ok(await call<T>(url, init));
}

/** A POST or PUT under a fresh idempotency key, so it is safely repeated after a reset or a busy answer. */
export function sendJson<T>(url: string, method: 'POST' | 'PUT', body: unknown): Promise<T> {
  return requestJson<T>(url, jsonRequest(method, body, undefined, newIdempotencyKey()));
}
