import { lowerMedian } from '../../kernels/aggregate';

/**
 * Pure decision rules for a round: whether a scored update is accepted and whether it copies another.
 * No I/O, clocks or randomness, so Temporal workflows can call them and replay gives the same verdicts.
 */

export interface DecisionRule {
  /** accept only when lossBefore − lossAfter exceeds this */
  readonly minLossDelta: number;
  /** ... and reaches this share of the median delta of the round's improving updates (a random direction helps far less) */
  readonly minRelativeDelta: number;
  /** reject an update whose norm exceeds this multiple of the round's median norm (a scaled-up update) */
  readonly maxNormRatio: number;
  /** share of kept indices two updates may have in common before the later one counts as a copy (Templar: 0.4) */
  readonly copyOverlapThreshold: number;
}

export const DEFAULT_DECISION_RULE: DecisionRule = {
  minLossDelta: 0,
  minRelativeDelta: 0.25,
  maxNormRatio: 4,
  copyOverlapThreshold: 0.4,
};

export interface ScoredSubmission {
  readonly submissionId: string;
  /** hash of the exact payload bytes, computed where I/O is allowed */
  readonly payloadHash: string;
  /** flat positions of the kept entries, ascending */
  readonly keptPositions: ArrayLike<number>;
  /** lossBefore − lossAfter on the held-out batch */
  readonly lossDelta: number;
  /** Euclidean norm of the decoded update */
  readonly norm: number;
}

export type VerdictReason =
  | 'improves-loss'
  | 'no-improvement'
  | 'weak-improvement'
  | 'norm-outlier'
  | 'non-finite-score'
  | 'duplicate-payload'
  | 'index-overlap'
  | 'malformed-payload';

export interface Verdict {
  readonly submissionId: string;
  readonly accepted: boolean;
  readonly reason: VerdictReason;
  /** the earlier submission this one copies, for copy verdicts */
  readonly copyOf?: string;
  /** largest kept-index overlap with an earlier submission */
  readonly overlap: number;
}

/** The verdict for a payload the decoder refused: it never reaches scoring. */
export function malformedVerdict(submissionId: string): Verdict {
  return { submissionId, accepted: false, reason: 'malformed-payload', overlap: 0 };
}

/** Verdicts that prove abuse (a malformed payload or a copy): the only ones that forfeit a submission stake. */
const ABUSIVE_REASONS: readonly string[] = [
  'malformed-payload',
  'duplicate-payload',
  'index-overlap',
] satisfies VerdictReason[];

/** A stake is settled (forfeited) for an abusive verdict and cancelled (refunded) for every other outcome. */
export function stakeVerdictFor(reason: string): 'forfeit' | 'refund' {
  return ABUSIVE_REASONS.includes(reason) ? 'forfeit' : 'refund';
}

/** The scoring rule alone: a finite loss improvement above the threshold. */
export function acceptsScore(lossDelta: number, rule: DecisionRule = DEFAULT_DECISION_RULE): boolean {
  return Number.isFinite(lossDelta) && lossDelta > rule.minLossDelta;
}

/** |A ∩ B| / min(|A|, |B|) for two ascending position lists; 0 when either is empty. */
export function indexOverlap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const smaller = Math.min(a.length, b.length);
  if (smaller === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return common / smaller;
}

/** Lower median (as torch.median), NaN for no values. */
function medianOrNaN(values: readonly number[]): number {
  return values.length > 0 ? lowerMedian(values) : NaN;
}

/**
 * Verdicts for one round's submissions in arrival order. A submission whose payload hash equals an earlier one's,
 * or whose kept indices overlap an earlier one's by the threshold or more, is a copy and rejected; the first
 * arrival keeps its chance. Among the rest, an update far larger than the round's median norm is rejected, and
 * one is accepted iff its loss improvement is finite, above the floor, and a fair share of the round's median.
 */
export function decideRound(
  submissions: readonly ScoredSubmission[],
  rule: DecisionRule = DEFAULT_DECISION_RULE,
): Verdict[] {
  const copies = submissions.map((submission, position) =>
    findCopy(submission, submissions.slice(0, position), rule),
  );
  const originals = submissions.filter((_, position) => copies[position]!.copyOf === undefined);
  const medianNorm = medianOrNaN(originals.map((s) => s.norm).filter(Number.isFinite));
  // the yardstick is the median improvement among updates that improve at all: honest ones, if they are the majority
  const medianDelta = medianOrNaN(
    originals
      .filter((s) => acceptsScore(s.lossDelta, rule) && s.norm <= rule.maxNormRatio * medianNorm)
      .map((s) => s.lossDelta),
  );
  return submissions.map((submission, position) => {
    const copy = copies[position]!;
    const verdict = (accepted: boolean, reason: VerdictReason): Verdict => ({
      submissionId: submission.submissionId,
      accepted,
      reason,
      overlap: copy.overlap,
      ...(copy.copyOf !== undefined ? { copyOf: copy.copyOf } : {}),
    });
    if (copy.reason) return verdict(false, copy.reason);
    if (!Number.isFinite(submission.lossDelta) || !Number.isFinite(submission.norm))
      return verdict(false, 'non-finite-score');
    if (submission.norm > rule.maxNormRatio * medianNorm) return verdict(false, 'norm-outlier');
    if (!acceptsScore(submission.lossDelta, rule)) return verdict(false, 'no-improvement');
    if (medianDelta > 0 && submission.lossDelta < rule.minRelativeDelta * medianDelta)
      return verdict(false, 'weak-improvement');
    return verdict(true, 'improves-loss');
  });
}

interface CopyFinding {
  readonly reason?: 'duplicate-payload' | 'index-overlap';
  readonly copyOf?: string;
  readonly overlap: number;
}

function findCopy(
  submission: ScoredSubmission,
  earlier: readonly ScoredSubmission[],
  rule: DecisionRule,
): CopyFinding {
  let overlap = 0;
  let overlapWith: string | undefined;
  for (const other of earlier) {
    if (other.payloadHash === submission.payloadHash)
      return { reason: 'duplicate-payload', copyOf: other.submissionId, overlap: 1 };
    const shared = indexOverlap(submission.keptPositions, other.keptPositions);
    if (shared > overlap) {
      overlap = shared;
      overlapWith = other.submissionId;
    }
  }
  if (overlapWith !== undefined && overlap >= rule.copyOverlapThreshold)
    return { reason: 'index-overlap', copyOf: overlapWith, overlap };
  return { overlap };
}
