// Per-submission overhead of the durable path (DESIGN §3, §5), measured in one run on the local regtest stack
// (started or reused): a training submission through the trainingRound / paidSubmission / rewardEscrow
// workflows (the peer plays it over the API and follows its escrow on its own node) vs the same activity
// functions, the same pure verdict and the same earner calls made in-process. Both windows end when the peer's
// node reports every tranche settled (revealed) or cancelled; "accepted → settled" opens once every tranche HTLC
// is held on the peer's hold invoices and the score is in, "submitted → settled" once the peer has its payload.
// The paths alternate (each round's direct replay runs right after it), after BENCH_WARMUP pairs left uncounted.
//   node -r tsx/cjs dev/bench/submission.ts        (BENCH_SUBMISSIONS=N, default 30; BENCH_WARMUP, default 2)
// BENCH_TIMELINE=1 also prints the last submission's workflow events, in ms from the moment it was submitted.
import { randomUUID } from 'node:crypto';
import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { failureBoundary } from '../../activities/failure-boundary';
import type { InvoiceStatus } from '../../activities/lightning/client';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { controlActivities } from '../../server/coordinator/control-worker';
import { loadTrainingConfig } from '../../server/coordinator/training-settings';
import { validationActivities } from '../../server/coordinator/validator';
import type { PrismaClient } from '../../db/client';
import { sha256Hex } from '../../db/blobs';
import { revealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { MIN_SAFETY_MARGIN_BLOCKS } from '../../domain/money/cltv';
import { feeLimitSats } from '../../domain/money/fees';
import { splitIntoTranches } from '../../domain/money/tranches';
import { escrowEarner } from '../../clients/earner/escrow-client';
import { playRound } from '../../clients/peer/client';
import { referenceTrainer } from '../../clients/peer/reference-trainer';
import type { StackConfig } from '../stack/config';
import { loadStackConfig } from '../stack/config';
import { stackUp } from '../stack/launcher';
import { connectLnd, readCredentials } from '../stack/lnd';
import { TASK_QUEUES } from '../../temporal-config';
import { escrowWorkflowId } from '../../workflows/definitions';
import { trainingRun } from '../../workflows';
import { roundVerdicts } from '../../domain/training/round-verdicts';
import {
  roundStatusQuery,
  trainingRoundWorkflowId,
  trainingRunWorkflowId,
} from '../../workflows/training-definitions';
import { startLocalCoordinator } from './local-coordinator';
import { printTimeline } from './timeline';

const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const TIMELINE = process.env.BENCH_TIMELINE === '1';
const PEER = { peerId: 'alice', node: 'peer' };
/** How often the peer polls the coordinator's API for its escrow's phase: part of the durable path's cost. */
const PEER_POLL_MS = 25;
const CLTV_DELTA = 60;
const SETTINGS = { ...loadTrainingConfig().settings, peers: [PEER.peerId] };
const TRANCHE_SATS = splitIntoTranches(SETTINGS.payout.capSats, SETTINGS.payout.trancheCount);

/** performance.now() at the moments of one submission. */
interface Timing {
  /** The peer has its trained payload and submits it. */
  submitted: number;
  /** Every tranche invoice is held on the peer's node. */
  accepted: number;
  /** The scoreGradient activity returned (it runs alongside the escrow, so it may end before or after `accepted`). */
  scored: number;
  /** Every tranche invoice is settled or cancelled on the peer's node. */
  settled: number;
  /** Tranches revealed and settled; the others were cancelled. */
  revealed: number;
}

/** What the workflow path scored, so the direct path does the same work and reaches the same decisions. */
interface ScoringInput {
  checkpointHash: string;
  heldOutSeed: number;
  /** The payload as the API stored it for the workflow path (its blob), read again by the direct path. */
  payloadSha256: string;
  /** The round's reward pool, which the verdict's reveal is fitted into. */
  poolSats: number;
}

type Coordinator = Awaited<ReturnType<typeof startCoordinator>>;

/**
 * Calls an activity function in-process with an activity context (heartbeats go nowhere) inside the failure
 * boundary, as a worker would.
 */
function inActivityContext() {
  const environment = new MockActivityEnvironment(undefined, { interceptors: [failureBoundary] });
  return <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
    environment.run<P, R, typeof fn>(fn, ...args);
}

/**
 * Resolves with the time the last tranche invoice on the earner's node was first reported passing `test`, from
 * LND's invoice subscriptions: the observer waits on events rather than polling, so it takes no time from the
 * paths it measures.
 */
async function whenTranches(
  lnd: AuthenticatedLnd,
  paymentHashes: string[],
  test: (invoice: InvoiceStatus) => boolean,
): Promise<number> {
  const earner = lnServiceClient(lnd);
  const seen = await Promise.all(
    paymentHashes.map(async (paymentHash) => {
      await earner.watchInvoice(paymentHash, test, AbortSignal.timeout(120_000));
      return performance.now();
    }),
  );
  return Math.max(...seen);
}

const resolved = (invoice: InvoiceStatus) => invoice.state === 'SETTLED' || invoice.state === 'CANCELED';
// An escrow decided before its tranches were held reveals at once, so a tranche may settle before it is seen held.
const held = (invoice: InvoiceStatus) => invoice.state === 'HELD' || resolved(invoice);

/** Temporal dev server, both workers, the coordinator's API, and the activities the workers register. */
async function startCoordinator(stack: StackConfig) {
  const scoredAt = new Map<string, number>();
  const timedValidation = (prisma: PrismaClient) => {
    const untimed = validationActivities(prisma);
    return {
      ...untimed,
      scoreGradient: async (input: Parameters<typeof untimed.scoreGradient>[0]) => {
        const scored = await untimed.scoreGradient(input);
        scoredAt.set(input.submissionId, performance.now());
        return scored;
      },
    };
  };
  const runId = `bench-${randomUUID()}`;
  const local = await startLocalCoordinator(stack, {
    validation: timedValidation,
    training: { ...loadTrainingConfig(), runId, settings: SETTINGS },
  });
  return {
    ...local,
    runId,
    control: controlActivities({
      lightning: local.lightning,
      prisma: local.db.prisma,
      secrets: local.secrets,
    }),
    validation: local.validation!,
    scoredAt: (submissionId: string) => scoredAt.get(submissionId) ?? NaN,
    revealed: revealedPreimagesRepository(local.db.prisma),
  };
}

/**
 * One round per submission with the peer as the run's only registered peer, so each round closes on its update;
 * the peer plays it over the API (`PUT /gradient`, then follows its escrow on its own node). `afterRound` runs
 * once each round is settled, before the next one opens for the peer.
 */
async function viaWorkflows(
  coordinator: Coordinator,
  peerLnd: AuthenticatedLnd,
  afterRound: (input: ScoringInput) => Promise<void>,
): Promise<Timing[]> {
  const { client, runId } = coordinator;
  const run = await client.workflow.start(trainingRun, {
    taskQueue: TASK_QUEUES.control,
    workflowId: trainingRunWorkflowId(runId),
    args: [{ runId, rounds: WARMUP + SUBMISSIONS, seed: 11, settings: SETTINGS }],
  });
  const train = referenceTrainer({ shard: 0, shards: 1 });
  const timings: Timing[] = [];
  for (let round = 0; round < WARMUP + SUBMISSIONS; round++) {
    let submitted = 0;
    let submittedAtMs = 0;
    let payload: Uint8Array = new Uint8Array();
    let onSubmitted = () => {};
    const submittedUpdate = new Promise<void>((resolve) => (onSubmitted = resolve));
    const playing = playRound(
      {
        apiUrl: coordinator.apiUrl,
        peerId: PEER.peerId,
        lnd: peerLnd,
        cltvDelta: CLTV_DELTA,
        pollMs: PEER_POLL_MS,
        train: (weights, at) => {
          payload = train(weights, at);
          submitted = performance.now();
          submittedAtMs = Date.now();
          return payload;
        },
        onStep: (step) => {
          if (step === 'submitted') onSubmitted();
        },
      },
      round - 1,
    );
    // A peer that fails (an API error) would leave its tranches unresolved: surface its error instead of waiting.
    const orPeerFailure = <T>(waiting: Promise<T>) => Promise.race([waiting, playing.then(() => waiting)]);
    await orPeerFailure(submittedUpdate);
    const status = await client.workflow
      .getHandle(trainingRoundWorkflowId(runId, round))
      .query(roundStatusQuery);
    const { escrowId, submissionId } = status.submissions[0]!;
    // The observer derives the escrow's hashes from the coordinator's secret, as the escrow itself does.
    const paymentHashes = await coordinator.control.escrowPaymentHashes({
      escrowId,
      tranches: TRANCHE_SATS.length,
    });
    const accepted = await orPeerFailure(whenTranches(peerLnd, paymentHashes, held));
    const settled = await orPeerFailure(whenTranches(peerLnd, paymentHashes, resolved));
    const { revealed } = await playing;
    if (TIMELINE && round === WARMUP + SUBMISSIONS - 1) {
      console.log(`the last submission, settled after ${(settled - submitted).toFixed(1)} ms:`);
      await printTimeline(
        client,
        trainingRoundWorkflowId(runId, round),
        escrowWorkflowId(escrowId),
        submittedAtMs,
      );
    }
    if (round >= WARMUP)
      timings.push({ submitted, accepted, scored: coordinator.scoredAt(submissionId), settled, revealed });
    await afterRound({
      checkpointHash: status.checkpointHash,
      heldOutSeed: status.heldOutSeed,
      payloadSha256: sha256Hex(payload),
      poolSats: status.poolSats,
    });
  }
  await run.result();
  return timings;
}

/**
 * The workflows' steps in their order, called in-process: pre-check; escrow hashes; scoring started alongside the
 * escrow (as paidSubmission does); the peer's hold invoices checked and paid; the pure decision; reveal;
 * the peer settles the revealed tranches and cancels the rest.
 */
async function direct(
  coordinator: Coordinator,
  peer: { lnd: AuthenticatedLnd; publicKey: string },
  input: ScoringInput,
): Promise<Timing> {
  const { control, validation } = coordinator;
  const activity = inActivityContext();
  const earner = escrowEarner(peer.lnd);
  const escrowId = randomUUID();

  const submitted = performance.now();
  const precheck = await activity(validation.precheckGradient, {
    payloadSha256: input.payloadSha256,
    compression: SETTINGS.compression,
  });
  if (!precheck.ok) throw new Error(`pre-check failed: ${precheck.code}`);
  const paymentHashes = await activity(control.escrowPaymentHashes, {
    escrowId,
    tranches: TRANCHE_SATS.length,
  });
  const scoring = activity(validation.scoreGradient, {
    submissionId: escrowId,
    checkpointHash: input.checkpointHash,
    payloadSha256: input.payloadSha256,
    compression: SETTINGS.compression,
    heldOutSeed: input.heldOutSeed,
    outerLearningRate: SETTINGS.outerLearningRate,
  });
  const invoices = await earner.createInvoices(paymentHashes, TRANCHE_SATS, {
    cltvDelta: CLTV_DELTA,
    expiresInSeconds: 3_600,
  });
  const checked = await activity(control.checkEscrowInvoices, {
    escrowId,
    invoices,
    trancheSats: TRANCHE_SATS,
    safetyMarginBlocks: MIN_SAFETY_MARGIN_BLOCKS,
    maxCltvDelta: SETTINGS.escrow.maxInvoiceCltvDelta,
    earnerPublicKey: peer.publicKey,
  });
  if (!checked.ok) throw new Error(`invoices refused: ${checked.refusal.code}`);
  const whenAccepted = whenTranches(peer.lnd, paymentHashes, held);
  const height = await activity(control.blockHeight);
  await Promise.all(
    checked.invoices.map((invoice, tranche) =>
      activity(control.lockEscrowTranche, {
        workflowId: `bench-direct/${escrowId}`,
        bolt11: invoices[tranche]!,
        paymentHash: invoice.paymentHash,
        sats: invoice.sats,
        maxFeeSats: feeLimitSats(invoice.sats, SETTINGS.escrow.fees),
        maxTimeoutHeight: height + SETTINGS.escrow.maxInvoiceCltvDelta + SETTINGS.escrow.routingCltvBlocks,
      }),
    ),
  );
  const accepted = await whenAccepted;

  const scored = await scoring;
  if (!scored.ok) throw new Error(`scoring refused the payload: ${scored.code}`);
  const verdict = roundVerdicts([scored.evidence], SETTINGS, input.poolSats).get(escrowId);
  const revealed = verdict?.accepted ? verdict.reveal : 0;
  if (revealed > 0) await activity(control.revealTranches, { escrowId, count: revealed });
  await earner.resolve(paymentHashes, await coordinator.revealed.list(escrowId));
  const settled = await whenTranches(peer.lnd, paymentHashes, resolved);
  return { submitted, accepted, scored: coordinator.scoredAt(escrowId), settled, revealed };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function printTable(viaWorkflow: Timing[], directly: Timing[]): void {
  const cell = (value: number) => value.toFixed(1).padStart(8);
  const window = (name: string, from: (timing: Timing) => number) => {
    const spans = (timings: Timing[]) => timings.map((timing) => timing.settled - from(timing));
    const [workflow, plain] = [spans(viaWorkflow), spans(directly)];
    const row = (path: string, p50: number, p90: number) =>
      console.log(`${name.padEnd(20)} ${path.padEnd(14)} ${cell(p50)} ${cell(p90)}`);
    row('workflows', percentile(workflow, 50), percentile(workflow, 90));
    row('direct calls', percentile(plain, 50), percentile(plain, 90));
    row(
      'overhead',
      percentile(workflow, 50) - percentile(plain, 50),
      percentile(workflow, 90) - percentile(plain, 90),
    );
  };
  const tranches = (timings: Timing[]) => timings.reduce((total, timing) => total + timing.revealed, 0);
  const scoredLate = (timings: Timing[]) =>
    timings.filter((timing) => timing.scored > timing.accepted).length;
  console.log(
    `one training submission, ${SUBMISSIONS} of them, reward escrow of ${TRANCHE_SATS.length} tranches ` +
      `(${TRANCHE_SATS.join(' + ')} sats) on the peer's node, ms`,
  );
  console.log(`${'window'.padEnd(20)} ${'path'.padEnd(14)} ${'p50'.padStart(8)} ${'p90'.padStart(8)}`);
  // Validation time stays out of the window: it opens once the tranches are held and the score is in.
  window('accepted → settled', (timing) => Math.max(timing.accepted, timing.scored));
  window('submitted → settled', (timing) => timing.submitted);
  console.log(
    'scoring still running when the tranches were held (the window opened at its end): ' +
      `workflows ${scoredLate(viaWorkflow)} of ${SUBMISSIONS}, direct ${scoredLate(directly)} of ${SUBMISSIONS}`,
  );
  console.log(
    `tranches revealed (settled) of ${SUBMISSIONS * TRANCHE_SATS.length}: ` +
      `workflows ${tranches(viaWorkflow)}, direct ${tranches(directly)}`,
  );
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = loadStackConfig();
  await stackUp(stack);
  const peerLnd = connectLnd(readCredentials(stack, PEER.node));
  const coordinator = await startCoordinator(stack);
  const peer = { lnd: peerLnd, publicKey: (await getWalletInfo({ lnd: peerLnd })).public_key };
  const directly: Timing[] = [];
  let pairs = 0;
  const viaWorkflow = await viaWorkflows(coordinator, peerLnd, async (input) => {
    const timing = await direct(coordinator, peer, input);
    if (++pairs > WARMUP) directly.push(timing);
  });
  await coordinator.stop();
  printTable(viaWorkflow, directly);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
