import { isIP } from 'node:net';
import { z } from 'zod';
import {
  DEFAULT_BOUNTY_CREATES_PER_CLIENT,
  DEFAULT_ROUTE_LIMITS,
  GATED_ROUTES,
  GateLimitsSchema,
  RateLimitSchema,
} from '../../api/rate-limit';
import type { RateLimit, RouteLimits } from '../../api/rate-limit';

const RouteOverride = z
  .object({
    challengesPerClient: RateLimitSchema.optional(),
    usesPerToken: RateLimitSchema.optional(),
    reuseChallengeSeconds: GateLimitsSchema.shape.reuseChallengeSeconds.optional(),
    challengeExpirySeconds: GateLimitsSchema.shape.challengeExpirySeconds,
  })
  .strict();

/** An environment variable that holds JSON; `fallback` when it is unset. */
const json = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    });

const RateLimitEnv = z.object({
  /**
   * JSON: per gated route (`bounty:baseline`, `bounty:submit`, `training:checkpoint`, `training:gradient`), any of
   * `challengesPerClient` / `usesPerToken` (`{ burst, perMinute }`), `reuseChallengeSeconds` and
   * `challengeExpirySeconds`; the rest default.
   */
  L402_RATE_LIMITS: json('{}').pipe(z.partialRecord(z.enum(GATED_ROUTES), RouteOverride)),
  /** JSON `{ burst, perMinute }`: bounties (workflows with a funding invoice) one client may create. */
  L402_BOUNTY_CREATES_PER_CLIENT: json(JSON.stringify(DEFAULT_BOUNTY_CREATES_PER_CLIENT)).pipe(
    RateLimitSchema,
  ),
  /**
   * Proxies whose `X-Forwarded-For` is believed (comma-separated IPs, or `loopback`); unset: none, and the client of
   * a request is the socket's peer address. Set it only when the API sits behind a proxy you run.
   */
  L402_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().refine((entry) => entry === 'loopback' || isIP(entry) !== 0, 'an IP or "loopback"')),
    ),
});

export interface RateLimitConfig {
  routes: RouteLimits;
  bountyCreatesPerClient: RateLimit;
  /** Express `trust proxy`: false, or the proxies named. */
  trustProxy: false | string[];
}

/** Rate limits of the paid routes and the trusted proxies, from the environment. */
export function loadRateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  const parsed = RateLimitEnv.parse(env);
  const routes = Object.fromEntries(
    GATED_ROUTES.map((route) => [
      route,
      { ...DEFAULT_ROUTE_LIMITS[route], ...parsed.L402_RATE_LIMITS[route] },
    ]),
  ) as RouteLimits;
  return {
    routes,
    bountyCreatesPerClient: parsed.L402_BOUNTY_CREATES_PER_CLIENT,
    trustProxy: parsed.L402_TRUSTED_PROXIES.length === 0 ? false : parsed.L402_TRUSTED_PROXIES,
  };
}
