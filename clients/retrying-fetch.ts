import { setTimeout as sleep } from 'node:timers/promises';

/** How a client call is repeated: bounded attempts, capped exponential backoff with full jitter. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One attempt (connect, headers and body) longer than this is abandoned and counts as a timeout. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  attemptTimeoutMs: 60_000,
};

/**
 * How long this client keeps an idle connection for reuse (Node's fetch default). The server's keep-alive must
 * outlast it, or the server closes a socket the client is about to reuse and the request meets a reset.
 */
export const CLIENT_IDLE_TIMEOUT_MS = 4_000;

/** Socket-level failures after which the same request may simply be sent again. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Answers that say "not now, try again after Retry-After" (busy, rate-limited, the same key still in flight). */
const RETRY_AFTER_STATUSES = new Set([409, 429, 503]);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** By shape, not `instanceof`: fetch's errors may come from another realm (a VM context, a worker). */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code, cause } = err as { name?: string; code?: string; cause?: { code?: string } };
  if (name === 'TimeoutError') return true; // our own per-attempt deadline
  const transient = code ?? cause?.code;
  return transient !== undefined && TRANSIENT_CODES.has(transient);
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Full jitter: a uniform delay up to the capped exponential step, so clients hit by one reset spread out. */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

/** A call may be repeated when repeating it cannot do the work twice: a safe method, or one carrying a key. */
export function isRepeatable(init: RequestInit): boolean {
  const method = (init.method ?? 'GET').toUpperCase();
  return SAFE_METHODS.has(method) || new Headers(init.headers).has('idempotency-key');
}

/**
 * fetch, then `read` the response, repeated on connection resets, timeouts and "retry after" answers when the
 * call is repeatable (see `isRepeatable`); otherwise exactly one attempt. The last answer or error is returned.
 */
export async function fetchWithRetry<T>(
  url: string,
  init: RequestInit,
  read: (response: Response) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const repeatable = isRepeatable(init);
  for (let attempt = 0; ; attempt += 1) {
    const last = !repeatable || attempt + 1 >= policy.attempts;
    const signal = init.signal
      ? AbortSignal.any([init.signal, AbortSignal.timeout(policy.attemptTimeoutMs)])
      : AbortSignal.timeout(policy.attemptTimeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal });
      const wait = RETRY_AFTER_STATUSES.has(response.status)
        ? retryAfterMs(response.headers.get('retry-after'))
        : null;
      if (wait === null || last) return await read(response);
      await response.body?.cancel();
      await sleep(Math.min(policy.maxDelayMs, Math.max(wait, backoffMs(policy, attempt))));
    } catch (err) {
      if (last || !isTransient(err) || init.signal?.aborted) throw err;
      await sleep(backoffMs(policy, attempt));
    }
  }
}
