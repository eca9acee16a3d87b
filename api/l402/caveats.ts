import { L402RejectedError } from './errors';

/**
 * First-party caveats, named as Aperture names them:
 *
 *     services=<service>:<tier>[,<service>:<tier>…]
 *     <service>_capabilities=<capability>[,<capability>…]
 *     <service>_valid_until=<unix seconds>
 *
 * and what the token bought (H2: a token names the resource and the price it paid for):
 *
 *     <service>_resource=<resource id>        e.g. the bounty id, the training run id
 *     <service>_price_sats=<sats paid>
 *     <service>_body_sha256=<hex>             a stake: the submission body that priced it
 *
 * A condition may repeat, but only to tighten (a subset of services or capabilities, an
 * earlier or equal expiry, the same resource or body, an equal or lower price), and every
 * occurrence must hold for the request. Conditions scoped to another service are ignored, as
 * Aperture does; any other condition is rejected.
 */
export const SERVICES_CONDITION = 'services';
export const CAPABILITIES_SUFFIX = '_capabilities';
export const VALID_UNTIL_SUFFIX = '_valid_until';
export const RESOURCE_SUFFIX = '_resource';
export const PRICE_SUFFIX = '_price_sats';
export const BODY_SUFFIX = '_body_sha256';
const SCOPED_SUFFIXES = [CAPABILITIES_SUFFIX, VALID_UNTIL_SUFFIX, RESOURCE_SUFFIX, PRICE_SUFFIX, BODY_SUFFIX];

const NAME = '[a-z0-9][a-z0-9-]{0,62}';
/** Service and capability names: none of the separators (`=`, `,`, `:`, `_`) that caveats use. */
export const NAME_PATTERN = new RegExp(`^${NAME}$`);
const SERVICE_ENTRY_PATTERN = new RegExp(`^${NAME}:\\d{1,9}$`);
/** Resource ids: bounty UUIDs, run ids, `<run>/<checkpoint hash>`; lowercase, none of `=` or `,`. */
export const RESOURCE_PATTERN = /^[a-z0-9][a-z0-9./:-]{0,199}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export interface TokenScope {
  service: string;
  tier: number;
  capability: string;
  /** Unix seconds. */
  validUntil: number;
  /** What the token opens; absent on a gate that guards no particular resource. */
  resource?: string;
  /** The price the token's invoice asked. */
  priceSats: number;
  /** sha256 (hex) of the canonical request body the token was priced for. */
  bodySha256?: string;
}

/** The caveats minted into every token, in order. */
export function caveatsFor(scope: TokenScope): string[] {
  const service = scope.service;
  return [
    `${SERVICES_CONDITION}=${service}:${scope.tier}`,
    `${service}${CAPABILITIES_SUFFIX}=${scope.capability}`,
    `${service}${VALID_UNTIL_SUFFIX}=${scope.validUntil}`,
    ...(scope.resource === undefined ? [] : [`${service}${RESOURCE_SUFFIX}=${scope.resource}`]),
    `${service}${PRICE_SUFFIX}=${scope.priceSats}`,
    ...(scope.bodySha256 === undefined ? [] : [`${service}${BODY_SUFFIX}=${scope.bodySha256}`]),
  ];
}

export interface CaveatCheck {
  service: string;
  capability: string;
  nowMs: number;
  /** The resource this request reads or writes; a token must name exactly it (or, with none, no resource). */
  resource?: string;
  /** What the route charges now: a token is good while the price it paid is at least this. */
  priceSats: number;
  /** sha256 of this request's canonical body, on routes that bind tokens to their body. */
  bodySha256?: string;
}

/** What a token's caveats say it bought. */
export interface CaveatGrant {
  /** Unix seconds: the tightest expiry. */
  expiresAt: number;
  /** The lowest price the token names. */
  paidSats: number;
}

/**
 * Checks every caveat in order against the request and returns what the token bought. A token
 * must carry the services, capabilities, expiry and price conditions for this service, a
 * resource condition exactly when the request has a resource, and a body condition exactly
 * when the request is bound to its body.
 *
 * Price rule: a token stays good while the price it paid is at least the route's price now, so
 * lowering a price keeps old tokens and raising it retires them (403 L402_WRONG_PRICE).
 *
 * @example verifyCaveats(['services=bounty:0', 'bounty_capabilities=baseline', 'bounty_valid_until=1900000000',
 *   'bounty_price_sats=5'], { service: 'bounty', capability: 'baseline', nowMs: Date.now(), priceSats: 5 })
 *   // { expiresAt: 1900000000, paidSats: 5 }
 * @throws L402RejectedError with the first failing caveat's code
 */
export function verifyCaveats(conditions: readonly string[], check: CaveatCheck): CaveatGrant {
  const capabilitiesCondition = `${check.service}${CAPABILITIES_SUFFIX}`;
  const validUntilCondition = `${check.service}${VALID_UNTIL_SUFFIX}`;
  const resourceCondition = `${check.service}${RESOURCE_SUFFIX}`;
  const priceCondition = `${check.service}${PRICE_SUFFIX}`;
  const bodyCondition = `${check.service}${BODY_SUFFIX}`;
  let services: Set<string> | undefined;
  let capabilities: Set<string> | undefined;
  let validUntil: number | undefined;
  let resource: string | undefined;
  let paidSats: number | undefined;
  let bodySha256: string | undefined;

  for (const caveat of conditions) {
    const split = caveat.indexOf('=');
    const [condition, value] = split < 0 ? [caveat, ''] : [caveat.slice(0, split), caveat.slice(split + 1)];
    if (condition === SERVICES_CONDITION) {
      const next = parseList(caveat, value, SERVICE_ENTRY_PATTERN);
      services = tightenSet(caveat, services, next);
      if (![...next].some((entry) => entry.slice(0, entry.lastIndexOf(':')) === check.service)) {
        throw new L402RejectedError('L402_WRONG_SERVICE', `token is for ${value}, not ${check.service}`);
      }
    } else if (condition === capabilitiesCondition) {
      const next = parseList(caveat, value, NAME_PATTERN);
      capabilities = tightenSet(caveat, capabilities, next);
      if (!next.has(check.capability)) {
        throw new L402RejectedError(
          'L402_WRONG_CAPABILITY',
          `token allows ${value}, not ${check.capability}`,
        );
      }
    } else if (condition === validUntilCondition) {
      const next = parseUnixSeconds(caveat, value);
      if (validUntil !== undefined && next > validUntil) {
        throw new L402RejectedError('L402_CAVEAT_LOOSENED', caveat);
      }
      validUntil = next;
      if (check.nowMs >= next * 1000) {
        throw new L402RejectedError('L402_EXPIRED', `expired at ${new Date(next * 1000).toISOString()}`);
      }
    } else if (condition === resourceCondition) {
      resource = tightenExact(caveat, resource, parseWith(caveat, value, RESOURCE_PATTERN));
      if (value !== check.resource) {
        throw new L402RejectedError(
          'L402_WRONG_RESOURCE',
          `token is for ${value}, not ${check.resource ?? 'this route'}`,
        );
      }
    } else if (condition === priceCondition) {
      const next = parseSats(caveat, value);
      if (paidSats !== undefined && next > paidSats) {
        throw new L402RejectedError('L402_CAVEAT_LOOSENED', caveat);
      }
      paidSats = next;
      if (next < check.priceSats) {
        throw new L402RejectedError(
          'L402_WRONG_PRICE',
          `token paid ${next} sats, the price is now ${check.priceSats}`,
        );
      }
    } else if (condition === bodyCondition) {
      bodySha256 = tightenExact(caveat, bodySha256, parseWith(caveat, value, SHA256_PATTERN));
      if (value !== check.bodySha256) {
        throw new L402RejectedError('L402_WRONG_BODY', 'token was priced for another request body');
      }
    } else if (!isOtherServiceCondition(condition, check.service)) {
      throw new L402RejectedError('L402_UNKNOWN_CAVEAT', caveat);
    }
  }

  if (!services) throw new L402RejectedError('L402_WRONG_SERVICE', 'token names no service');
  if (!capabilities) throw new L402RejectedError('L402_WRONG_CAPABILITY', 'token names no capability');
  if (validUntil === undefined) throw new L402RejectedError('L402_MALFORMED', 'token has no expiry');
  if (resource === undefined && check.resource !== undefined) {
    throw new L402RejectedError(
      'L402_WRONG_RESOURCE',
      `token names no resource, the request is for ${check.resource}`,
    );
  }
  if (paidSats === undefined) throw new L402RejectedError('L402_WRONG_PRICE', 'token names no price');
  if (bodySha256 === undefined && check.bodySha256 !== undefined) {
    throw new L402RejectedError('L402_WRONG_BODY', 'token is bound to no request body');
  }
  return { expiresAt: validUntil, paidSats };
}

function isOtherServiceCondition(condition: string, service: string): boolean {
  for (const suffix of SCOPED_SUFFIXES) {
    if (condition.endsWith(suffix)) {
      const owner = condition.slice(0, -suffix.length);
      return owner !== service && NAME_PATTERN.test(owner);
    }
  }
  return false;
}

function parseList(caveat: string, value: string, entryPattern: RegExp): Set<string> {
  const entries = value.split(',');
  if (!entries.every((entry) => entryPattern.test(entry))) {
    throw new L402RejectedError('L402_MALFORMED', `bad caveat ${caveat}`);
  }
  return new Set(entries);
}

function tightenSet(caveat: string, previous: Set<string> | undefined, next: Set<string>): Set<string> {
  if (previous && ![...next].every((entry) => previous.has(entry))) {
    throw new L402RejectedError('L402_CAVEAT_LOOSENED', caveat);
  }
  return next;
}

function parseWith(caveat: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) {
    throw new L402RejectedError('L402_MALFORMED', `bad caveat ${caveat}`);
  }
  return value;
}

/** A condition that names one value: a repeat must name the same one. */
function tightenExact(caveat: string, previous: string | undefined, next: string): string {
  if (previous !== undefined && previous !== next) {
    throw new L402RejectedError('L402_CAVEAT_LOOSENED', caveat);
  }
  return next;
}

function parseSats(caveat: string, value: string): number {
  if (!/^\d{1,16}$/.test(value)) {
    throw new L402RejectedError('L402_MALFORMED', `bad caveat ${caveat}`);
  }
  return Number(value);
}

function parseUnixSeconds(caveat: string, value: string): number {
  if (!/^\d{1,12}$/.test(value)) {
    throw new L402RejectedError('L402_MALFORMED', `bad caveat ${caveat}`);
  }
  return Number(value);
}
