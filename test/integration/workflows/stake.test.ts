import { randomUUID } from 'node:crypto';
import {
  getChannels,
  getClosedChannels,
  getInvoice,
  getPendingChannels,
  payViaPaymentRequest,
} from 'ln-service';
import { mineBlocks } from '../../../dev/stack/btcd';
import { TASK_QUEUES } from '../../../temporal-config';
import { stake } from '../../../workflows';
import { invoiceQuery, resolveStakeSignal, stakeWorkflowId } from '../../../workflows/definitions';
import type { StakeInput } from '../../../workflows/stake';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { channelBalance, testLnd, waitForChange } from '../../support/lightning';
import { testStackConfig } from '../../support/stack-config';
import { eventually } from '../../support/workflows';

const coordinator = testLnd('coordinator');
const payer = testLnd('peer3');
let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness();
});
afterAll(() => harness?.stop());

async function startStake(overrides: Partial<StakeInput> = {}) {
  const handle = await harness.client.workflow.start(stake, {
    taskQueue: TASK_QUEUES.control,
    workflowId: stakeWorkflowId(randomUUID()),
    args: [{ sats: 2_000, memo: 'stake', payWithinSeconds: 60, decideWithinSeconds: 120, ...overrides }],
  });
  const invoice = await eventually('the stake invoice', () => handle.query(invoiceQuery));
  const payment = payViaPaymentRequest({ lnd: payer, request: invoice.bolt11 }).then(
    () => 'paid',
    () => 'refunded',
  );
  await eventually(
    'the stake to be held',
    async () => (await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_held,
  );
  return { handle, invoice, payment };
}

describe('stake on the coordinator node', () => {
  it('forfeit settles the stake: the payer loses exactly the stake', async () => {
    const before = await channelBalance(payer);
    const { handle, invoice, payment } = await startStake();
    await handle.signal(resolveStakeSignal, { outcome: 'forfeit' });

    expect(await handle.result()).toEqual({
      paymentHash: invoice.paymentHash,
      outcome: 'forfeited',
      finalState: 'SETTLED',
    });
    expect(await payment).toBe('paid');
    expect(await waitForChange(() => channelBalance(payer), before)).toBe(before - 2_000);
  });

  it('refund cancels the stake: the payer keeps every sat', async () => {
    const before = await channelBalance(payer);
    const { handle, invoice, payment } = await startStake();
    await handle.signal(resolveStakeSignal, { outcome: 'refund' });

    expect(await handle.result()).toEqual({
      paymentHash: invoice.paymentHash,
      outcome: 'refunded',
      finalState: 'CANCELED',
    });
    expect(await payment).toBe('refunded');
    expect(await channelBalance(payer)).toBe(before);
  });

  it('with no verdict, cancels before the HTLC deadline as blocks are mined, and no channel force-closes', async () => {
    const config = testStackConfig();
    const channelsBefore = (await getChannels({ lnd: coordinator, is_active: true })).channels.length;
    const { handle, invoice, payment } = await startStake({ cltvDelta: 40, decideWithinSeconds: 3_600 });
    const { payments } = await getInvoice({ lnd: coordinator, id: invoice.paymentHash });
    const htlcExpiry = Math.min(...payments.map((htlc) => htlc.timeout));

    // Mine towards the expiry in small steps; the workflow must cancel with at least 24 blocks to spare.
    let height = 0;
    while ((await handle.describe()).status.name === 'RUNNING') {
      height = await mineBlocks(config, 2);
      expect(height).toBeLessThan(htlcExpiry - 12);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }

    expect(await handle.result()).toEqual({
      paymentHash: invoice.paymentHash,
      outcome: 'expired',
      finalState: 'CANCELED',
    });
    expect(height).toBeLessThanOrEqual(htlcExpiry - 24 + 2);
    expect(await payment).toBe('refunded');
    expect((await getInvoice({ lnd: coordinator, id: invoice.paymentHash })).is_canceled).toBe(true);
    const pending = await getPendingChannels({ lnd: coordinator });
    expect(pending.pending_channels.filter((channel) => channel.is_closing)).toEqual([]);
    expect((await getClosedChannels({ lnd: coordinator })).channels).toEqual([]);
    await eventually('channels active again after the blocks', async () => {
      return (await getChannels({ lnd: coordinator, is_active: true })).channels.length === channelsBefore;
    });
  });
});
