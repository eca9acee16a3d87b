import { randomUUID } from 'node:crypto';
import { getWalletInfo } from 'ln-service';
import type { BountyEvalActivities } from '../../../activities/bounty-eval';
import { SandboxError } from '../../../domain/bounty';
import { BOUNTY_ESCROW } from '../../../server/coordinator/bounty-settings';
import { TASK_QUEUES } from '../../../temporal-config';
import { bountySubmission } from '../../../workflows';
import { bountySubmissionWorkflowId } from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';

/** A validation host whose sandbox is gone: every eval fails for good, as `activities/bounty-eval` reports it. */
const brokenSandbox: Pick<BountyEvalActivities, 'checkDiff' | 'evalSplit' | 'evalCanaries'> = {
  checkDiff: async () => ({ ok: true, diffHash: 'cd'.repeat(32) }),
  evalSplit: async () => {
    throw new SandboxError('SANDBOX_UNAVAILABLE', 'bwrap is missing');
  },
  evalCanaries: async () => [],
};

let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness({ validationActivities: brokenSandbox });
});

afterAll(async () => {
  await harness?.stop();
});

describe('bountySubmission when validation cannot run', () => {
  it('rejects as EVAL_ERROR with a refund verdict (an honest failure), pays nothing, and records it', async () => {
    const submissionId = randomUUID();
    const bountyId = randomUUID();
    const result = await harness.client.workflow.execute(bountySubmission, {
      taskQueue: TASK_QUEUES.control,
      workflowId: bountySubmissionWorkflowId(submissionId),
      args: [
        {
          submissionId,
          escrowId: randomUUID(),
          bountyId,
          agentPublicKey: (await getWalletInfo({ lnd: testLnd('peer2') })).public_key,
          diffSha256: 'ab'.repeat(32),
          diffHash: 'cd'.repeat(32),
          claimedScore: 1,
          stake: null,
          bundle: 'example-sort',
          baselineSha256: 'cd'.repeat(32),
          bestScore: 0.3,
          direction: 'higher',
          tolerances: { claimAbsolute: 0, claimRelative: 0.001, stability: 0, minImprovement: 0.001 },
          repeatRuns: 2,
          payoutRule: { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 1_000, trancheCount: 2 },
          // Nobody hands in escrow invoices here: the escrow expires quickly and moves nothing.
          escrow: { ...BOUNTY_ESCROW, invoiceWithinSeconds: 1 },
        },
      ],
    });
    // The sandbox's own code crossed the failure boundary as the failure type, and was not retried.
    expect(result.evidence.publicRuns).toEqual([
      { kind: 'error', code: 'EVAL_FAILED', detail: 'SANDBOX_UNAVAILABLE' },
    ]);
    const history = await harness.client.workflow
      .getHandle(bountySubmissionWorkflowId(submissionId))
      .fetchHistory();
    const events = history.events ?? [];
    const evalSplits = new Set(
      events
        .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'evalSplit')
        .map((event) => String(event.eventId)),
    );
    const evalAttempts = events.flatMap((event) => {
      const started = event.activityTaskStartedEventAttributes;
      return started && evalSplits.has(String(started.scheduledEventId)) ? [started.attempt] : [];
    });
    expect(evalAttempts).toEqual([1]);
    expect(result).toMatchObject({
      judgement: { verdict: 'rejected', reason: 'EVAL_ERROR', abusive: false, stake: 'refund' },
      revealed: 0,
      paidSats: 0,
      stake: null,
    });
    expect(
      await harness.db.prisma.bountySubmission.findUnique({ where: { id: submissionId } }),
    ).toMatchObject({
      status: 'REJECTED',
      reason: 'EVAL_ERROR',
      payoutSats: 0n,
    });
  }, 60_000);
});
