import { createHash, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TrainingValidationActivities } from '../../activities/training-validation';
import { enterSubmission } from '../../api/submissions';
import { TASK_QUEUES } from '../../temporal-config';
import { paidSubmission, trainingRound } from '../../workflows';
import { invoiceQuery } from '../../workflows/definitions';
import type { StakeTerms } from '../../workflows/stake';
import type { GradientEntry } from '../../workflows/submission-definitions';
import { paidSubmissionWorkflowId } from '../../workflows/submission-definitions';
import { trainingRoundWorkflowId } from '../../workflows/training-definitions';
import type { FakeLightning } from '../support/fake-lightning';
import { fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { roundSettings } from '../support/training';
import { eventually } from '../support/workflows';

// A paid submission's own stake from its 402 to its end, in seconds: the real Temporal dev server and ledger, a
// fake node. Whatever refuses it (the parent gone, the parent's door, no request at all), the stake ends inside the
// same workflow, at once or by its own timer; what real LND and peers do with it is in test/integration/training/.
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const CHECKPOINT = digest('checkpoint');

const validationActivities: Pick<TrainingValidationActivities, 'aggregateRound'> = {
  aggregateRound: async ({ checkpointHash, round }) => ({
    checkpointHash: digest(`${checkpointHash}/${round}`),
    heldOutLoss: 1,
    skipped: [],
  }),
};

let lightning: FakeLightning;
let harness: ControlHarness;

beforeAll(async () => {
  lightning = fakeLightning();
  harness = await startControlHarness({ validationActivities, lightning });
});
afterAll(() => harness?.stop());

const entry = (peerId: string): GradientEntry => ({
  peerId,
  round: 0,
  checkpointHash: CHECKPOINT,
  payload: { sha256: digest(peerId), sizeBytes: 1_000, declared: null },
  earnerPublicKey: `02${'cd'.repeat(32)}`,
});

/** A stake's 402: the submission workflow the API starts, its invoice paid and seen held (its ledger row). */
async function heldStake(terms: Partial<StakeTerms> = {}) {
  const workflowId = paidSubmissionWorkflowId(randomUUID());
  const handle: WorkflowHandle<typeof paidSubmission> = await harness.client.workflow.start(paidSubmission, {
    taskQueue: TASK_QUEUES.control,
    workflowId,
    args: [{ stake: { sats: 500, memo: 'stake', payWithinSeconds: 30, decideWithinSeconds: 60, ...terms } }],
  });
  const { paymentHash } = await eventually('the stake invoice', () => handle.query(invoiceQuery));
  return { handle, paymentHash, workflowId };
}

async function pay(paymentHash: string) {
  lightning.pay(paymentHash);
  await eventually('the stake to be held in the ledger', async () => {
    const row = await harness.db.prisma.ledgerEntry.findUnique({
      where: { paymentHash_direction: { paymentHash, direction: 'INCOMING' } },
    });
    return row?.state === 'HELD' ? true : null;
  });
}

async function refusalCode(entered: Promise<unknown>) {
  const err: unknown = await entered.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as { type?: string }).type;
}

describe('a paid submission and its stake (fast tier)', () => {
  it('refused because its round is gone: the stake is refunded at once, in the same workflow', async () => {
    const { handle, paymentHash, workflowId } = await heldStake({ decideWithinSeconds: 600 });
    await pay(paymentHash);
    const gone = trainingRoundWorkflowId(`gone-${randomUUID()}`, 0);
    const request = { parentWorkflowId: gone, mode: 'training' as const, entry: entry('alice') };
    expect(await refusalCode(enterSubmission(harness.client, { workflowId, paymentHash }, request))).toBe(
      'ROUND_CLOSED',
    );
    expect(await handle.result()).toEqual({
      refused: 'ROUND_CLOSED',
      outcome: null,
      stake: { paymentHash, outcome: 'refunded' },
    });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
  });

  it("refused at its round's door: the code comes back to the API and the stake goes back", async () => {
    const runId = `fast-${randomUUID()}`;
    const round = await harness.client.workflow.start(trainingRound, {
      taskQueue: TASK_QUEUES.control,
      workflowId: trainingRoundWorkflowId(runId, 0),
      args: [
        {
          runId,
          round: 0,
          checkpointHash: CHECKPOINT,
          heldOutSeed: 1,
          poolSats: 9_000,
          settings: { ...roundSettings(['alice'], 500), submitWithinSeconds: 60 },
        },
      ],
    });
    const { handle, paymentHash, workflowId } = await heldStake({ decideWithinSeconds: 600 });
    await pay(paymentHash);
    const request = {
      parentWorkflowId: round.workflowId,
      mode: 'training' as const,
      entry: entry('mallory'),
    };
    expect(await refusalCode(enterSubmission(harness.client, { workflowId, paymentHash }, request))).toBe(
      'UNKNOWN_PEER',
    );
    expect(await handle.result()).toMatchObject({ refused: 'UNKNOWN_PEER', stake: { outcome: 'refunded' } });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
    await round.terminate('test over');
  });

  it('paid, but its request never comes: the stake is refunded as expired when its window ends', async () => {
    const { handle, paymentHash } = await heldStake({ decideWithinSeconds: 2 });
    await pay(paymentHash);
    expect(await handle.result()).toEqual({
      refused: 'SUBMISSION_EXPIRED',
      outcome: null,
      stake: { paymentHash, outcome: 'expired' },
    });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
  });

  it('never paid: the invoice is cancelled when its pay window ends, and nothing else happens', async () => {
    const { handle, paymentHash } = await heldStake({ payWithinSeconds: 2 });
    expect(await handle.result()).toEqual({
      refused: 'STAKE_UNPAID',
      outcome: null,
      stake: { paymentHash, outcome: 'unpaid' },
    });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
  });
});
