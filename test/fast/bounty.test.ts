import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { escrowReserveSats } from '../../domain/money/escrow-reserve';
import { BOUNTY_ESCROW } from '../../server/coordinator/bounty-settings';
import { TASK_QUEUES } from '../../temporal-config';
import { bounty } from '../../workflows';
import type { BountyInput } from '../../workflows/bounty';
import { bountyStatusQuery, invoiceUpdate } from '../../workflows/definitions';
import type { BountyEntry } from '../../workflows/submission-definitions';
import { paidSubmissionWorkflowId, submitUpdate } from '../../workflows/submission-definitions';
import { fakeBountyInput, fakeBountyValidation, startFakeBounty } from '../support/fake-bounty-validation';
import type { FakeLightning } from '../support/fake-lightning';
import { fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { submitDiff } from '../support/submissions';
import { eventually } from '../support/workflows';

// A bounty's door in seconds: funding, then the update validator's refusals in history. The real Temporal dev
// server and ledger, a fake node and a fake sandbox; paid rewards, refunds and real evals are in
// test/integration/workflows/bounty.test.ts and test/integration/bounties/.
const AGENT = `03${'ef'.repeat(32)}`;
const SPONSOR = `02${'12'.repeat(32)}`;
/** What one submission sets aside from the pool while it is validated: its cap and the fee limits. */
const RESERVE = escrowReserveSats(
  fakeBountyInput({ bountyId: 'any', budgetSats: 1, sponsorPublicKey: SPONSOR }).payoutRule,
  BOUNTY_ESCROW.fees,
);

let lightning: FakeLightning;
let harness: ControlHarness;

beforeAll(async () => {
  lightning = fakeLightning();
  harness = await startControlHarness({ lightning, validationActivities: fakeBountyValidation });
});
afterAll(() => harness?.stop());

const createBounty = (budgetSats: number, change: Partial<BountyInput> = {}) =>
  startFakeBounty(harness.client, {
    bountyId: randomUUID(),
    budgetSats,
    sponsorPublicKey: SPONSOR,
    // Nobody hands in invoices: each escrow holds its reserve for this long, then ends having moved nothing.
    escrow: { ...BOUNTY_ESCROW, invoiceWithinSeconds: 60 },
    ...change,
  });

const request = (change: Partial<BountyEntry> = {}): BountyEntry => ({
  agentPublicKey: AGENT,
  diffSha256: 'ab'.repeat(32),
  diffHash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
  claimedScore: 0.3,
  ...change,
});

/** The code a submission was refused with; fails the test when it was admitted. */
async function refused(submitted: Promise<unknown>) {
  const err: unknown = await submitted.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type;
}

/** The code the bounty refused a submission with; fails the test when the bounty queued it. */
const refusal = (handle: WorkflowHandle<typeof bounty>, submission: BountyEntry) =>
  refused(submitDiff(harness.client, handle.workflowId, submission));

describe('a bounty at its door (fast tier)', () => {
  it('takes nothing before it is funded, then queues while its pool covers one more reserve', async () => {
    const handle = await createBounty(2 * RESERVE);
    const funding = await handle.executeUpdate(invoiceUpdate);
    expect(await refusal(handle, request())).toBe('BOUNTY_NOT_OPEN');

    lightning.pay(funding.paymentHash);
    await eventually('the bounty to open', async () =>
      (await handle.query(bountyStatusQuery)).phase === 'OPEN' ? true : null,
    );
    // Its position counts the queue only: the one being validated has left it, so it is not asserted here.
    const first = paidSubmissionWorkflowId(randomUUID());
    await harness.client.workflow.executeUpdateWithStart(submitUpdate, {
      args: [{ parentWorkflowId: handle.workflowId, mode: 'bounty', entry: request() }],
      startWorkflowOperation: new WithStartWorkflowOperation('paidSubmission', {
        workflowId: first,
        taskQueue: TASK_QUEUES.control,
        workflowIdConflictPolicy: 'FAIL',
        args: [{ stake: null }],
      }),
    });
    // One submission carries one request: a second one on the same workflow is refused before the bounty hears.
    const again = { parentWorkflowId: handle.workflowId, mode: 'bounty' as const, entry: request() };
    expect(
      await refused(harness.client.workflow.getHandle(first).executeUpdate(submitUpdate, { args: [again] })),
    ).toBe('SUBMISSION_EXISTS');
    await submitDiff(harness.client, handle.workflowId, request());
    expect(await refusal(handle, request())).toBe('BOUNTY_POOL_EXHAUSTED');

    expect(await handle.query(bountyStatusQuery)).toMatchObject({
      phase: 'OPEN',
      poolSats: 2 * RESERVE,
      reservedSats: 2 * RESERVE,
    });
    expect(
      await harness.db.prisma.ledgerEntry.findUnique({
        where: { paymentHash_direction: { paymentHash: funding.paymentHash, direction: 'INCOMING' } },
      }),
    ).toMatchObject({ state: 'SETTLED', purpose: 'BOUNTY_FUNDING' });
  });

  it('a queued submission whose workflow ended before its turn gives its reserve back at that turn', async () => {
    const handle = await createBounty(2 * RESERVE, { escrow: { ...BOUNTY_ESCROW, invoiceWithinSeconds: 2 } });
    lightning.pay((await handle.executeUpdate(invoiceUpdate)).paymentHash);
    await eventually('the bounty to open', async () =>
      (await handle.query(bountyStatusQuery)).phase === 'OPEN' ? true : null,
    );
    const first = await submitDiff(harness.client, handle.workflowId, request());
    const queued = await submitDiff(harness.client, handle.workflowId, request());
    // The first is being validated (its escrow waits for invoices nobody hands in); the second ends in the queue.
    await harness.client.workflow.getHandle(queued.workflowId).terminate('ended before its turn');
    await harness.client.workflow.getHandle(first.workflowId).result();
    // Its reserve would otherwise stay out of the pool: the first one's goes back with its outcome, the second's
    // only with this fix, at its turn.
    const status = await eventually('both reserves back in the pool', async () => {
      const current = await handle.query(bountyStatusQuery);
      return current.validating === null && current.reservedSats === 0 ? current : null;
    });
    expect(status).toMatchObject({ phase: 'OPEN', poolSats: 2 * RESERVE, reservedSats: 0 });
    await handle.terminate('test over');
  });

  it('an unfunded bounty closes when its funding window ends, with nothing to refund', async () => {
    const handle = await createBounty(RESERVE, { fundWithinSeconds: 2 });
    const funding = await handle.executeUpdate(invoiceUpdate);
    expect(await handle.result()).toMatchObject({
      phase: 'CLOSED',
      fundedSats: 0,
      paidSats: 0,
      refundedSats: 0,
    });
    expect(lightning.invoice(funding.paymentHash)?.state).toBe('CANCELED');
  });
});
