import type { Request } from 'express';
import { z } from 'zod';
import { L402TrainError } from '../domain/l402-train-error';

/** One token bucket's shape: `burst` requests at once, refilled at `perMinute`. */
export const RateLimitSchema = z
  .object({
    burst: z.number().int().min(1).max(100_000),
    perMinute: z.number().int().min(1).max(1_000_000),
  })
  .strict();
export type RateLimit = z.output<typeof RateLimitSchema>;

/** How long an unpaid challenge's invoice (and the workflow waiting on it) lives, unless a route says otherwise. */
export const DEFAULT_CHALLENGE_EXPIRY_SECONDS = 600;

/**
 * The limits of one L402 gate (H5): challenges minted per client IP, authenticated uses per token id, how long
 * a client asking again for the same thing (same route, resource, price and body) gets the same invoice back, and
 * how long an unpaid challenge lives (so the live unpaid workflows are at most the mint rate times this).
 */
export const GateLimitsSchema = z
  .object({
    challengesPerClient: RateLimitSchema,
    usesPerToken: RateLimitSchema,
    reuseChallengeSeconds: z.number().int().min(0).max(3_600),
    challengeExpirySeconds: z.number().int().min(10).max(86_400).optional(),
  })
  .strict();
export type GateLimits = z.output<typeof GateLimitsSchema>;

/** Generous enough for honest clients sharing an address, tight enough that a flood mints few invoices. */
export const DEFAULT_GATE_LIMITS: GateLimits = {
  challengesPerClient: { burst: 30, perMinute: 120 },
  usesPerToken: { burst: 60, perMinute: 600 },
  reuseChallengeSeconds: 60,
};

/** 429 `RATE_LIMITED` with `Retry-After` (whole seconds). */
export class RateLimitedError extends L402TrainError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(what: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', `too many ${what}`, `Retry after ${retryAfterSeconds} s.`);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/**
 * The client a request is counted against: Express's `req.ip`, which is the socket's peer address unless the
 * app's `trust proxy` setting names the proxy in front (only then is `X-Forwarded-For` believed).
 */
export function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Bounty workflows (each with a funding invoice) one client may start: free to ask, so counted. */
export const DEFAULT_BOUNTY_CREATES_PER_CLIENT: RateLimit = { burst: 10, perMinute: 20 };

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * Token buckets by key, in this process (each API replica limits on its own). At most `maxKeys` keys are kept; the
 * least recently used is dropped first, so memory stays bounded whatever keys a flood invents.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {
    this.#perMs = limit.perMinute / 60_000;
  }

  /** Takes one token for `key`: null when granted, else the whole seconds until one is due. */
  take(key: string): number | null {
    const nowMs = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.limit.burst, atMs: nowMs };
    this.#buckets.delete(key);
    const tokens = Math.min(this.limit.burst, bucket.tokens + (nowMs - bucket.atMs) * this.#perMs);
    const granted = tokens >= 1;
    this.#buckets.set(key, { tokens: granted ? tokens - 1 : tokens, atMs: nowMs });
    if (this.#buckets.size > this.maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
    return granted ? null : Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000));
  }
}

/** The gated routes, by their gate's `service:capability`: each has its own limits. */
export const GATED_ROUTES = [
  'bounty:baseline',
  'bounty:submit',
  'training:checkpoint',
  'training:gradient',
] as const;
export type GatedRoute = (typeof GATED_ROUTES)[number];
export type RouteLimits = Record<GatedRoute, GateLimits>;

export const DEFAULT_ROUTE_LIMITS: RouteLimits = Object.fromEntries(
  GATED_ROUTES.map((route) => [route, DEFAULT_GATE_LIMITS]),
) as RouteLimits;
