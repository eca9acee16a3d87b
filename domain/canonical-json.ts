import { createHash } from 'node:crypto';

/**
 * JSON with every object's keys in code-unit order and no whitespace: the same value always gives the same bytes
 * (for the parsed request bodies we bind tokens to, whose leaves are strings, finite numbers and booleans, this is
 * RFC 8785's canonical form). A client never computes it: it sends the same body again.
 *
 * @example canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 * @throws RangeError for a non-finite number, which JSON cannot carry
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('not a finite number');
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of {@link canonicalJson}. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
