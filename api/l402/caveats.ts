import { L402RejectedError } from './errors';

/**
 * First-party caveats, named as Aperture names them:
 *
 *     services=<service>:<tier>[,<service>:<tier>…]
 *     <service>_capabilities=<capability>[,<capability>…]
 *     <service>_valid_until=<unix seconds>
 *
 * A condition may repeat, but only to tighten (a subset of services or capabilities, an
 * earlier or equal expiry), and every occurrence must hold for the request. Conditions scoped
 * to another service are ignored, as Aperture does; any other condition is rejected.
 */
export const SERVICES_CONDITION = 'services';
export const CAPABILITIES_SUFFIX = '_capabilities';
export const VALID_UNTIL_SUFFIX = '_valid_until';

const NAME = '[a-z0-9][a-z0-9-]{0,62}';
/** Service and capability names: none of the separators (`=`, `,`, `:`, `_`) that caveats use. */
export const NAME_PATTERN = new RegExp(`^${NAME}$`);
const SERVICE_ENTRY_PATTERN = new RegExp(`^${NAME}:\\d{1,9}$`);

export interface TokenScope {
  service: string;
  tier: number;
  capability: string;
  /** Unix seconds. */
  validUntil: number;
}

/** The caveats minted into every token, in order. */
export function caveatsFor(scope: TokenScope): string[] {
  return [
    `${SERVICES_CONDITION}=${scope.service}:${scope.tier}`,
    `${scope.service}${CAPABILITIES_SUFFIX}=${scope.capability}`,
    `${scope.service}${VALID_UNTIL_SUFFIX}=${scope.validUntil}`,
  ];
}

export interface CaveatCheck {
  service: string;
  capability: string;
  nowMs: number;
}

/**
 * Checks every caveat in order against the request and returns the token's expiry (unix
 * seconds). A token must carry all three conditions for this service.
 *
 * @example verifyCaveats(['services=bounty:0', 'bounty_capabilities=baseline', 'bounty_valid_until=1900000000'],
 *   { service: 'bounty', capability: 'baseline', nowMs: Date.now() }) // 1900000000
 * @throws L402RejectedError with the first failing caveat's code
 */
export function verifyCaveats(conditions: readonly string[], check: CaveatCheck): number {
  const capabilitiesCondition = `${check.service}${CAPABILITIES_SUFFIX}`;
  const validUntilCondition = `${check.service}${VALID_UNTIL_SUFFIX}`;
  let services: Set<string> | undefined;
  let capabilities: Set<string> | undefined;
  let validUntil: number | undefined;

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
    } else if (!isOtherServiceCondition(condition, check.service)) {
      throw new L402RejectedError('L402_UNKNOWN_CAVEAT', caveat);
    }
  }

  if (!services) throw new L402RejectedError('L402_WRONG_SERVICE', 'token names no service');
  if (!capabilities) throw new L402RejectedError('L402_WRONG_CAPABILITY', 'token names no capability');
  if (validUntil === undefined) throw new L402RejectedError('L402_MALFORMED', 'token has no expiry');
  return validUntil;
}

function isOtherServiceCondition(condition: string, service: string): boolean {
  for (const suffix of [CAPABILITIES_SUFFIX, VALID_UNTIL_SUFFIX]) {
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

function parseUnixSeconds(caveat: string, value: string): number {
  if (!/^\d{1,12}$/.test(value)) {
    throw new L402RejectedError('L402_MALFORMED', `bad caveat ${caveat}`);
  }
  return Number(value);
}
