import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { weightsFromBytes } from '../db/repos/training';
import type { FollowedEscrow } from '../earner/follow-escrow';
import { followEscrow } from '../earner/follow-escrow';
import { L402TrainError } from '../lib/errors';
import { requestJson, sendJson } from '../lib/http-json';

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
  onStep?: (step: 'waiting' | 'training' | 'submitted' | 'paid', detail: string) => void;
}

export interface PeerRoundResult extends FollowedEscrow {
  round: number;
  submissionId: string;
}

/** Waits for an open round the peer has not submitted to yet, and returns its checkpoint. */
export async function nextOpenRound(
  apiUrl: string,
  afterRound: number,
  pollMs = 250,
): Promise<CheckpointView> {
  for (;;) {
    const checkpoint = await requestJson<CheckpointView>(`${apiUrl}/checkpoint`).catch((err: unknown) => {
      // 404: the run has not started; 503: it is still writing its first checkpoint. Both: wait.
      if (err instanceof L402TrainError && (err.status === 404 || err.status === 503)) return null;
      throw err;
    });
    if (checkpoint?.roundOpen && checkpoint.round > afterRound) return checkpoint;
    if (checkpoint?.state === 'finished' || checkpoint?.state === 'stopped') {
      throw new L402TrainError('RUN_OVER', `the run is ${checkpoint.state}`, 409);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * A peer's round over the published API: fetch the checkpoint, train, `PUT /gradient`, then follow the reward
 * escrow on the peer's own node until it is paid what the round decided.
 */
export async function playRound(options: PeerRoundOptions, afterRound = -1): Promise<PeerRoundResult> {
  options.onStep?.('waiting', 'for an open round');
  const checkpoint = await nextOpenRound(options.apiUrl, afterRound, options.pollMs);
  options.onStep?.('training', `round ${checkpoint.round}`);
  const payload = await options.train(
    weightsFromBytes(Buffer.from(checkpoint.weights, 'base64')),
    checkpoint.round,
  );
  const { public_key } = await getWalletInfo({ lnd: options.lnd });
  const accepted = await sendJson<{ submissionId: string; escrowId: string }>(
    `${options.apiUrl}/gradient`,
    'PUT',
    {
      peerId: options.peerId,
      round: checkpoint.round,
      checkpointHash: checkpoint.checkpointHash,
      payload: Buffer.from(payload).toString('base64'),
      nodePubkey: public_key,
    },
  );
  options.onStep?.('submitted', accepted.submissionId);
  const followed = await followEscrow({
    apiUrl: options.apiUrl,
    escrowId: accepted.escrowId,
    lnd: options.lnd,
    cltvDelta: options.cltvDelta,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  options.onStep?.('paid', `${followed.earnedSats} sats`);
  return { ...followed, round: checkpoint.round, submissionId: accepted.submissionId };
}
