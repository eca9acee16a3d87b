import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_ROUTE_LIMITS, GATED_ROUTES, GateLimitsSchema, RateLimitSchema } from '../../api/rate-limit';
import type { RouteLimits } from '../../api/rate-limit';

const RouteOverride = z
  .object({
    challengesPerClient: RateLimitSchema.optional(),
    usesPerToken: RateLimitSchema.optional(),
    reuseChallengeSeconds: GateLimitsSchema.shape.reuseChallengeSeconds.optional(),
    challengeExpirySeconds: GateLimitsSchema.shape.challengeExpirySeconds,
  })
  .strict();

const RateLimitEnv = z.object({
  /**
   * JSON: per gated route (`bounty:baseline`, `bounty:submit`, `training:checkpoint`, `training:gradient`), any of
   * `challengesPerClient` / `usesPerToken` (`{ burst, perMinute }`), `reuseChallengeSeconds` and
   * `challengeExpirySeconds`; the rest default.
   */
  L402_RATE_LIMITS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.partialRecord(z.enum(GATED_ROUTES), RouteOverride)),
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
    trustProxy: parsed.L402_TRUSTED_PROXIES.length === 0 ? false : parsed.L402_TRUSTED_PROXIES,
  };
}
