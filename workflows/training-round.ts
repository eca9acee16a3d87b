import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { roundVerdicts } from './round-verdicts';
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
import { submissionRefusal } from './training-refusal';
import { trainingSubmission } from './training-submission';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);

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
      payloads.set(submissionId, submission.payloadBase64);
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
    entries.map((entry, position) => {
      const report = arrivals[position];
      if (report?.precheckFailure) return undefined; // that child ended at its pre-checks
      const verdict = verdicts.get(entry.submissionId);
      return children
        .get(entry.submissionId)!
        .signal(verdictSignal, verdict ?? { accepted: false, reason: 'not-scored-in-time', reveal: 0 });
    }),
  );
  const outcomes: SubmissionOutcome[] = await Promise.all(
    entries.map((entry) => children.get(entry.submissionId)!.result()),
  );

  status.phase = 'aggregating';
  const next = await validation.aggregateRound({
    runId: input.runId,
    round: input.round,
    checkpointHash: input.checkpointHash,
    acceptedPayloads: outcomes.filter((o) => o.accepted).map((o) => payloads.get(o.submissionId) as string),
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
    seconds: (Date.now() - openedAt) / 1000,
  };
}
