import { timingSafeEqual } from 'node:crypto';

import type { Request } from 'express';
import { z } from 'zod';

import { MAX_SATS } from '../../domain/money/sats';
import { paymentHashOf } from '../../domain/money/preimages';
import {
  DEFAULT_CHALLENGE_EXPIRY_SECONDS,
  DEFAULT_GATE_LIMITS,
  GateLimitsSchema,
  RateLimitedError,
  TokenBuckets,
  clientOf,
} from '../rate-limit';
import type { GateLimits } from '../rate-limit';
import { NAME_PATTERN, RESOURCE_PATTERN } from './caveats';
import { ChallengeCache } from './challenge-cache';
import type { IssuedChallenge } from './challenge-cache';
import { L402ConfigError, L402PaymentRequiredError, L402RejectedError } from './errors';
import { parseAuthorization, type L402Credentials } from './header';
import { mintToken, verifyToken } from './token';
import type { RootKeyStore, TokenSpends } from '../../db/stores';
import type { HoldInvoiceIssuer, InvoiceIssuer, IssuedInvoice, VerifiedL402 } from './types';

const settingsSchema = z.object({
  service: z.string().regex(NAME_PATTERN),
  capability: z.string().regex(NAME_PATTERN),
  tier: z.number().int().min(0).max(999_999_999),
  ttlSeconds: z.number().int().min(1),
  invoiceExpirySeconds: z.number().int().min(1),
  memo: z.string().max(639),
  limits: GateLimitsSchema,
});

const priceSchema = z.number().int().min(1).max(MAX_SATS);

interface GateSettings {
  /** Service name in the `services` caveat, e.g. `bounty`. */
  service: string;
  /** Capability this route needs, e.g. `baseline`; give each gated route its own. */
  capability: string;
  /** Service tier in the `services` caveat; default 0. */
  tier?: number;
  /** Rate limits and challenge reuse; default {@link DEFAULT_GATE_LIMITS}. */
  limits?: GateLimits;
  /** How long a minted token stays valid. */
  ttlSeconds: number;
  /** Invoice memo; default `<service> <capability>`. */
  memo?: string;
  rootKeys: RootKeyStore;
  /** Clock in ms since epoch; default `Date.now`. */
  now?: () => number;
}

/** What one request is priced as: the token names all of it, and the gate checks it against the request. */
export interface L402Price {
  /** Whole sats, 1 or more. */
  sats: number;
  /**
   * The resource the request is for (bounty id, run id): minted into the token, which then opens that resource
   * only (403 `L402_WRONG_RESOURCE` elsewhere). None: the gate guards no particular resource.
   */
  resource?: string;
  /**
   * sha256 (hex) of the request's canonical body, for tokens bound to the body that priced them (stakes): another
   * body with the token is refused with 403 `L402_WRONG_BODY`.
   */
  bodySha256?: string;
}

/** An L402 gate: admits a request priced by its route, or refuses it with a challenge or a rejection. */
export interface L402Gate {
  /**
   * Without L402 credentials: mints an invoice and a macaroon bound to its payment hash and throws
   * `L402PaymentRequiredError` (402 plus `WWW-Authenticate`); with bad ones throws `L402RejectedError`; with good
   * ones answers the verified token. `once` and `hold` tokens are spent (per `service:capability`) here.
   *
   * @throws L402ConfigError when the price or resource is out of bounds (a route's bug, not the client's)
   */
  admit(req: Request, price: L402Price): Promise<VerifiedL402>;
}

/** Options of {@link l402Gate}; the mode decides which dependencies are needed. */
export type L402GateOptions = GateSettings &
  (
    | { mode: 'reusable'; invoices: InvoiceIssuer }
    | { mode: 'once'; invoices: InvoiceIssuer; spends: TokenSpends }
    | { mode: 'hold'; invoices: HoldInvoiceIssuer; spends: TokenSpends }
  );

/**
 * An L402 gate for one route. See {@link L402Mode} for the token semantics of each mode.
 *
 * @throws L402ConfigError at construction when the settings are invalid
 */
export function l402Gate(options: L402GateOptions): L402Gate {
  const parsed = settingsSchema.safeParse({
    service: options.service,
    capability: options.capability,
    tier: options.tier ?? 0,
    ttlSeconds: options.ttlSeconds,
    invoiceExpirySeconds: options.limits?.challengeExpirySeconds ?? DEFAULT_CHALLENGE_EXPIRY_SECONDS,
    memo: options.memo ?? `${options.service} ${options.capability}`,
    limits: options.limits ?? DEFAULT_GATE_LIMITS,
  });
  if (!parsed.success) {
    throw new L402ConfigError(`invalid l402Gate settings: ${z.prettifyError(parsed.error)}`);
  }
  const settings = parsed.data;
  const now = options.now ?? Date.now;
  const scope = `${settings.service}:${settings.capability}`;

  const challengesPerClient = new TokenBuckets(settings.limits.challengesPerClient, now);
  const usesPerToken = new TokenBuckets(settings.limits.usesPerToken, now);
  // Reused invoices must stay payable for a good while: at most half the invoice's life.
  const reuseSeconds = Math.min(settings.limits.reuseChallengeSeconds, settings.invoiceExpirySeconds / 2);
  const challenges = new ChallengeCache(reuseSeconds * 1000, now);

  /** The route's price, checked: a bad one is the route's bug, never sent to a client as an invoice. */
  function checked(price: L402Price): L402Price {
    checkPrice(price.sats);
    if (price.resource !== undefined) checkResource(price.resource);
    return price;
  }

  async function mint(priced: L402Price): Promise<IssuedChallenge> {
    const request = { sats: priced.sats, memo: settings.memo, expirySeconds: settings.invoiceExpirySeconds };
    const invoice: IssuedInvoice =
      options.mode === 'hold'
        ? await options.invoices.createHoldInvoice(request)
        : await options.invoices.createInvoice(request);
    const { macaroon, tokenId } = await mintToken(options.rootKeys, invoice.paymentHash, {
      service: settings.service,
      tier: settings.tier,
      capability: settings.capability,
      validUntil: Math.floor(now() / 1000) + settings.ttlSeconds,
      priceSats: priced.sats,
      ...(priced.resource === undefined ? {} : { resource: priced.resource }),
      ...(priced.bodySha256 === undefined ? {} : { bodySha256: priced.bodySha256 }),
    });
    return { macaroon, invoice: invoice.bolt11, paymentHash: invoice.paymentHash, tokenId };
  }

  async function challenge(req: Request, priced: L402Price): Promise<L402PaymentRequiredError> {
    const client = clientOf(req);
    const key = JSON.stringify([client, priced.resource ?? null, priced.sats, priced.bodySha256 ?? null]);
    // No await from the lookup to `remember`: concurrent identical requests share one invoice.
    let issued = challenges.lookup(key);
    if (!issued) {
      const waitSeconds = challengesPerClient.take(client);
      if (waitSeconds !== null)
        throw new RateLimitedError('payment challenges from this client', waitSeconds);
      issued = mint(priced);
      challenges.remember(key, issued);
    }
    const { macaroon, invoice, paymentHash } = await issued;
    return new L402PaymentRequiredError({ macaroon, invoice, paymentHash });
  }

  async function authorize(credentials: L402Credentials, priced: L402Price): Promise<VerifiedL402> {
    const token = await verifyToken(credentials.macaroon, options.rootKeys, {
      service: settings.service,
      capability: settings.capability,
      nowMs: now(),
      priceSats: priced.sats,
      ...(priced.resource === undefined ? {} : { resource: priced.resource }),
      ...(priced.bodySha256 === undefined ? {} : { bodySha256: priced.bodySha256 }),
    });
    // Counted once the signature holds, so nobody can drain another holder's bucket with forged tokens.
    const waitSeconds = usesPerToken.take(token.tokenId);
    if (waitSeconds !== null) throw new RateLimitedError('requests with this token', waitSeconds);
    if (options.mode === 'hold') {
      if (credentials.preimage) {
        throw new L402RejectedError('L402_MALFORMED', 'stake tokens authenticate with the macaroon alone');
      }
      if (!(await options.invoices.isAccepted(token.paymentHash))) {
        throw new L402RejectedError('L402_NOT_PAID');
      }
    } else {
      if (!credentials.preimage) {
        throw new L402RejectedError('L402_PREIMAGE_MISSING');
      }
      if (!timingSafeEqual(paymentHashOf(credentials.preimage), Buffer.from(token.paymentHash, 'hex'))) {
        throw new L402RejectedError('L402_WRONG_PREIMAGE');
      }
    }
    if (options.mode !== 'reusable' && !(await options.spends.consumeOnce(token.tokenId, scope))) {
      throw new L402RejectedError('L402_TOKEN_SPENT');
    }
    challenges.forgetToken(token.tokenId);
    return {
      ...token,
      service: settings.service,
      capability: settings.capability,
      mode: options.mode,
      scheme: credentials.scheme,
      ...(priced.resource === undefined ? {} : { resource: priced.resource }),
    };
  }

  return {
    async admit(req, price) {
      const priced = checked(price);
      const credentials = parseAuthorization(req.get('authorization'));
      if (!credentials) throw await challenge(req, priced);
      return authorize(credentials, priced);
    },
  };
}

function checkResource(resource: string): string {
  if (!RESOURCE_PATTERN.test(resource)) {
    throw new L402ConfigError(`resource ids must match ${RESOURCE_PATTERN}, got ${JSON.stringify(resource)}`);
  }
  return resource;
}

function checkPrice(sats: number): number {
  if (!priceSchema.safeParse(sats).success) {
    throw new L402ConfigError(`price must be a whole number of sats from 1 to ${MAX_SATS}, got ${sats}`);
  }
  return sats;
}
