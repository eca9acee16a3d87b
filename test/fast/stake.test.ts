import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES } from '../../temporal-config';
import { stake } from '../../workflows';
import { invoiceQuery, resolveStakeSignal, stakeWorkflowId } from '../../workflows/definitions';
import type { StakeInput } from '../../workflows/stake';
import type { FakeLightning } from '../support/fake-lightning';
import { fakeLightning } from '../support/fake-lightning';
import type { ControlHarness } from '../support/harness';
import { startControlHarness } from '../support/harness';
import { eventually } from '../support/workflows';

// The stake's timers, deadlines and verdicts in seconds: the real Temporal dev server and ledger, a fake node.
// What the real LND and a paying node prove about the same workflow is in test/integration/workflows/stake.test.ts.
let lightning: FakeLightning;
let harness: ControlHarness;

beforeAll(async () => {
  lightning = fakeLightning();
  harness = await startControlHarness({ lightning });
});
afterAll(() => harness?.stop());

async function startStake(overrides: Partial<StakeInput> = {}): Promise<{
  handle: WorkflowHandle<typeof stake>;
  paymentHash: string;
}> {
  const handle = await harness.client.workflow.start(stake, {
    taskQueue: TASK_QUEUES.control,
    workflowId: stakeWorkflowId(randomUUID()),
    args: [{ sats: 2_000, memo: 'stake', payWithinSeconds: 30, decideWithinSeconds: 30, ...overrides }],
  });
  const { paymentHash } = await eventually('the stake invoice', () => handle.query(invoiceQuery));
  return { handle, paymentHash };
}

/** Pays the stake and waits until the workflow has seen it held (its ledger row says so). */
async function held(paymentHash: string, heldUntilHeight?: number): Promise<void> {
  lightning.pay(paymentHash, heldUntilHeight);
  await eventually('the stake to be held in the ledger', async () =>
    (await ledgerState(paymentHash)) === 'HELD' ? true : null,
  );
}

async function ledgerState(paymentHash: string): Promise<string | undefined> {
  const row = await harness.db.prisma.ledgerEntry.findUnique({
    where: { paymentHash_direction: { paymentHash, direction: 'INCOMING' } },
  });
  return row?.state;
}

describe('stake workflow (fast tier)', () => {
  it('an unpaid stake is cancelled when its pay window ends', async () => {
    const { handle, paymentHash } = await startStake({ payWithinSeconds: 2 });
    expect(await handle.result()).toEqual({ paymentHash, outcome: 'unpaid', finalState: 'CANCELED' });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
    expect(await ledgerState(paymentHash)).toBe('CANCELED');
  });

  it('forfeit settles with the preimage of its own hash; a later refund changes nothing', async () => {
    const { handle, paymentHash } = await startStake();
    await held(paymentHash);
    await handle.signal(resolveStakeSignal, { outcome: 'forfeit' });
    await handle.signal(resolveStakeSignal, { outcome: 'refund' });
    expect(await handle.result()).toEqual({ paymentHash, outcome: 'forfeited', finalState: 'SETTLED' });
    expect(lightning.invoice(paymentHash)?.state).toBe('SETTLED');
    expect(await ledgerState(paymentHash)).toBe('SETTLED');
  });

  it('refund cancels the held stake', async () => {
    const { handle, paymentHash } = await startStake();
    await held(paymentHash);
    await handle.signal(resolveStakeSignal, { outcome: 'refund' });
    expect(await handle.result()).toEqual({ paymentHash, outcome: 'refunded', finalState: 'CANCELED' });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
  });

  it('no verdict within its window: the stake is refunded as expired', async () => {
    const { handle, paymentHash } = await startStake({ decideWithinSeconds: 2 });
    await held(paymentHash);
    expect(await handle.result()).toEqual({ paymentHash, outcome: 'expired', finalState: 'CANCELED' });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
  });

  it('the chain nearing the HTLC expiry refunds the stake before any verdict, whatever the timer says', async () => {
    const { handle, paymentHash } = await startStake({ decideWithinSeconds: 600, safetyMarginBlocks: 24 });
    const expiry = (await lightning.blockHeight()) + 40;
    await held(paymentHash, expiry);
    lightning.mine(40 - 24);
    expect(await handle.result()).toEqual({ paymentHash, outcome: 'expired', finalState: 'CANCELED' });
    expect(lightning.invoice(paymentHash)?.state).toBe('CANCELED');
    expect(await lightning.blockHeight()).toBeLessThan(expiry);
  });
});
