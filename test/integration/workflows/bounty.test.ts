import { randomUUID } from 'node:crypto';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import { BOUNTY_ESCROW } from '../../../server/coordinator/bounty-settings';
import {
  bountyStatusQuery,
  bountyWorkflowId,
  closeBountySignal,
  invoiceUpdate,
} from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import {
  FAKE_BASELINE_SCORE,
  fakeBountyValidation,
  startFakeBounty,
} from '../../support/fake-bounty-validation';
import { testLnd } from '../../support/lightning';
import { submitDiff } from '../../support/submissions';
import { eventually } from '../../support/workflows';

const BASELINE = FAKE_BASELINE_SCORE;

const sponsor = testLnd('sponsor');
let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness({ validationActivities: fakeBountyValidation });
});

afterAll(async () => {
  await harness?.stop();
});

describe('the bounty workflow over several runs', () => {
  it('continues as new between submissions, carrying pool, queue and books, and refunds the whole pool', async () => {
    const bountyId = randomUUID();
    const budgetSats = 4_000;
    const handle = await startFakeBounty(harness.client, {
      bountyId,
      budgetSats,
      sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
      // Nobody follows these escrows: each expires after a second and moves nothing.
      escrow: { ...BOUNTY_ESCROW, invoiceWithinSeconds: 1 },
      continueAsNewAfter: 1,
    });
    const { bolt11 } = await handle.executeUpdate(invoiceUpdate);
    await payViaPaymentRequest({ lnd: sponsor, request: bolt11 });
    await eventually(
      'the bounty to open',
      async () => (await handle.query(bountyStatusQuery)).phase === 'OPEN',
    );

    const agent = (await getWalletInfo({ lnd: testLnd('peer2') })).public_key;
    for (const claimedScore of [BASELINE, BASELINE, BASELINE]) {
      await submitDiff(harness.client, bountyWorkflowId(bountyId), {
        agentPublicKey: agent,
        diffSha256: 'ab'.repeat(32),
        diffHash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
        claimedScore,
      });
    }
    await eventually(
      'three submissions judged',
      async () =>
        (await harness.db.prisma.bountySubmission.count({ where: { bountyId, status: 'REJECTED' } })) === 3,
      60_000,
    );
    await harness.client.workflow.getHandle(bountyWorkflowId(bountyId)).signal(closeBountySignal);

    expect(await handle.result()).toMatchObject({
      phase: 'CLOSED',
      fundedSats: budgetSats,
      paidSats: 0,
      refundedSats: budgetSats,
      poolSats: 0,
      rejected: 3,
    });
    const first = await harness.client.workflow
      .getHandle(bountyWorkflowId(bountyId), handle.firstExecutionRunId)
      .describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(await harness.db.prisma.bounty.findUnique({ where: { id: bountyId } })).toMatchObject({
      phase: 'CLOSED',
      poolSats: 0n,
      refundedSats: BigInt(budgetSats),
    });
  }, 120_000);
});
