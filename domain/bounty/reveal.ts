import type { Judgement } from './judge';
import type { PayoutRule } from '../money/payout';
import { tranchesEarned } from '../money/payout';

/**
 * Tranches a judged bounty submission reveals: what its held-out improvement earns by the payout rule when it was
 * accepted, none otherwise. Pure, so the submission workflow pays with it and the audit re-derives it.
 */
export function bountyReveal(
  judgement: Pick<Judgement, 'verdict' | 'improvement'>,
  rule: PayoutRule,
): number {
  return judgement.verdict === 'accepted' && judgement.improvement !== null
    ? tranchesEarned(rule, judgement.improvement).revealed
    : 0;
}
