import { randomUUID } from 'node:crypto';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { BOUNTY_ESCROW } from '../../../server/coordinator/bounty-settings';
import { feeLimitSats } from '../../../domain/money/fees';
import { derivePreimage, paymentHashOf } from '../../../domain/money/preimages';
import { bountyStatusQuery, closeBountySignal, invoiceUpdate } from '../../../workflows/definitions';
import { startFakeBounty } from '../fake-bounty-validation';
import { until } from './lnd-checks';
import type { ExpectedHash, ScenarioDeps, ScenarioRun } from './scenarios';

const all = <T, R>(items: T[], step: (item: T, index: number) => Promise<R>) => Promise.all(items.map(step));

/**
 * `flows` bounties funded by `sponsor`, opened, then all closed at once with no submission, so every one refunds
 * its whole pool by keysend in two passes (the pool less its fee limit, then the unused fee limit) together.
 * Needs a validation worker with the fake bounty host (fake-bounty-validation.ts).
 */
export async function refundScenario(
  deps: ScenarioDeps,
  sponsor: { name: string; lnd: AuthenticatedLnd },
  flows: number,
): Promise<ScenarioRun> {
  const budgetSats = 2_000;
  const passSats = [
    budgetSats - feeLimitSats(budgetSats, BOUNTY_ESCROW.fees),
    feeLimitSats(budgetSats, BOUNTY_ESCROW.fees),
  ];
  const sponsorPublicKey = (await getWalletInfo({ lnd: sponsor.lnd })).public_key;
  const bountyIds = Array.from({ length: flows }, () => randomUUID());
  const handles = await all(bountyIds, (bountyId) =>
    startFakeBounty(deps.client, { bountyId, budgetSats, sponsorPublicKey }),
  );
  const funding = await all(handles, async (handle) => {
    const invoice = await handle.executeUpdate(invoiceUpdate);
    await payViaPaymentRequest({ lnd: sponsor.lnd, request: invoice.bolt11 });
    return invoice.paymentHash;
  });
  await all(handles, (handle) =>
    until('the bounty open', async () => (await handle.query(bountyStatusQuery)).phase === 'OPEN'),
  );
  await all(handles, (handle) => handle.signal(closeBountySignal));
  const results = await all(handles, (handle) => handle.result());
  const finishedAt = Date.now();
  const problems = results.flatMap((result, i) =>
    result.refundedSats === budgetSats && result.poolSats === 0
      ? []
      : [`bounty ${bountyIds[i]}: refunded ${result.refundedSats}, pool left ${result.poolSats}`],
  );
  const refunds = bountyIds.flatMap((bountyId) =>
    passSats.map((sats, pass): ExpectedHash => ({
      paymentHash: paymentHashOf(
        derivePreimage(deps.preimageSecret, `bounty-refund/${bountyId}`, pass),
      ).toString('hex'),
      invoiceNode: sponsor.lnd,
      sats,
      settled: true,
      ledger: { direction: 'OUTGOING', state: 'SETTLED' },
    })),
  );
  return {
    finishedAt,
    workflowIds: handles.map((handle) => handle.workflowId),
    hashes: [
      ...funding.map((paymentHash): ExpectedHash => ({
        paymentHash,
        invoiceNode: deps.coordinator,
        sats: budgetSats,
        settled: true,
        ledger: { direction: 'INCOMING', state: 'SETTLED' },
      })),
      ...refunds,
    ],
    // The whole pool comes back over the direct channel (no routing fee): both sides end where they started.
    moves: [
      { node: sponsor.name, lnd: sponsor.lnd, sats: 0 },
      { node: 'coordinator', lnd: deps.coordinator, sats: 0 },
    ],
    problems,
  };
}
