import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { weightsFromBytes } from '../../model/weights';
import type { FollowedEscrow } from '../earner/follow-escrow';
import { followEscrow } from '../earner/follow-escrow';
import { L402TrainError } from '../../domain/l402-train-error';
import { call, jsonRequest, newIdempotencyKey, ok, payAccessFee, payStakeAndRetry } from '../l402-client';

export interface CheckpointView {
  runId: string;
  round: number;
  state: string;
  checkpointHash: string;
  weights: string;
  roundOpen: boolean;
}

export interface PeerRoundOptions {
  apiUrl: string;
  peerId: string;
  lnd: AuthenticatedLnd;
  /** Final CLTV delta of the peer's escrow hold invoices. */
  cltvDelta: number;
  /** Trains from the global weights and returns the compressed update (SparseLoCo wire bytes). */
  train: (weights: Float32Array, round: number) => Uint8Array | Promise<Uint8Array>;
  pollMs?: number;
  /** Reuse one reader across rounds so a paid checkpoint token is bought once; default: a new one. */
  readCheckpoint?: CheckpointRead;
  onStep?: (step: 'waiting' | 'training' | 'staking' | 'submitted' | 'paid', detail: string) => void;
}

interface SubmissionAccepted {
  submissionId: string;
  escrowId: string;
  /** The stake's payment hash, when the round asked for one. */
  stake: string | null;
}

export interface PeerRoundResult extends FollowedEscrow {
  round: number;
  submissionId: string;
  stakeHash: string | null;
}

/** Reads `GET /checkpoint`: null while the run has none to show yet (not started, or writing its first). */
export type CheckpointRead = () => Promise<CheckpointView | null>;

/**
 * A checkpoint reader for one peer. When the run prices the checkpoint, it pays the access fee from the peer's
 * node once and reuses the token until the coordinator stops taking it (expired), then buys a new one.
 */
export function checkpointReader(apiUrl: string, lnd: AuthenticatedLnd): CheckpointRead {
  let authorization: string | undefined;
  const get = () =>
    call<CheckpointView>(`${apiUrl}/checkpoint`, authorization ? { headers: { authorization } } : {});
  return async () => {
    let answer = await get();
    // 401: expired or revoked; 403: bought at a lower price than the run asks now. Either way, buy again.
    if ((answer.status === 401 || answer.status === 403) && authorization) {
      authorization = undefined;
      answer = await get();
    }
    if (answer.status === 402 && answer.challenge) {
      authorization = await payAccessFee(lnd, answer.challenge);
      answer = await get();
    }
    // 404: the run has not started; 503: it is still writing its first checkpoint. Both: wait.
    if (answer.status === 404 || answer.status === 503) return null;
    return ok(answer);
  };
}

/** Waits for an open round the peer has not submitted to yet, and returns its checkpoint. */
export async function nextOpenRound(
  read: CheckpointRead,
  afterRound: number,
  pollMs = 250,
): Promise<CheckpointView> {
  for (;;) {
    const checkpoint = await read();
    if (checkpoint?.roundOpen && checkpoint.round > afterRound) return checkpoint;
    if (checkpoint?.state === 'finished' || checkpoint?.state === 'stopped') {
      throw new L402TrainError('RUN_OVER', `the run is ${checkpoint.state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * A peer's round over the published API: fetch the checkpoint (paying for it if the run asks), train,
 * `PUT /gradient` (staking a hold invoice if the round asks), then follow the reward escrow on the peer's own node
 * until it is paid what the round decided.
 */
export async function playRound(options: PeerRoundOptions, afterRound = -1): Promise<PeerRoundResult> {
  const pollMs = options.pollMs ?? 250;
  options.onStep?.('waiting', 'for an open round');
  const read = options.readCheckpoint ?? checkpointReader(options.apiUrl, options.lnd);
  const checkpoint = await nextOpenRound(read, afterRound, pollMs);
  options.onStep?.('training', `round ${checkpoint.round}`);
  const payload = await options.train(
    weightsFromBytes(Buffer.from(checkpoint.weights, 'base64')),
    checkpoint.round,
  );
  const { public_key } = await getWalletInfo({ lnd: options.lnd });
  const gradient = {
    peerId: options.peerId,
    round: checkpoint.round,
    checkpointHash: checkpoint.checkpointHash,
    payload: Buffer.from(payload).toString('base64'),
    nodePubkey: public_key,
  };
  // One key for this round's update, its staked repeat and every retry: the coordinator takes it once.
  const key = newIdempotencyKey();
  const put = (authorization?: string) =>
    call<SubmissionAccepted>(`${options.apiUrl}/gradient`, jsonRequest('PUT', gradient, authorization, key));
  let answer = await put();
  if (answer.status === 402 && answer.challenge) {
    options.onStep?.('staking', 'a hold invoice, refunded unless the update is malformed or copied');
    answer = await payStakeAndRetry(options.lnd, answer.challenge, put, pollMs);
  }
  const accepted = ok(answer);
  options.onStep?.('submitted', accepted.submissionId);
  const followed = await followEscrow({
    apiUrl: options.apiUrl,
    escrowId: accepted.escrowId,
    lnd: options.lnd,
    cltvDelta: options.cltvDelta,
    pollMs,
  });
  options.onStep?.('paid', `${followed.earnedSats} sats`);
  return {
    ...followed,
    round: checkpoint.round,
    submissionId: accepted.submissionId,
    stakeHash: accepted.stake,
  };
}
