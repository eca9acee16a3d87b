import { randomUUID } from 'node:crypto';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import type { BountyEvalActivities } from '../../../activities/bounty-eval';
import { SandboxError } from '../../../domain/bounty';
import { BOUNTY_ESCROW } from '../../../server/coordinator/bounty-settings';
import type { paidSubmission } from '../../../workflows';
import { bountyStatusQuery, invoiceUpdate } from '../../../workflows/definitions';
import { fakeBountyValidation, startFakeBounty } from '../../support/fake-bounty-validation';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';
import { submitDiff } from '../../support/submissions';
import { eventually } from '../../support/workflows';

/** A validation host whose sandbox is gone: every eval fails for good, as `activities/bounty-eval` reports it. */
const brokenSandbox: Pick<BountyEvalActivities, 'checkDiff' | 'evalSplit' | 'evalCanaries'> = {
  checkDiff: async () => ({ ok: true, diffHash: 'cd'.repeat(32) }),
  evalSplit: async () => {
    throw new SandboxError('SANDBOX_UNAVAILABLE', 'bwrap is missing');
  },
  evalCanaries: async () => [],
};

const sponsor = testLnd('sponsor');
let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness({
    validationActivities: (prisma) => ({ ...fakeBountyValidation(prisma), ...brokenSandbox }),
  });
});

afterAll(async () => {
  await harness?.stop();
});

describe('a bounty submission when validation cannot run', () => {
  it('rejects as EVAL_ERROR with a refund verdict (an honest failure), pays nothing, and records it', async () => {
    const bountyId = randomUUID();
    const bounty = await startFakeBounty(harness.client, {
      bountyId,
      budgetSats: 4_000,
      sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
      // Nobody hands in escrow invoices here: the escrow expires quickly and moves nothing.
      escrow: { ...BOUNTY_ESCROW, invoiceWithinSeconds: 1 },
    });
    const { bolt11 } = await bounty.executeUpdate(invoiceUpdate);
    await payViaPaymentRequest({ lnd: sponsor, request: bolt11 });
    await eventually(
      'the bounty to open',
      async () => (await bounty.query(bountyStatusQuery)).phase === 'OPEN',
    );

    const submitted = await submitDiff(harness.client, bounty.workflowId, {
      agentPublicKey: (await getWalletInfo({ lnd: testLnd('peer2') })).public_key,
      diffSha256: 'ab'.repeat(32),
      diffHash: 'cd'.repeat(32),
      claimedScore: 1,
    });
    const handle = harness.client.workflow.getHandle<typeof paidSubmission>(submitted.workflowId);
    const { outcome } = await handle.result();
    const result = outcome?.mode === 'bounty' ? outcome : null;
    // The sandbox's own code crossed the failure boundary as the failure type, and was not retried.
    expect(result?.evidence.publicRuns).toEqual([
      { kind: 'error', code: 'EVAL_FAILED', detail: 'SANDBOX_UNAVAILABLE' },
    ]);
    const events = (await handle.fetchHistory()).events ?? [];
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
      await harness.db.prisma.bountySubmission.findUnique({ where: { id: submitted.submissionId } }),
    ).toMatchObject({
      status: 'REJECTED',
      reason: 'EVAL_ERROR',
      payoutSats: 0n,
    });
    await bounty.signal('closeBounty');
    await bounty.result();
  }, 120_000);
});
