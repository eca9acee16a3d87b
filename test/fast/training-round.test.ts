import { createHash, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TrainingValidationActivities } from '../../activities/training-validation';
import { TASK_QUEUES } from '../../temporal-config';
import { trainingRound } from '../../workflows';
import type { GradientEntry } from '../../workflows/submission-definitions';
import { admitSignal, paidSubmissionWorkflowId } from '../../workflows/submission-definitions';
import type { RoundSettings } from '../../workflows/training-definitions';
import { roundStatusQuery, trainingRoundWorkflowId } from '../../workflows/training-definitions';
import { fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { submitGradient } from '../support/submissions';
import { roundSettings } from '../support/training';
import { eventually } from '../support/workflows';

// A round's door, window and verdicts without a payload worth scoring: the real Temporal dev server and ledger, a
// fake node, validation activities that refuse every payload as malformed. What real peers, LND and scoring do
// with the same round is in test/integration/training/.
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const CHECKPOINT = digest('checkpoint');

const validationActivities: Pick<
  TrainingValidationActivities,
  'precheckGradient' | 'scoreGradient' | 'aggregateRound'
> = {
  precheckGradient: async () => ({ ok: false, code: 'GRADIENT_MALFORMED', message: 'fast tier' }),
  scoreGradient: async () => ({ ok: false, code: 'GRADIENT_MALFORMED', message: 'fast tier' }),
  aggregateRound: async ({ checkpointHash, round }) => ({
    checkpointHash: digest(`${checkpointHash}/${round}`),
    heldOutLoss: 1,
    skipped: [],
  }),
};

let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness({ validationActivities, lightning: fakeLightning() });
});
afterAll(() => harness?.stop());

async function openRound(settings: RoundSettings): Promise<WorkflowHandle<typeof trainingRound>> {
  const runId = `fast-${randomUUID()}`;
  return harness.client.workflow.start(trainingRound, {
    taskQueue: TASK_QUEUES.control,
    workflowId: trainingRoundWorkflowId(runId, 0),
    args: [{ runId, round: 0, checkpointHash: CHECKPOINT, heldOutSeed: 1, poolSats: 9_000, settings }],
  });
}

const update = (peerId: string, change: Partial<GradientEntry> = {}): GradientEntry => ({
  peerId,
  round: 0,
  checkpointHash: CHECKPOINT,
  payload: { sha256: digest(peerId), sizeBytes: 1_000, declared: null },
  earnerPublicKey: `02${'cd'.repeat(32)}`,
  ...change,
});

/** The stable code the round refused a submission with; fails the test when it admitted the update. */
async function refusal(round: WorkflowHandle<typeof trainingRound>, submission: GradientEntry) {
  const err: unknown = await submitGradient(harness.client, round.workflowId, submission).then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type;
}

describe('a training round at its door (fast tier)', () => {
  it('refuses by the published rules in history, admits nothing it refused, and closes once every peer is in', async () => {
    // A window no loaded machine runs out of: the round closes early, when bob's update makes every peer in.
    const round = await openRound({ ...roundSettings(['alice', 'bob']), submitWithinSeconds: 120 });

    expect(await refusal(round, update('alice', { round: 1 }))).toBe('WRONG_ROUND');
    expect(await refusal(round, update('alice', { checkpointHash: digest('old') }))).toBe('STALE_CHECKPOINT');
    expect(await refusal(round, update('mallory'))).toBe('UNKNOWN_PEER');
    const tooLarge = { sha256: digest('big'), sizeBytes: 200_001, declared: null };
    expect(await refusal(round, update('alice', { payload: tooLarge }))).toBe('PAYLOAD_TOO_LARGE');
    const alice = await submitGradient(harness.client, round.workflowId, update('alice'));
    expect(await refusal(round, update('alice'))).toBe('ALREADY_SUBMITTED');
    const bob = await submitGradient(harness.client, round.workflowId, update('bob'));

    const summary = await round.result();
    expect(summary).toMatchObject({ submitted: 2, accepted: 0 });
    const malformed = {
      accepted: false,
      reason: 'GRADIENT_MALFORMED',
      lossDelta: null,
      revealed: 0,
      paidSats: 0,
      stake: null,
    };
    expect(summary.outcomes).toEqual([
      { submissionId: alice.submissionId, peerId: 'alice', escrowId: alice.escrowId, ...malformed },
      { submissionId: bob.submissionId, peerId: 'bob', escrowId: bob.escrowId, ...malformed },
    ]);
    expect((await round.query(roundStatusQuery)).submissions.map((entry) => entry.peerId)).toEqual([
      'alice',
      'bob',
    ]);
  });

  it('withdraws an admission its submission never heard, so the peer can still send its update', async () => {
    const round = await openRound({ ...roundSettings(['alice', 'bob']), submitWithinSeconds: 120 });
    // What a submission that gave up waiting for the round leaves behind: its admit, from a workflow now ended.
    const ended = paidSubmissionWorkflowId(randomUUID());
    await round.signal(admitSignal, {
      parentWorkflowId: round.workflowId,
      mode: 'training',
      entry: update('alice'),
      workflowId: ended,
      stake: null,
    });
    await eventually('the admission withdrawn', async () => {
      const events = (await round.fetchHistory()).events ?? [];
      const unheard = events.some((event) => event.signalExternalWorkflowExecutionFailedEventAttributes);
      return unheard && (await round.query(roundStatusQuery)).submissions.length === 0;
    });

    const alice = await submitGradient(harness.client, round.workflowId, update('alice'));
    const bob = await submitGradient(harness.client, round.workflowId, update('bob'));
    const summary = await round.result();
    expect(summary).toMatchObject({ submitted: 2, accepted: 0 });
    expect(summary.outcomes.map((outcome) => outcome.submissionId)).toEqual([
      alice.submissionId,
      bob.submissionId,
    ]);
  });

  it('takes no update without its stake when the round asks for one', async () => {
    const round = await openRound({ ...roundSettings(['alice'], 500), submitWithinSeconds: 120 });
    expect(await refusal(round, update('alice'))).toBe('STAKE_REQUIRED');
    expect((await round.query(roundStatusQuery)).submissions).toEqual([]);
  });

  it('closes at its deadline when no peer came, and pays nothing', async () => {
    const round = await openRound({ ...roundSettings(['alice']), submitWithinSeconds: 1 });
    expect(await round.result()).toMatchObject({ submitted: 0, accepted: 0, outcomes: [] });
  });
});
