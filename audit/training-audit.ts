import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { LightningClient } from '../activities/lightning/client';
import { scorePayload } from '../model/submission';
import type { Scorer } from '../model/score';
import { stakeVerdictFor } from '../model/decide';
import type { PrismaClient } from '../db/client';
import { trainingRepository } from '../db/repos/training';
import { escrowWorkflowId } from '../workflows/definitions';
import type { HeldStake, StakeVerdict } from '../workflows/definitions';
import type { RoundSummary, RunStatus } from '../workflows/training-definitions';
import type { TrainingSubmissionInput } from '../workflows/training-submission';
import type { TrainingRoundInput } from '../workflows/training-round';
import { roundVerdicts } from '../workflows/round-verdicts';
import {
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
  trainingSubmissionWorkflowId,
} from '../workflows/training-definitions';

export interface AuditDeps {
  client: Client;
  codec: PayloadCodec;
  prisma: PrismaClient;
  lightning: LightningClient;
  scorer: (outerLearningRate: number) => Promise<Scorer>;
}

export interface AuditFinding {
  round: number | null;
  submissionId: string | null;
  problem: string;
}

export interface RoundVerdict {
  round: number;
  submissions: number;
  accepted: number;
  paidSats: number;
  findings: AuditFinding[];
}

export interface AuditReport {
  runId: string;
  replayed: number;
  rounds: RoundVerdict[];
  findings: AuditFinding[];
}

type History = temporal.api.history.v1.IHistory;

async function startInput<T>(codec: PayloadCodec, history: History): Promise<T> {
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const [first] = await codec.decode(payloads as Payload[]);
  return defaultPayloadConverter.fromPayload<T>(first as Payload);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Audits one training run: replays every workflow history against the current workflow code (a nondeterminism is a
 * finding), re-scores every submission from the stored payload and checkpoint (scores must match bit for bit),
 * re-derives each verdict and payout with the pure rules, and checks each payout against the ledger and LND.
 */
export async function auditTrainingRun(deps: AuditDeps, runId: string): Promise<AuditReport> {
  const findings: AuditFinding[] = [];
  const histories: { workflowId: string; history: History }[] = [];
  const fetch = async (workflowId: string) => {
    const history = await deps.client.workflow.getHandle(workflowId).fetchHistory();
    histories.push({ workflowId, history });
    return history;
  };

  await fetch(trainingRunWorkflowId(runId));
  const run = (await deps.client.workflow.getHandle(trainingRunWorkflowId(runId)).result()) as RunStatus;
  const training = trainingRepository(deps.prisma);
  const rounds: RoundVerdict[] = [];

  for (const summary of run.history) {
    const roundHistory = await fetch(trainingRoundWorkflowId(runId, summary.round));
    const roundInput = await startInput<TrainingRoundInput>(deps.codec, roundHistory);
    rounds.push(await auditRound(deps, training, runId, summary, roundInput, fetch));
  }

  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../workflows'), dataConverter: { payloadCodecs: [deps.codec] } },
    histories,
  )) {
    replayed += 1;
    if (result.error)
      findings.push({
        round: null,
        submissionId: null,
        problem: `replay of ${result.workflowId} failed: ${result.error.message}`,
      });
  }
  return { runId, replayed, rounds, findings: [...findings, ...rounds.flatMap((round) => round.findings)] };
}

async function auditRound(
  deps: AuditDeps,
  training: ReturnType<typeof trainingRepository>,
  runId: string,
  summary: RoundSummary,
  input: TrainingRoundInput,
  fetch: (workflowId: string) => Promise<History>,
): Promise<RoundVerdict> {
  const findings: AuditFinding[] = [];
  const note = (submissionId: string | null, problem: string) =>
    findings.push({ round: summary.round, submissionId, problem });
  const checkpoint = await training.checkpoint(input.checkpointHash);
  if (!checkpoint) note(null, `checkpoint ${input.checkpointHash} is missing`);
  const scorer = await deps.scorer(input.settings.outerLearningRate);

  const evidence = [];
  const stakes = new Map<string, HeldStake>();
  for (const outcome of summary.outcomes) {
    const submissionInput = await startInput<TrainingSubmissionInput>(
      deps.codec,
      await fetch(trainingSubmissionWorkflowId(outcome.submissionId)),
    );
    if (submissionInput.submission.stake) stakes.set(outcome.submissionId, submissionInput.submission.stake);
    const recorded = Buffer.from(submissionInput.submission.payloadBase64, 'base64');
    const stored = await training.submission(outcome.submissionId);
    if (!stored) {
      note(outcome.submissionId, 'no decided submission in the database');
      continue;
    }
    if (sha256(stored.payload) !== sha256(recorded) || stored.payloadHash !== sha256(recorded)) {
      note(outcome.submissionId, 'the stored payload differs from the one recorded in history');
    }
    if (stored.stakeOutcome !== outcome.stake) {
      note(
        outcome.submissionId,
        `the database says the stake was ${stored.stakeOutcome}, history says ${outcome.stake}`,
      );
    }
    if (!checkpoint || outcome.lossDelta === null) continue;
    // Re-score what history recorded: the decisions were made on it, whatever the database holds now.
    const rescored = await scorePayload(
      scorer,
      checkpoint.weights,
      outcome.submissionId,
      recorded,
      input.heldOutSeed,
    );
    if (
      !Object.is(rescored.score.delta, outcome.lossDelta) ||
      !Object.is(rescored.score.lossBefore, stored.lossBefore)
    ) {
      note(
        outcome.submissionId,
        `re-scoring gives a loss delta of ${rescored.score.delta}, history says ${outcome.lossDelta}`,
      );
    }
    evidence.push(rescored.evidence);
  }

  const verdicts = roundVerdicts(evidence, input.settings, input.poolSats);
  let paidSats = 0;
  for (const outcome of summary.outcomes) {
    const verdict = verdicts.get(outcome.submissionId);
    if (verdict && (verdict.accepted !== outcome.accepted || verdict.reason !== outcome.reason)) {
      note(outcome.submissionId, `the rules decide ${verdict.reason}, history says ${outcome.reason}`);
    }
    const earned = verdict?.accepted ? verdict.reveal : 0;
    if (earned !== outcome.revealed)
      note(
        outcome.submissionId,
        `the payout rule and the round's pool reveal ${earned} tranches, history says ${outcome.revealed}`,
      );
    paidSats += outcome.paidSats;
    if (outcome.escrowId)
      await auditPayout(deps, outcome.submissionId, outcome.escrowId, outcome.paidSats, note);
    const stake = stakes.get(outcome.submissionId);
    if (stake) {
      // An unscored submission failed its pre-checks: a malformed payload.
      const due = stakeVerdictFor(
        verdict?.reason ?? (outcome.lossDelta === null ? 'malformed-payload' : outcome.reason),
      );
      if (due !== outcome.stake)
        note(outcome.submissionId, `the stake rule says ${due}, history says ${outcome.stake}`);
      await auditStake(deps, outcome.submissionId, stake, due, note);
    }
  }
  if (paidSats > input.poolSats)
    note(null, `the round paid ${paidSats} sats, its pool was ${input.poolSats}`);
  return {
    round: summary.round,
    submissions: summary.submitted,
    accepted: summary.accepted,
    paidSats,
    findings,
  };
}

/** The escrow's settled ledger rows and LND's succeeded payments must both add up to what history says was paid. */
async function auditPayout(
  deps: AuditDeps,
  submissionId: string,
  escrowId: string,
  paidSats: number,
  note: (submissionId: string, problem: string) => void,
): Promise<void> {
  const rows = await deps.prisma.ledgerEntry.findMany({
    where: { workflowId: escrowWorkflowId(escrowId), direction: 'OUTGOING' },
  });
  const ledgerPaid = rows
    .filter((row) => row.state === 'SETTLED')
    .reduce((total, row) => total + Number(row.amountSats), 0);
  if (ledgerPaid !== paidSats)
    note(submissionId, `the ledger shows ${ledgerPaid} sats paid, history says ${paidSats}`);
  let lndPaid = 0;
  for (const row of rows) {
    const payment = await deps.lightning.getPayment(row.paymentHash);
    if (payment?.state === 'SUCCEEDED') lndPaid += payment.deliveredSats ?? 0;
  }
  if (lndPaid !== paidSats) note(submissionId, `LND shows ${lndPaid} sats paid, history says ${paidSats}`);
}

/** A forfeited stake must be settled and a refunded one cancelled, in the ledger and on LND alike. */
async function auditStake(
  deps: AuditDeps,
  submissionId: string,
  stake: HeldStake,
  due: StakeVerdict,
  note: (submissionId: string, problem: string) => void,
): Promise<void> {
  const expected = due === 'forfeit' ? 'SETTLED' : 'CANCELED';
  const row = await deps.prisma.ledgerEntry.findFirst({
    where: { paymentHash: stake.paymentHash, direction: 'INCOMING' },
  });
  if (row?.state !== expected)
    note(submissionId, `the ledger shows the stake ${row?.state ?? 'missing'}, the rule says ${expected}`);
  const invoice = await deps.lightning.getInvoice(stake.paymentHash);
  if (invoice.state !== expected)
    note(submissionId, `LND shows the stake ${invoice.state}, the rule says ${expected}`);
}
