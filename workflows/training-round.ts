import {
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { roundVerdicts } from '../domain/training/round-verdicts';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type {
  AcceptedSubmission,
  RoundSettings,
  RoundStatus,
  RoundSummary,
  ScoredReport,
  SubmissionOutcome,
} from './training-definitions';
import {
  roundStatusQuery,
  scoredSignal,
  submitGradientUpdate,
  trainingSubmissionWorkflowId,
  verdictSignal,
} from './training-definitions';
import { submissionRefusal } from '../domain/training/refusals';
import { trainingSubmission } from './training-submission';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);

/** The outcome of a submission whose workflow failed: rejected, unpaid (its escrow ends on its own deadline). */
function failedOutcome(entry: { submissionId: string; peerId: string; escrowId: string }): SubmissionOutcome {
  return {
    ...entry,
    accepted: false,
    reason: 'submission-failed',
    lossDelta: null,
    revealed: 0,
    paidSats: 0,
    stake: null,
  };
}

export interface TrainingRoundInput {
  runId: string;
  round: number;
  checkpointHash: string;
  /** Seed of the held-out batch every submission of this round is scored on. */
  heldOutSeed: number;
  /** The most this round pays in rewards (its share of the run's budget). */
  poolSats: number;
  settings: RoundSettings;
}

/**
 * One training round: open with the checkpoint and seed in history, take one update per registered peer until
 * the deadline, let each child score, decide all verdicts together (pure), pay, aggregate the accepted updates.
 */
export async function trainingRound(input: TrainingRoundInput): Promise<RoundSummary> {
  const { settings } = input;
  const openedAt = Date.now();
  const status: RoundStatus = {
    runId: input.runId,
    round: input.round,
    checkpointHash: input.checkpointHash,
    heldOutSeed: input.heldOutSeed,
    poolSats: input.poolSats,
    closesAt: openedAt + settings.submitWithinSeconds * 1000,
    settings,
    phase: 'open',
    submissions: [],
  };
  // Keyed by submission id: concurrent updates may finish starting their children in any order.
  const children = new Map<string, ChildWorkflowHandle<typeof trainingSubmission>>();
  /** Payload hashes by submission id: the aggregator reads the bytes from the blob store. */
  const payloads = new Map<string, string>();
  const scored = new Map<string, ScoredReport>();
  setHandler(roundStatusQuery, () => status);
  setHandler(scoredSignal, (report) => {
    scored.set(report.submissionId, report);
  });
  setHandler(
    submitGradientUpdate,
    async (submission): Promise<AcceptedSubmission> => {
      const { workflowId } = workflowInfo();
      const submissionId = `${input.runId}-r${input.round}-${submission.peerId}`;
      // Escrow ids are the earner's capability to follow its escrow: unguessable, yet replay-stable (seeded uuid4).
      const accepted = { submissionId, escrowId: uuid4() };
      status.submissions.push({ ...accepted, peerId: submission.peerId });
      payloads.set(submissionId, submission.payload.sha256);
      children.set(
        submissionId,
        await startChild(trainingSubmission, {
          workflowId: trainingSubmissionWorkflowId(submissionId),
          args: [
            {
              runId: input.runId,
              submissionId,
              escrowId: accepted.escrowId,
              roundWorkflowId: workflowId,
              submission,
              heldOutSeed: input.heldOutSeed,
              settings,
            },
          ],
        }),
      );
      return accepted;
    },
    {
      validator: (submission) => {
        const reason = submissionRefusal(status, submission);
        if (reason)
          throw ApplicationFailure.create({
            type: reason,
            message: `submission refused: ${reason}`,
            nonRetryable: true,
          });
      },
    },
  );

  await condition(() => children.size >= settings.peers.length, settings.submitWithinSeconds * 1000);
  status.phase = 'scoring';
  // A submission whose child is still starting counts once it exists (the update waits for it).
  await condition(() => children.size === status.submissions.length, settings.scoreWithinSeconds * 1000);
  await condition(() => scored.size >= children.size, settings.scoreWithinSeconds * 1000);

  status.phase = 'deciding';
  const entries = status.submissions.filter((entry) => children.has(entry.submissionId));
  const arrivals = entries.map((entry) => scored.get(entry.submissionId));
  const evidence = arrivals.flatMap((report) => (report?.evidence ? [report.evidence] : []));
  const verdicts = roundVerdicts(evidence, settings, input.poolSats);
  status.phase = 'paying';
  await Promise.all(
    entries.map(async (entry, position) => {
      const report = arrivals[position];
      if (report?.precheckFailure) return; // that child refused its payload on its own
      const verdict = verdicts.get(entry.submissionId);
      // A child that already ended (it failed) cannot take a signal: its outcome below says so.
      await children
        .get(entry.submissionId)!
        .signal(verdictSignal, verdict ?? { accepted: false, reason: 'not-scored-in-time', reveal: 0 })
        .catch((err: unknown) =>
          log.warn('verdict not delivered', { submissionId: entry.submissionId, err }),
        );
    }),
  );
  // One submission's failure is its own: the round records it unpaid and goes on with the others.
  const outcomes: SubmissionOutcome[] = await Promise.all(
    entries.map((entry) =>
      children
        .get(entry.submissionId)!
        .result()
        .catch((err: unknown): SubmissionOutcome => {
          log.error('submission workflow failed', { submissionId: entry.submissionId, err });
          return failedOutcome(entry);
        }),
    ),
  );

  status.phase = 'aggregating';
  const next = await validation.aggregateRound({
    runId: input.runId,
    round: input.round,
    checkpointHash: input.checkpointHash,
    accepted: outcomes
      .filter((o) => o.accepted)
      .map((o) => ({ submissionId: o.submissionId, payloadSha256: payloads.get(o.submissionId) as string })),
    compression: settings.compression,
    outerLearningRate: settings.outerLearningRate,
    heldOutSeed: input.heldOutSeed,
  });
  status.phase = 'done';
  return {
    round: input.round,
    poolSats: input.poolSats,
    checkpointHash: input.checkpointHash,
    nextCheckpointHash: next.checkpointHash,
    heldOutLoss: next.heldOutLoss,
    submitted: status.submissions.length,
    accepted: outcomes.filter((o) => o.accepted).length,
    outcomes,
    notAggregated: next.skipped,
    seconds: (Date.now() - openedAt) / 1000,
  };
}
