import {
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import type { TrainingValidationActivities } from '../activities/training-validation';
import { roundVerdicts } from '../domain/training/round-verdicts';
import { splitIntoTranches } from '../domain/money/tranches';
import { submissionRefusal } from '../domain/training/refusals';
import { ACTIVITY_PROFILES } from '../temporal-config';
import type { AdmitRequest } from './submission-definitions';
import {
  admissionSignal,
  admitSignal,
  decisionSignal,
  evidenceSignal,
  outcomeSignal,
  turnSignal,
  withoutMode,
} from './submission-definitions';
import type {
  RoundSettings,
  RoundStatus,
  RoundSummary,
  ScoredReport,
  SubmissionOutcome,
} from './training-definitions';
import { roundStatusQuery } from './training-definitions';
import { tellSubmission } from './submission-parent';

const validation = proxyActivities<TrainingValidationActivities>(ACTIVITY_PROFILES.validation);

/**
 * The outcome of a submission that reported none in time: rejected, and booked as if it paid the tranches its
 * verdict revealed (its escrow may still pay them), so the run's budget never counts those sats twice.
 */
function unreportedOutcome(
  entry: { submissionId: string; peerId: string; escrowId: string },
  committedSats: number,
): SubmissionOutcome {
  return {
    ...entry,
    accepted: false,
    reason: 'submission-failed',
    lossDelta: null,
    revealed: 0,
    paidSats: committedSats,
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
 * the deadline (each a `paidSubmission` that asked for admission), let each score, decide all verdicts together
 * (pure) and hand each its own, take their outcomes, aggregate the accepted updates.
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
  /** Each admitted submission's own workflow, by submission id: where the round's answers go. */
  const workflows = new Map<string, string>();
  /** Payload hashes by submission id: the aggregator reads the bytes from the blob store. */
  const payloads = new Map<string, string>();
  const scored = new Map<string, ScoredReport>();
  const reported = new Map<string, SubmissionOutcome>();
  setHandler(roundStatusQuery, () => status);

  setHandler(admitSignal, async (request: AdmitRequest) => {
    const refused =
      request.mode === 'training'
        ? submissionRefusal(status, { ...request.entry, stake: request.stake })
        : 'INVALID_INPUT';
    if (refused || request.mode !== 'training') {
      await tellSubmission(request.workflowId, admissionSignal, { refused: refused ?? 'INVALID_INPUT' });
      return;
    }
    const { entry } = request;
    const submissionId = `${input.runId}-r${input.round}-${entry.peerId}`;
    // Escrow ids are the earner's capability to follow its escrow: unguessable, yet replay-stable (seeded uuid4).
    const escrowId = uuid4();
    status.submissions.push({ submissionId, escrowId, peerId: entry.peerId });
    workflows.set(submissionId, request.workflowId);
    payloads.set(submissionId, entry.payload.sha256);
    const turnWithinSeconds = settings.submitWithinSeconds;
    const admitted = { submissionId, escrowId, position: 1, turnWithinSeconds };
    // A round's turn comes at once: both answers go out in one workflow task (the submission takes them in order).
    const [heard] = await Promise.all([
      tellSubmission(request.workflowId, admissionSignal, { admitted }),
      tellSubmission(request.workflowId, turnSignal, {
        mode: 'training',
        runId: input.runId,
        heldOutSeed: input.heldOutSeed,
        settings,
      }),
    ]);
    if (!heard) {
      // Its workflow ended (it waited too long for us) before hearing it was admitted: it opened no escrow and will
      // send no evidence, so it is not the peer's update of this round and the round does not wait for it.
      status.submissions.splice(
        status.submissions.findIndex((admittedEntry) => admittedEntry.submissionId === submissionId),
        1,
      );
      workflows.delete(submissionId);
      payloads.delete(submissionId);
    }
  });
  setHandler(evidenceSignal, (report) => {
    if (report.mode !== 'training' || !workflows.has(report.submissionId)) return;
    scored.set(report.submissionId, withoutMode(report));
  });
  setHandler(outcomeSignal, (report) => {
    if (report.mode !== 'training' || !workflows.has(report.submissionId)) return;
    reported.set(report.submissionId, withoutMode(report));
  });

  await condition(
    () => allHandlersFinished() && status.submissions.length >= settings.peers.length,
    settings.submitWithinSeconds * 1000,
  );
  // Every admission sent (an admit handler still running) is heard or withdrawn before the round counts them.
  await condition(allHandlersFinished);
  status.phase = 'scoring';
  await condition(() => scored.size >= status.submissions.length, settings.scoreWithinSeconds * 1000);

  status.phase = 'deciding';
  const entries = [...status.submissions];
  const arrivals = entries.map((entry) => scored.get(entry.submissionId));
  const evidence = arrivals.flatMap((report) => (report?.evidence ? [report.evidence] : []));
  const verdicts = roundVerdicts(evidence, settings, input.poolSats);
  status.phase = 'paying';
  await Promise.all(
    entries.map(async (entry, position) => {
      if (arrivals[position]?.precheckFailure) return; // that submission refused its payload on its own
      const verdict = verdicts.get(entry.submissionId) ?? {
        accepted: false,
        reason: 'not-scored-in-time',
        reveal: 0,
      };
      await tellSubmission(workflows.get(entry.submissionId) as string, decisionSignal, {
        mode: 'training',
        ...verdict,
      });
    }),
  );
  // Each submission reports once its escrow and stake have ended; one that does not is its own failure.
  const { escrow } = settings;
  const reportWithinSeconds = 2 * (escrow.invoiceWithinSeconds + escrow.decideWithinSeconds);
  await condition(() => reported.size >= entries.length, reportWithinSeconds * 1000);
  const trancheSats = splitIntoTranches(settings.payout.capSats, settings.payout.trancheCount);
  const outcomes: SubmissionOutcome[] = entries.map((entry) => {
    const outcome = reported.get(entry.submissionId);
    if (outcome) return outcome;
    log.error('submission reported no outcome in time', { submissionId: entry.submissionId });
    const revealed = verdicts.get(entry.submissionId)?.reveal ?? 0;
    return unreportedOutcome(
      entry,
      trancheSats.slice(0, revealed).reduce((sum, sats) => sum + sats, 0),
    );
  });

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
