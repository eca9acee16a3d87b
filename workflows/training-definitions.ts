import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DecisionRule } from '../domain/training/decide';
import type { PayoutRule } from '../domain/money/payout';
import type { SkippedUpdate, ScoringEvidence } from '../activities/training-validation';
import type { WireParameters, WireSettings } from '../kernels/wire-parameters';
import type { HeldStake, StakeVerdict } from './definitions';
import type { EscrowSettings } from './reward-escrow';

/** Everything a round's decisions depend on, recorded in history when the round opens (I5). */
export interface RoundSettings {
  /** Peers registered for the run (their ids); the round closes early once each has submitted. */
  peers: string[];
  submitWithinSeconds: number;
  /** Longest wait for all submissions to be scored once the round closed. */
  scoreWithinSeconds: number;
  payout: PayoutRule;
  decision: DecisionRule;
  outerLearningRate: number;
  maxPayloadBytes: number;
  /** Every wire parameter an update must declare: chunk size, k, value bits, the index codings taken. */
  compression: WireSettings;
  /** Stake each submission locks in a hold invoice (L402 hold mode); 0: none asked. */
  stakeSats: number;
  escrow: EscrowSettings;
}

/**
 * A payload in the blob store, as workflows carry it: its sha256 (every read of the bytes checks it), and what the
 * round's door checks without them, read by the API from the bytes it stored.
 */
export interface StoredPayload {
  sha256: string;
  sizeBytes: number;
  /** The compression its header declares; null when it is not a version-1 header. */
  declared: WireParameters | null;
}

export interface GradientSubmission {
  peerId: string;
  round: number;
  checkpointHash: string;
  payload: StoredPayload;
  earnerPublicKey: string;
  /** The held stake when the run asks for one. */
  stake: HeldStake | null;
}

export interface AcceptedSubmission {
  submissionId: string;
  escrowId: string;
}

export interface ScoredReport {
  submissionId: string;
  evidence: ScoringEvidence | null;
  lossBefore: number | null;
  lossAfter: number | null;
  /** Set when the payload was refused before a score (by the pre-checks, or the scorer's own check): no verdict. */
  precheckFailure: string | null;
}

export interface RoundVerdict {
  accepted: boolean;
  reason: string;
  /** Tranches to reveal: what the score earned, fitted into the round's pool. */
  reveal: number;
}

export interface SubmissionOutcome {
  submissionId: string;
  peerId: string;
  /** Empty when the submission failed its pre-checks and no escrow was opened. */
  escrowId: string;
  accepted: boolean;
  reason: string;
  lossDelta: number | null;
  revealed: number;
  paidSats: number;
  /** What the stake was given; null when none was held. */
  stake: StakeVerdict | null;
}

export interface RoundSummary {
  round: number;
  poolSats: number;
  checkpointHash: string;
  nextCheckpointHash: string;
  heldOutLoss: number;
  submitted: number;
  accepted: number;
  outcomes: SubmissionOutcome[];
  /** Accepted updates the aggregator left out (a payload that fails the run's check), with the code. */
  notAggregated: SkippedUpdate[];
  seconds: number;
}

export interface RoundStatus {
  runId: string;
  round: number;
  checkpointHash: string;
  heldOutSeed: number;
  /** The most this round pays in rewards, from the run's budget. */
  poolSats: number;
  closesAt: number;
  /** The settings this round decides by: the API checks a submission against them before asking for a stake. */
  settings: RoundSettings;
  phase: 'open' | 'scoring' | 'deciding' | 'paying' | 'aggregating' | 'done';
  submissions: { submissionId: string; peerId: string; escrowId: string }[];
}

export interface RunStatus {
  runId: string;
  state: 'running' | 'paused' | 'stopped' | 'finished';
  round: number;
  checkpointHash: string;
  budgetSats: number;
  spentSats: number;
  history: RoundSummary[];
}

export const roundStatusQuery = defineQuery<RoundStatus>('roundStatus');
export const runStatusQuery = defineQuery<RunStatus>('runStatus');
export const pauseRunSignal = defineSignal('pauseRun');
export const resumeRunSignal = defineSignal('resumeRun');
export const stopRunSignal = defineSignal('stopRun');

export const trainingRunWorkflowId = (runId: string) => `training-run/${runId}`;
export const trainingRoundWorkflowId = (runId: string, round: number) => `training-round/${runId}/${round}`;
