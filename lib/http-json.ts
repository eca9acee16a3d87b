import { call, jsonRequest, ok } from './l402-client';

/** fetch + JSON for our API: a non-2xx answer becomes an L402TrainError with the server's code and hint. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  return ok(await call<T>(url, init));
}

export function sendJson<T>(url: string, method: 'POST' | 'PUT', body: unknown): Promise<T> {
  return requestJson<T>(url, jsonRequest(method, body));
}
