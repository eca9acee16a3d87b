import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Judgement, SubmissionEvidence, Tolerances } from '../domain/bounty/judge';
import type { PayoutRule } from '../domain/money/payout';
import type { HeldStake, StakeVerdict } from './definitions';
import type { StakeTerms } from './stake';
import type { EscrowSettings } from './reward-escrow';
import type {
  GradientSubmission,
  RoundSettings,
  RoundVerdict,
  ScoredReport,
  SubmissionOutcome,
} from './training-definitions';

/**
 * The protocol between a `paidSubmission` and its parent (a training round or a bounty), all by signal:
 *   submission → parent  `admit`     the prechecked request, once its stake (if any) is held
 *   parent → submission  `admission` admitted (ids, queue position) or refused with a code
 *   parent → submission  `turn`      what to validate against (the round's checkpoint, the bounty's best so far)
 *   submission → parent  `evidence`  what validation found
 *   parent → submission  `decision`  the parent's one release decision, from every submission's evidence
 *   submission → parent  `outcome`   what the escrow paid and the stake was given, once both ended
 * The parent decides and never relays; the submission owns its stake and its escrow and ends each in one place.
 */

/** A training update as the round's door checks it: the payload by hash, never its bytes. */
export type GradientEntry = Omit<GradientSubmission, 'stake'>;

/** A bounty diff as the bounty's door checks it: the diff by hash (stored by the API before the bounty hears). */
export interface BountyEntry {
  agentPublicKey: string;
  /** sha256 of the diff (UTF-8), whose bytes are in the blob store. */
  diffSha256: string;
  /** `normalisedDiffHash` of the diff, for copy detection. */
  diffHash: string;
  claimedScore: number;
}

/** What the API hands a paid submission (the `submit` update): where it goes and what it is. */
export type SubmissionRequest = { parentWorkflowId: string } & (
  { mode: 'training'; entry: GradientEntry } | { mode: 'bounty'; entry: BountyEntry }
);

export interface PaidSubmissionInput {
  /** The stake to hold before the request is taken (the API's 402 started this workflow); null: none asked. */
  stake: StakeTerms | null;
}

export interface Admitted {
  submissionId: string;
  escrowId: string;
  /** Place in the parent's queue (a bounty validates one at a time); 1 for a training round. */
  position: number;
  /** Longest wait for the turn once admitted (the parent's queue and window). */
  turnWithinSeconds: number;
}

export type Admission = { admitted: Admitted } | { refused: string };

export type AdmitRequest = SubmissionRequest & {
  /** The submission's own workflow: where the parent sends its answers. */
  workflowId: string;
  stake: HeldStake | null;
};

export interface TrainingTurn {
  mode: 'training';
  runId: string;
  heldOutSeed: number;
  settings: RoundSettings;
}

export interface BountyTurn {
  mode: 'bounty';
  bountyId: string;
  bundle: string;
  /** The baseline and best score at this submission's turn: it is judged against them. */
  baselineSha256: string;
  bestScore: number;
  direction: 'higher' | 'lower';
  tolerances: Tolerances;
  repeatRuns: number;
  payoutRule: PayoutRule;
  escrow: EscrowSettings;
  /** Set when an earlier pending or accepted submission by another agent has the same diff hash. */
  copiedFrom?: string;
}

export type SubmissionTurn = TrainingTurn | BountyTurn;

export type EvidenceReport =
  | ({ mode: 'training' } & ScoredReport)
  | { mode: 'bounty'; submissionId: string; evidence: SubmissionEvidence };

export type Decision =
  ({ mode: 'training' } & RoundVerdict) | { mode: 'bounty'; judgement: Judgement; reveal: number };

export interface BountySubmissionResult {
  submissionId: string;
  /** What the judgement was made on: what an audit re-runs the evals against. */
  evidence: SubmissionEvidence;
  judgement: Judgement;
  revealed: number;
  paidSats: number;
  feeSats: number;
  stake: StakeVerdict | null;
}

export type OutcomeReport =
  ({ mode: 'training' } & SubmissionOutcome) | ({ mode: 'bounty' } & BountySubmissionResult);

/** Where a paid submission ended: its outcome (null when it never got that far) and its stake's end. */
export interface PaidSubmissionResult {
  /** The parent's code when it was refused (or never answered) before validation; null once admitted. */
  refused: string | null;
  outcome: OutcomeReport | null;
  stake: { paymentHash: string; outcome: 'refunded' | 'forfeited' | 'expired' | 'unpaid' } | null;
}

/** A report as its parent keeps it: without the mode tag it travelled with (its other keys in order). */
export function withoutMode<T extends { mode: string }>(report: T): Omit<T, 'mode'> {
  return Object.fromEntries(Object.entries(report).filter(([key]) => key !== 'mode')) as Omit<T, 'mode'>;
}

export const submitUpdate = defineUpdate<Admitted, [SubmissionRequest]>('submit');
export const admitSignal = defineSignal<[AdmitRequest]>('admit');
export const admissionSignal = defineSignal<[Admission]>('admission');
export const turnSignal = defineSignal<[SubmissionTurn]>('turn');
export const evidenceSignal = defineSignal<[EvidenceReport]>('evidence');
export const decisionSignal = defineSignal<[Decision]>('decision');
export const outcomeSignal = defineSignal<[OutcomeReport]>('outcome');

export const paidSubmissionWorkflowId = (id: string) => `submission/${id}`;
