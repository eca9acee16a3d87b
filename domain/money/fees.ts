import { InvalidFeePolicyError } from './errors';
import { assertSats } from './sats';

/** How much routing fee we accept when paying an escrow: `baseSats + amount × ppm / 10⁶`, capped. */
export interface FeePolicy {
  /** Proportional part in parts per million of the amount, 0 to 1,000,000. */
  ppm: number;
  baseSats: number;
  maxSats: number;
}

/**
 * The fee limit (`max_fee` for the payment) for paying `amountSats`:
 * `min(maxSats, baseSats + floor(amountSats × ppm / 1,000,000))`, computed exactly in integers.
 * The proportional part rounds down so we never accept more than the policy states.
 *
 * @example feeLimitSats(100_000, { ppm: 5_000, baseSats: 1, maxSats: 1_000 }) // 501
 * @example feeLimitSats(10_000_000, { ppm: 5_000, baseSats: 1, maxSats: 1_000 }) // 1000 (capped)
 * @example feeLimitSats(150, { ppm: 5_000, baseSats: 0, maxSats: 1_000 }) // 0 (0.75 rounds down)
 */
export function feeLimitSats(amountSats: number, policy: FeePolicy): number {
  assertSats('amountSats', amountSats);
  assertSats('baseSats', policy.baseSats);
  assertSats('maxSats', policy.maxSats);
  if (!Number.isSafeInteger(policy.ppm) || policy.ppm < 0 || policy.ppm > 1_000_000) {
    throw new InvalidFeePolicyError(`ppm must be an integer from 0 to 1000000, got ${policy.ppm}`);
  }
  const proportional = Number((BigInt(amountSats) * BigInt(policy.ppm)) / 1_000_000n);
  return Math.min(policy.maxSats, policy.baseSats + proportional);
}
