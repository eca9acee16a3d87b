import { L402TrainError } from './errors';

/** fetch + JSON for our API: a non-2xx answer becomes an L402TrainError with the server's code and hint. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T & { error?: { code: string; message: string; hint?: string } };
  if (!response.ok) {
    throw new L402TrainError(
      body.error?.code ?? 'HTTP_ERROR',
      body.error?.message ?? `HTTP ${response.status}`,
      response.status,
      body.error?.hint,
    );
  }
  return body;
}

export function sendJson<T>(url: string, method: 'POST' | 'PUT', body: unknown): Promise<T> {
  return requestJson<T>(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
