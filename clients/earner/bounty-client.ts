import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import {
  ServerAnswerError,
  call,
  jsonRequest,
  newIdempotencyKey,
  ok,
  payAccessFee,
  payStakeAndRetry,
} from '../l402-client';
import { followEscrow } from './follow-escrow';
import type { FollowedEscrow } from './follow-escrow';

export interface SubmissionView {
  id: string;
  escrowId: string;
  status: 'PENDING' | 'ACCEPTED' | 'REJECTED';
  reason: string | null;
  publicScore: number | null;
  heldOutScore: number | null;
  improvement: number | null;
  payoutSats: number;
  stakeHash: string | null;
  stakeOutcome: string | null;
  /** How the coordinator limited its evals: cgroup-v2, cgroup-v1 or process. */
  limitsMode: string | null;
}

export interface SubmitOptions {
  apiUrl: string;
  bountyId: string;
  lnd: AuthenticatedLnd;
  diff: string;
  claimedScore: number;
  /** Final CLTV delta of the escrow's hold invoices on the agent's node. */
  cltvDelta?: number;
  pollMs?: number;
  onProgress?: (line: string) => void;
}

export interface SubmitOutcome {
  submissionId: string;
  escrow: FollowedEscrow;
  submission: SubmissionView;
}

/**
 * The agent's whole side of a bounty submission: submit; if the bounty asks for a stake, pay its hold invoice
 * from our node and submit again with the macaroon; follow the reward escrow; wait for the verdict.
 */
export async function submitToBounty(options: SubmitOptions): Promise<SubmitOutcome> {
  const progress = options.onProgress ?? (() => {});
  const pollMs = options.pollMs ?? 250;
  const wait = () => new Promise((resolve) => setTimeout(resolve, pollMs));
  const url = `${options.apiUrl}/bounties/${options.bountyId}`;
  const agentPublicKey = (await getWalletInfo({ lnd: options.lnd })).public_key;
  const body = { diff: options.diff, claimedScore: options.claimedScore, agentPublicKey };

  // One key for the submission, its staked repeat and every retry: the coordinator takes it once.
  const key = newIdempotencyKey();
  const submit = (authorization?: string) =>
    call<{ submissionId: string; escrowId: string }>(
      `${url}/submissions`,
      jsonRequest('POST', body, authorization, key),
    );
  let answer = await submit();
  if (answer.status === 402 && answer.challenge) {
    progress('paying the stake (a hold invoice: refunded unless the submission is abusive)');
    answer = await payStakeAndRetry(options.lnd, answer.challenge, submit, pollMs);
  }
  const { submissionId, escrowId } = ok(answer);
  progress(`submitted ${submissionId}; waiting for its turn and its escrow ${escrowId}`);
  const status = async () => ok(await call<SubmissionView>(`${url}/submissions/${submissionId}`));
  // The escrow starts when the bounty validates this submission (one at a time), and never for a refused diff.
  let submission: SubmissionView | null = null;
  while ((await call(`${options.apiUrl}/escrows/${escrowId}`)).status === 404) {
    submission = await status().catch((err: unknown) => {
      if (err instanceof ServerAnswerError && err.code === 'SUBMISSION_NOT_FOUND') return null;
      throw err;
    });
    if (submission && submission.status !== 'PENDING') break;
    await wait();
  }
  const escrow =
    submission && submission.status !== 'PENDING'
      ? { revealed: 0, earnedSats: 0, phase: 'expired' as const }
      : await followEscrow({
          apiUrl: options.apiUrl,
          escrowId,
          lnd: options.lnd,
          cltvDelta: options.cltvDelta ?? 60,
          pollMs,
          onPhase: (view) => progress(`escrow ${view.phase}`),
        });
  submission = await status();
  while (submission.status === 'PENDING') {
    await wait();
    submission = await status();
  }
  progress(`${submission.status.toLowerCase()} (${submission.reason}); paid ${submission.payoutSats} sats`);
  return { submissionId, escrow, submission };
}

/** Buys the baseline with our node (L402 access fee) and returns its files. */
export async function buyBaseline(
  apiUrl: string,
  bountyId: string,
  lnd: AuthenticatedLnd,
): Promise<{ files: Record<string, string>; bestScore: number | null; authorization: string }> {
  const url = `${apiUrl}/bounties/${bountyId}/baseline`;
  const first = await call<{ files: Record<string, string>; bestScore: number | null }>(url);
  if (first.status !== 402 || !first.challenge) return { ...ok(first), authorization: '' };
  const authorization = await payAccessFee(lnd, first.challenge);
  return { ...ok(await call(url, { headers: { authorization } })), authorization };
}
