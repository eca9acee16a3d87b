import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TrainingValidationActivities } from '../../activities/training-validation';
import { stakeVerdictFor } from '../../domain/training/decide';
import { ACTIVITY_PROFILES } from '../../temporal-config';
import { openEscrow } from '../escrow-step';
import type { SubmissionMode } from '../paid-submission';
import type { Decision, GradientEntry, TrainingTurn } from '../submission-definitions';
import type { SubmissionOutcome } from '../training-definitions';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);
const control = proxyActivities<Activities>(ACTIVITY_PROFILES.database);

type RoundDecision = Extract<Decision, { mode: 'training' }>;

/** What scoring found: the losses (null when the payload was refused before a score) and why it was refused. */
interface Scored {
  lossBefore: number | null;
  lossAfter: number | null;
  lossDelta: number | null;
  refusedCode: string | null;
}

/** The stake's due when a payload is refused for what it holds (malformed, or refused by the scorer). */
const REFUSED_PAYLOAD_STAKE = stakeVerdictFor('malformed-payload');

/**
 * A training update: pre-checked, its reward escrow locked on the peer's node, scored on the validation queue
 * against the round's checkpoint and held-out batch; the round decides every verdict together from the scores.
 */
export const gradientMode: SubmissionMode<
  GradientEntry,
  TrainingTurn,
  Scored,
  RoundDecision,
  SubmissionOutcome
> = {
  closedCode: 'ROUND_CLOSED',

  async validate({ entry, turn, admitted }) {
    const { submissionId } = admitted;
    const refused = (code: string) => ({
      report: {
        mode: 'training' as const,
        submissionId,
        evidence: null,
        lossBefore: null,
        lossAfter: null,
        precheckFailure: code,
      },
      refusedStake: REFUSED_PAYLOAD_STAKE,
      facts: { lossBefore: null, lossAfter: null, lossDelta: null, refusedCode: code },
    });
    const precheck = await validation.precheckGradient({
      payloadSha256: entry.payload.sha256,
      compression: turn.settings.compression,
    });
    if (!precheck.ok) return { ...refused(precheck.code), escrow: null };

    const escrow = await openEscrow(
      admitted.escrowId,
      entry.earnerPublicKey,
      turn.settings.payout,
      turn.settings.escrow,
    );
    const scored = await validation.scoreGradient({
      submissionId,
      checkpointHash: entry.checkpointHash,
      payloadSha256: entry.payload.sha256,
      compression: turn.settings.compression,
      heldOutSeed: turn.heldOutSeed,
      outerLearningRate: turn.settings.outerLearningRate,
    });
    if (!scored.ok) return { ...refused(scored.code), escrow };
    return {
      report: {
        mode: 'training',
        submissionId,
        evidence: scored.evidence,
        lossBefore: scored.lossBefore,
        lossAfter: scored.lossAfter,
        precheckFailure: null,
      },
      refusedStake: null,
      escrow,
      facts: {
        lossBefore: scored.lossBefore,
        lossAfter: scored.lossAfter,
        lossDelta: scored.evidence.lossDelta,
        refusedCode: null,
      },
    };
  },

  decideWithinSeconds: ({ settings }) => settings.scoreWithinSeconds + settings.escrow.decideWithinSeconds,

  noDecision: () => ({ mode: 'training', accepted: false, reason: 'no-verdict', reveal: 0 }),

  release: (decision) => ({
    reveal: decision.accepted ? decision.reveal : 0,
    stake: stakeVerdictFor(decision.reason),
  }),

  async finish({ entry, turn, admitted, stake }, { facts }, decision, stakeVerdict, paid) {
    const outcome: SubmissionOutcome = {
      submissionId: admitted.submissionId,
      peerId: entry.peerId,
      escrowId: admitted.escrowId,
      accepted: decision?.accepted ?? false,
      reason: decision?.reason ?? facts.refusedCode ?? 'no-verdict',
      lossDelta: facts.lossDelta,
      revealed: paid.revealed,
      paidSats: paid.paidSats,
      stake: stake ? stakeVerdict : null,
    };
    await control.recordTrainingSubmission({
      submissionId: outcome.submissionId,
      runId: turn.runId,
      round: entry.round,
      peerId: entry.peerId,
      payloadHash: entry.payload.sha256,
      lossBefore: facts.lossBefore,
      lossAfter: facts.lossAfter,
      accepted: outcome.accepted,
      reason: outcome.reason,
      revealed: outcome.revealed,
      paidSats: outcome.paidSats,
      stakeHash: stake?.paymentHash ?? null,
      stakeOutcome: outcome.stake,
    });
    return outcome;
  },
};
