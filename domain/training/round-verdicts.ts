import { fitToPool } from '../money/round-pool';
import { tranchesEarned } from '../money/payout';
import { splitIntoTranches } from '../money/tranches';
import { decideRound } from './decide';
import type { ScoredSubmission } from './decide';
import type { RoundSettings, RoundVerdict } from '../../workflows/training-definitions';

/**
 * A round's verdicts by submission id, from its scored evidence (in arrival order) alone: accepted or not by the
 * decision rule, and the tranches each accepted update earned by the payout rule, fitted into the round's pool.
 * Pure, so the round decides with it and the audit re-derives the same verdicts.
 */
export function roundVerdicts(
  evidence: readonly ScoredSubmission[],
  settings: Pick<RoundSettings, 'decision' | 'payout'>,
  poolSats: number,
): Map<string, RoundVerdict> {
  const decided = decideRound(evidence, settings.decision);
  const accepted = decided.filter((verdict) => verdict.accepted);
  const lossDelta = new Map(evidence.map((entry) => [entry.submissionId, entry.lossDelta]));
  const earned = accepted.map(
    (verdict) => tranchesEarned(settings.payout, lossDelta.get(verdict.submissionId) as number).revealed,
  );
  const trancheSats = splitIntoTranches(settings.payout.capSats, settings.payout.trancheCount);
  const reveals = fitToPool(earned, trancheSats, poolSats);
  const fitted = new Map(accepted.map((verdict, i) => [verdict.submissionId, reveals[i]!]));
  return new Map(
    decided.map((verdict) => [
      verdict.submissionId,
      { accepted: verdict.accepted, reason: verdict.reason, reveal: fitted.get(verdict.submissionId) ?? 0 },
    ]),
  );
}
