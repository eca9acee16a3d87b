import { wireMismatch } from '../../kernels/wire-parameters';
import type { GradientSubmission, RoundStatus, StoredPayload } from '../../workflows/training-definitions';

/**
 * How the payload's declared compression differs from the run's, in words; null when it matches or when its
 * header is not a version-1 one (then the pre-checks refuse it as malformed, and a held stake is forfeited).
 */
export function compressionMismatch(status: RoundStatus, payload: StoredPayload): string | null {
  return payload.declared ? wireMismatch(status.settings.compression, payload.declared) : null;
}

export type DoorRefusal =
  | 'ROUND_CLOSED'
  | 'WRONG_ROUND'
  | 'STALE_CHECKPOINT'
  | 'UNKNOWN_PEER'
  | 'ALREADY_SUBMITTED'
  | 'PAYLOAD_TOO_LARGE'
  | 'GRADIENT_COMPRESSION_MISMATCH';

/**
 * Why a round refuses a submission at the door, as a stable code (the API answers 409 with it). Pure, so the API
 * checks it before asking for a stake and the round checks it again, in history, when the submission asks in.
 */
export function doorRefusal(
  status: RoundStatus,
  submission: Omit<GradientSubmission, 'stake'>,
): DoorRefusal | null {
  const { settings } = status;
  if (status.phase !== 'open') return 'ROUND_CLOSED';
  if (submission.round !== status.round) return 'WRONG_ROUND';
  if (submission.checkpointHash !== status.checkpointHash) return 'STALE_CHECKPOINT';
  if (!settings.peers.includes(submission.peerId)) return 'UNKNOWN_PEER';
  if (status.submissions.some((entry) => entry.peerId === submission.peerId)) return 'ALREADY_SUBMITTED';
  if (submission.payload.sizeBytes > settings.maxPayloadBytes) return 'PAYLOAD_TOO_LARGE';
  if (compressionMismatch(status, submission.payload)) return 'GRADIENT_COMPRESSION_MISMATCH';
  return null;
}

/** The door's checks, plus the stake: a run that asks for one takes no submission without it. */
export function submissionRefusal(
  status: RoundStatus,
  submission: GradientSubmission,
): DoorRefusal | 'STAKE_REQUIRED' | null {
  return (
    doorRefusal(status, submission) ??
    (status.settings.stakeSats > 0 && !submission.stake ? 'STAKE_REQUIRED' : null)
  );
}
