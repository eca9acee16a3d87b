import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { LightningClient } from '../../activities/lightning/client';
import type { PrecheckResult, ScoredGradient, PayloadRefused } from '../../activities/training-validation';
import type { BlobStore } from '../../db/blobs';
import { blobStoreFor } from '../../db/blobs';
import { unlessAltered } from './blob-reads';
import type { PrismaClient } from '../../db/client';
import { trainingRepository } from '../../db/repos/training';
import type { WireSettings } from '../../kernels/wire-parameters';
import { DEFAULT_MODEL, weightShapes } from '../../model/config';
import type { ModelConfig } from '../../model/config';
import { stakeVerdictFor } from '../../domain/training/decide';
import type { ScoredSubmission } from '../../domain/training/decide';
import { checkPayload } from '../../domain/training/payload-check';
import type { Scorer } from '../../model/score';
import { scoreUpdate } from '../../model/submission';
import type { RoundSummary, SubmissionOutcome } from '../../workflows/training-definitions';
import { trainingRunWorkflowId } from '../../workflows/training-definitions';
import type { TrainingRoundInput } from '../../workflows/training-round';
import type { TrainingTurn } from '../../workflows/submission-definitions';
import { roundVerdicts } from '../../domain/training/round-verdicts';
import type { AuditFinding, Note } from './findings';
import { findingsList } from './findings';
import type { HistorySource, RecordedExecution } from './histories';
import {
  activityCalls,
  linkedWorkflowIds,
  replayAll,
  startInput,
  temporalHistories,
  workflowResult,
} from './histories';
import type { KnownMoney, MoneyDeps, NodeWindowReport } from './money';
import { auditEscrow, auditNodeWindow, auditStake, readExecutions } from './money';
import type { RecordedSubmission } from './paid-submissions';
import { admittedSubmissions, withoutMode } from './paid-submissions';

export interface AuditDeps {
  client: Client;
  codec: PayloadCodec;
  prisma: PrismaClient;
  lightning: LightningClient;
  scorer: (outerLearningRate: number) => Promise<Scorer>;
  /** The run's model (its tensor shapes for the pre-check); default the coordinator's. */
  model?: ModelConfig;
  /** Where histories come from; default Temporal through `client`. */
  histories?: HistorySource;
  /** Where payloads and checkpoints are; default this deployment's store. */
  blobs?: BlobStore;
}

export type { AuditFinding };

export interface RoundReport {
  round: number;
  submissions: number;
  accepted: number;
  paidSats: number;
  findings: AuditFinding[];
}

export interface AuditReport {
  runId: string;
  /** Executions of the run's workflow (one more per continue-as-new). */
  runExecutions: number;
  replayed: number;
  rounds: RoundReport[];
  node: NodeWindowReport | null;
  findings: AuditFinding[];
}

/** The reason a refused payload's stake is judged by (the submission workflow's own `refuse`). */
const REFUSED_PAYLOAD = 'malformed-payload';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const roundOf = (workflowId: string) => Number(workflowId.split('/').pop());

interface RunContext {
  deps: MoneyDeps & { scorer: AuditDeps['scorer']; model: ModelConfig; blobs: BlobStore };
  collected: RecordedExecution[];
  known: KnownMoney;
  noteFor: (round: number | null, submissionId: string | null) => Note;
}

/**
 * Audits one training run from its histories: every execution of the run (continue-as-new included), every round,
 * submission, reward escrow and stake replays against the current workflow code; every recorded payload is
 * pre-checked and re-scored bit for bit, every verdict and payout re-derived by the pure rules; every sat is held
 * to the ledger and LND, and every payment or paid invoice on LND in the run's window must be claimed.
 */
export async function auditTrainingRun(deps: AuditDeps, runId: string): Promise<AuditReport> {
  const { findings, noteFor } = findingsList();
  const context: RunContext = {
    deps: {
      ...deps,
      model: deps.model ?? DEFAULT_MODEL,
      blobs: deps.blobs ?? blobStoreFor(deps.prisma),
      histories: deps.histories ?? temporalHistories(deps.client),
    },
    collected: [],
    known: { payments: new Set(), invoices: new Set() },
    noteFor,
  };
  const note = noteFor(null, null);
  const runExecutions = await readExecutions(
    context.deps.histories,
    trainingRunWorkflowId(runId),
    context.collected,
    note,
  );
  const roundIds = runExecutions
    .flatMap((execution) => linkedWorkflowIds(execution.history))
    .filter((id) => id.startsWith('training-round/'))
    .sort((a, b) => roundOf(a) - roundOf(b));
  const rounds: RoundReport[] = [];
  for (const roundId of roundIds) {
    const [execution] = await readExecutions(context.deps.histories, roundId, context.collected, note);
    if (execution) rounds.push(await auditRound(context, execution, findings));
  }
  const replayed = await replayAll(context.collected, deps.codec, note);
  const node =
    runExecutions.length > 0 ? await auditNodeWindow(context.deps, runExecutions, context.known, note) : null;
  return { runId, runExecutions: runExecutions.length, replayed, rounds, node, findings };
}

async function auditRound(
  context: RunContext,
  execution: RecordedExecution,
  findings: AuditFinding[],
): Promise<RoundReport> {
  const { deps } = context;
  const input = await startInput<TrainingRoundInput>(deps.codec, execution.history);
  const summary = await workflowResult<RoundSummary>(deps.codec, execution.history);
  const before = findings.length;
  const note = context.noteFor(input.round, null);
  if (!summary) {
    note('AUDIT_HISTORY_MISSING', `round ${input.round} did not complete`);
    return { round: input.round, submissions: 0, accepted: 0, paidSats: 0, findings: findings.slice(before) };
  }
  const checkpoint = await unlessAltered(
    trainingRepository(deps.prisma, deps.blobs).checkpoint(input.checkpointHash),
  );
  if (!checkpoint)
    note(
      'AUDIT_CHECKPOINT_ALTERED',
      `checkpoint ${input.checkpointHash} is missing or no longer hashes to its id`,
    );

  const evidence: ScoredSubmission[] = [];
  const refused = new Map<string, string>();
  const children = await admittedSubmissions(
    deps.codec,
    deps.histories,
    [execution],
    context.collected,
    note,
  );
  for (const outcome of summary.outcomes) {
    const child = children.get(outcome.submissionId);
    const noteHere = context.noteFor(input.round, outcome.submissionId);
    if (!child) {
      if (outcome.reason !== 'submission-failed')
        noteHere('AUDIT_HISTORY_MISSING', 'the round names a submission with no history');
      continue;
    }
    const scored = await auditSubmission(
      context,
      input,
      outcome,
      child,
      checkpoint?.weights ?? null,
      noteHere,
    );
    if (scored.evidence) evidence.push(scored.evidence);
    if (scored.refusedCode) refused.set(outcome.submissionId, scored.refusedCode);
  }

  const verdicts = roundVerdicts(evidence, input.settings, input.poolSats);
  let paidSats = 0;
  for (const outcome of summary.outcomes) {
    const noteHere = context.noteFor(input.round, outcome.submissionId);
    paidSats += outcome.paidSats;
    const verdict = verdicts.get(outcome.submissionId);
    const reason = verdict?.reason ?? refused.get(outcome.submissionId);
    if (reason === undefined) continue;
    const accepted = verdict?.accepted ?? false;
    const reveal = accepted ? (verdict?.reveal ?? 0) : 0;
    if (accepted !== outcome.accepted || reason !== outcome.reason)
      noteHere('AUDIT_VERDICT_MISMATCH', `the rules decide ${reason}, history says ${outcome.reason}`);
    if (reveal !== outcome.revealed)
      noteHere(
        'AUDIT_VERDICT_MISMATCH',
        `the payout rule and the round's pool reveal ${reveal} tranches, history says ${outcome.revealed}`,
      );
    const due = stakeVerdictFor(verdict ? reason : REFUSED_PAYLOAD);
    if (outcome.stake !== null && due !== outcome.stake)
      noteHere('AUDIT_STAKE_MISMATCH', `the stake rule says ${due}, history says ${outcome.stake}`);
  }
  if (paidSats > input.poolSats)
    note('AUDIT_POOL_EXCEEDED', `the round paid ${paidSats} sats, its pool was ${input.poolSats}`);
  return {
    round: input.round,
    submissions: summary.submitted,
    accepted: summary.accepted,
    paidSats,
    findings: findings.slice(before),
  };
}

/** The submission's recorded payload pre-checked and scored again; its row, escrow and stake held to history. */
async function auditSubmission(
  context: RunContext,
  round: TrainingRoundInput,
  outcome: SubmissionOutcome,
  submission: RecordedSubmission,
  weights: Float32Array | null,
  note: Note,
): Promise<{ evidence: ScoredSubmission | null; refusedCode: string | null }> {
  const { deps } = context;
  const { execution, request, result } = submission;
  const own = result?.outcome?.mode === 'training' ? result.outcome : null;
  if (!own || !same(withoutMode(own), outcome))
    note('AUDIT_HISTORY_MISMATCH', "the round's recorded outcome is not the submission's own result");
  const entry = request?.mode === 'training' ? request.entry : null;
  const turn = submission.turn?.mode === 'training' ? submission.turn : null;
  if (!entry || !turn) {
    note('AUDIT_HISTORY_MISSING', 'the submission has no recorded request or turn');
    return { evidence: null, refusedCode: null };
  }
  const recordedHash = entry.payload.sha256;
  const recorded = await unlessAltered(deps.blobs.get(recordedHash));
  if (!recorded)
    note('AUDIT_PAYLOAD_ALTERED', `the payload recorded in history (${recordedHash}) is missing or altered`);
  const stored = await trainingRepository(deps.prisma, deps.blobs).submission(outcome.submissionId);
  if (!stored) note('AUDIT_RECORD_MISMATCH', 'no decided submission in the database');
  else {
    if (stored.payloadHash !== recordedHash)
      note('AUDIT_PAYLOAD_ALTERED', 'the stored payload differs from the one recorded in history');
    if (stored.stakeOutcome !== outcome.stake)
      note(
        'AUDIT_RECORD_MISMATCH',
        `the database says the stake was ${stored.stakeOutcome}, history says ${outcome.stake}`,
      );
    const row = [stored.accepted, stored.reason, stored.revealed, Number(stored.paidSats)];
    if (!same(row, [outcome.accepted, outcome.reason, outcome.revealed, outcome.paidSats]))
      note('AUDIT_RECORD_MISMATCH', `the database says ${row.join('/')}, history says ${outcome.reason}`);
  }

  const { evidence, refusedCode } = recorded
    ? await recheckPayload(context, round, outcome, execution, turn, recorded, weights, note)
    : { evidence: null, refusedCode: null };

  const escrowId = linkedWorkflowIds(execution.history).find((id) => id.startsWith('escrow/'));
  if (escrowId) {
    const [escrow] = await readExecutions(deps.histories, escrowId, context.collected, note);
    const paid = escrow ? await auditEscrow(deps, escrow, context.known, note) : null;
    if (paid && (paid.revealed !== outcome.revealed || paid.paidSats !== outcome.paidSats))
      note(
        'AUDIT_HISTORY_MISMATCH',
        `the escrow revealed ${paid.revealed} and paid ${paid.paidSats} sats, the submission says ${outcome.revealed} and ${outcome.paidSats}`,
      );
  }
  const stake = result?.stake;
  if (stake && submission.input.stake) {
    const reason = refusedCode === null ? outcome.reason : REFUSED_PAYLOAD;
    await auditStake(deps, execution, stake.paymentHash, stakeVerdictFor(reason), context.known, note);
  }
  return { evidence, refusedCode };
}

/** The recorded payload pre-checked and, when history scored it, scored again bit for bit. */
async function recheckPayload(
  context: RunContext,
  round: TrainingRoundInput,
  outcome: SubmissionOutcome,
  execution: RecordedExecution,
  turn: TrainingTurn,
  recorded: Buffer,
  weights: Float32Array | null,
  note: Note,
): Promise<{ evidence: ScoredSubmission | null; refusedCode: string | null }> {
  const { deps } = context;
  const calls = await activityCalls(deps.codec, execution.history);
  const check = (compression: WireSettings) =>
    checkPayload(recorded, { shapes: weightShapes(deps.model), compression });
  const precheck = calls.find((call) => call.type === 'precheckGradient')?.result as
    PrecheckResult | undefined;
  const now = check(turn.settings.compression);
  const recordedCode = precheck ? (precheck.ok ? 'ok' : precheck.code) : 'missing';
  if (recordedCode !== (now.ok ? 'ok' : now.code))
    note(
      'AUDIT_PRECHECK_MISMATCH',
      `the pre-check gives ${now.ok ? 'ok' : now.code} now, history says ${recordedCode}`,
    );

  let evidence: ScoredSubmission | null = null;
  let refusedCode: string | null = now.ok ? null : now.code;
  const scoring = calls.find((call) => call.type === 'scoreGradient');
  if (now.ok && scoring) {
    const scoreInput = scoring.input as {
      checkpointHash: string;
      heldOutSeed: number;
      outerLearningRate: number;
    };
    const scoredThen = scoring.result as ScoredGradient | PayloadRefused | undefined;
    const scoreWeights =
      scoreInput.checkpointHash === round.checkpointHash
        ? weights
        : ((
            await unlessAltered(
              trainingRepository(deps.prisma, deps.blobs).checkpoint(scoreInput.checkpointHash),
            )
          )?.weights ?? null);
    if (scoredThen && !scoredThen.ok) refusedCode = scoredThen.code;
    else if (scoreWeights && scoredThen) {
      // Re-score what history recorded: the decisions were made on it, whatever the database holds now.
      const rescored = await scoreUpdate(
        await deps.scorer(scoreInput.outerLearningRate),
        scoreWeights,
        outcome.submissionId,
        recorded,
        now.update,
        scoreInput.heldOutSeed,
      );
      const then = [
        scoredThen.lossBefore,
        scoredThen.lossAfter,
        scoredThen.evidence.lossDelta,
        outcome.lossDelta,
      ];
      const again = [
        rescored.score.lossBefore,
        rescored.score.lossAfter,
        rescored.score.delta,
        rescored.score.delta,
      ];
      if (!then.every((value, i) => Object.is(value, again[i])))
        note(
          'AUDIT_RESCORE_MISMATCH',
          `re-scoring gives a loss delta of ${rescored.score.delta}, history says ${outcome.lossDelta}`,
        );
      evidence = rescored.evidence;
    }
  }
  return { evidence, refusedCode };
}
