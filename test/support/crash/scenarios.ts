import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { getInvoice, getPayment, getWalletInfo, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import type { PrismaClient } from '../../../db/client';
import { ledgerRepository } from '../../../db/repos/ledger';
import type { PaymentDirection, PaymentState } from '../../../db/repos/ledger';
import { revealedPreimagesRepository } from '../../../db/repos/revealed-preimages';
import { escrowEarner } from '../../../clients/earner/escrow-client';
import { TASK_QUEUES } from '../../../temporal-config';
import { rewardEscrow, stake } from '../../../workflows';
import {
  escrowInvoicesSignal,
  escrowStatusQuery,
  escrowWorkflowId,
  invoiceQuery,
  releaseEscrowSignal,
  resolveStakeSignal,
  stakeWorkflowId,
} from '../../../workflows/definitions';
import { testEscrowInput } from '../escrow';
import { until } from './lnd-checks';

export interface ScenarioDeps {
  client: Client;
  prisma: PrismaClient;
  coordinator: AuthenticatedLnd;
  /** The coordinator's preimage secret, to derive the hashes it pays by keysend. */
  preimageSecret: Buffer;
}

/** One payment hash of a flow: what LND must show for it once everything is final. */
export interface ExpectedHash {
  paymentHash: string;
  /** The node that holds the invoice, and whether it must end settled for exactly `sats`, or cancelled. */
  invoiceNode: AuthenticatedLnd;
  sats: number;
  settled: boolean;
  /** The coordinator's ledger row for it and the state it must end in. */
  ledger: { direction: PaymentDirection; state: PaymentState };
}

export interface ScenarioRun {
  workflowIds: string[];
  hashes: ExpectedHash[];
  /** Channel balances that must move, by node name, and by how much in total (sats; the channels are direct). */
  moves: { node: string; lnd: AuthenticatedLnd; sats: number }[];
  /** When the last flow's workflow returned (ms since epoch), before any check ran. */
  finishedAt: number;
  /** What the scenario found wrong beyond payments (a flow's result, duplicate rows); empty when all is well. */
  problems?: string[];
}

const all = <T, R>(items: T[], step: (item: T, index: number) => Promise<R>) => Promise.all(items.map(step));

/** What an outage test does at a point of a scenario (the scenario goes on once it resolves). */
export type ScenarioHook = (workflowIds: string[]) => Promise<void>;

/**
 * `flows` stakes paid by `payer`, all held, then every verdict sent at once (so every flow reaches the settle or
 * cancel boundary together); resolves once every stake workflow returned. `beforePaying` runs once every invoice
 * is published, `whileHeld` once LND holds every stake.
 */
export async function stakeScenario(
  deps: ScenarioDeps,
  payer: { name: string; lnd: AuthenticatedLnd },
  flows: number,
  verdict: 'forfeit' | 'refund',
  hooks: { beforePaying?: ScenarioHook; whileHeld?: ScenarioHook } = {},
): Promise<ScenarioRun> {
  const sats = 1_000;
  const workflowIds = Array.from({ length: flows }, () => stakeWorkflowId(randomUUID()));
  const handles = await all(workflowIds, (workflowId) =>
    deps.client.workflow.start(stake, {
      taskQueue: TASK_QUEUES.control,
      workflowId,
      args: [{ sats, memo: 'crash matrix', payWithinSeconds: 300, decideWithinSeconds: 600 }],
    }),
  );
  const invoices = await all(handles, (handle) =>
    until('the stake invoice', () => handle.query(invoiceQuery)),
  );
  await hooks.beforePaying?.(workflowIds);
  // A refunded stake's payment fails at the payer: that is the expected end, not an error.
  const payments = invoices.map((invoice) =>
    payViaPaymentRequest({ lnd: payer.lnd, request: invoice.bolt11 }).catch(() => null),
  );
  await all(invoices, (invoice) =>
    until(
      'the stake held',
      async () => (await getInvoice({ lnd: deps.coordinator, id: invoice.paymentHash })).is_held,
    ),
  );
  await hooks.whileHeld?.(workflowIds);
  await all(handles, (handle) => handle.signal(resolveStakeSignal, { outcome: verdict }));
  await all(handles, (handle) => handle.result());
  const finishedAt = Date.now();
  await Promise.all(payments);
  const settled = verdict === 'forfeit';
  return {
    finishedAt,
    workflowIds,
    hashes: invoices.map((invoice) => ({
      paymentHash: invoice.paymentHash,
      invoiceNode: deps.coordinator,
      sats,
      settled,
      ledger: { direction: 'INCOMING', state: settled ? 'SETTLED' : 'CANCELED' },
    })),
    moves: [
      { node: payer.name, lnd: payer.lnd, sats: settled ? -sats * flows : 0 },
      { node: 'coordinator', lnd: deps.coordinator, sats: settled ? sats * flows : 0 },
    ],
  };
}

/**
 * `flows` reward escrows of two tranches to `earner`, driven phase by phase across the batch: every invoice set
 * signalled at once (lock boundary), then every release at once (reveal boundary), then the earner settles the
 * revealed tranche and cancels the other (payment-outcome boundary). `whileLocked` runs once every tranche is
 * held on the earner's node.
 */
export async function escrowScenario(
  deps: ScenarioDeps,
  earnerNode: { name: string; lnd: AuthenticatedLnd },
  flows: number,
  hooks: { whileLocked?: ScenarioHook } = {},
): Promise<ScenarioRun> {
  const trancheSats = [600, 400];
  const earner = escrowEarner(earnerNode.lnd);
  const earnerPublicKey = (await getWalletInfo({ lnd: earnerNode.lnd })).public_key;
  const escrowIds = Array.from({ length: flows }, () => randomUUID());
  const handles = await all(escrowIds, (escrowId) =>
    deps.client.workflow.start(rewardEscrow, {
      taskQueue: TASK_QUEUES.control,
      workflowId: escrowWorkflowId(escrowId),
      args: [
        testEscrowInput({
          escrowId,
          earnerPublicKey,
          trancheSats,
          invoiceWithinSeconds: 300,
          decideWithinSeconds: 600,
        }),
      ],
    }),
  );
  const hashes = await all(
    handles,
    async (handle) =>
      (
        await until('the escrow hashes', async () => {
          const status = await handle.query(escrowStatusQuery);
          return status.paymentHashes.length === trancheSats.length && status;
        })
      ).paymentHashes,
  );
  const invoices = await all(hashes, (paymentHashes) =>
    earner.createInvoices(paymentHashes, trancheSats, { cltvDelta: 60, expiresInSeconds: 900 }),
  );
  await all(handles, (handle, i) =>
    handle.signal(escrowInvoicesSignal, { invoices: invoices[i] as string[] }),
  );
  await all(hashes, (paymentHashes) =>
    until('every tranche locked', async () => (await earner.heldCount(paymentHashes)) === trancheSats.length),
  );
  await hooks.whileLocked?.(handles.map((handle) => handle.workflowId));
  await all(handles, (handle) => handle.signal(releaseEscrowSignal, { reveal: 1 }));
  const revealed = revealedPreimagesRepository(deps.prisma);
  await all(escrowIds, (escrowId, i) =>
    until('the reveal', async () => {
      const rows = await revealed.list(escrowId);
      return rows.length === 1 && earner.resolve(hashes[i] as string[], rows).then(() => true);
    }),
  );
  await all(handles, (handle) => handle.result());
  return {
    finishedAt: Date.now(),
    workflowIds: handles.map((handle) => handle.workflowId),
    hashes: hashes.flatMap((paymentHashes) =>
      paymentHashes.map((paymentHash, tranche) => ({
        paymentHash,
        invoiceNode: earnerNode.lnd,
        sats: trancheSats[tranche] as number,
        settled: tranche === 0,
        ledger: {
          direction: 'OUTGOING' as const,
          state: tranche === 0 ? ('SETTLED' as const) : ('FAILED' as const),
        },
      })),
    ),
    moves: [
      { node: earnerNode.name, lnd: earnerNode.lnd, sats: (trancheSats[0] as number) * flows },
      { node: 'coordinator', lnd: deps.coordinator, sats: -(trancheSats[0] as number) * flows },
    ],
  };
}

export interface HashVerdict {
  /** Hashes LND received more than once, or more sats for than agreed. */
  doublePays: string[];
  /** Hashes that should have settled and did not, or whose ledger row disagrees with LND. */
  problems: string[];
}

/** Each hash settled at most once and exactly as agreed on the invoice's node; each ledger row equal to it. */
export async function checkHashes(deps: ScenarioDeps, hashes: ExpectedHash[]): Promise<HashVerdict> {
  const ledger = ledgerRepository(deps.prisma);
  const verdict: HashVerdict = { doublePays: [], problems: [] };
  for (const expected of hashes) {
    const invoice = await getInvoice({ lnd: expected.invoiceNode, id: expected.paymentHash });
    const received = Number(invoice.received);
    if (received > expected.sats || invoice.payments.filter((htlc) => htlc.is_confirmed).length > 1) {
      verdict.doublePays.push(expected.paymentHash);
    }
    // LND keeps `received` on a cancelled invoice (what was held); what matters is that nothing settled.
    const ok = expected.settled
      ? invoice.is_confirmed && received === expected.sats
      : invoice.is_canceled && !invoice.is_confirmed && invoice.payments.every((htlc) => !htlc.is_confirmed);
    if (!ok)
      verdict.problems.push(
        `${expected.paymentHash}: invoice ${JSON.stringify({ received, confirmed: invoice.is_confirmed, canceled: invoice.is_canceled })}`,
      );
    if (expected.ledger.direction === 'OUTGOING') {
      const payment = await getPayment({ lnd: deps.coordinator, id: expected.paymentHash });
      if (
        payment.is_confirmed !== expected.settled ||
        (expected.settled && payment.payment?.tokens !== expected.sats)
      ) {
        verdict.problems.push(
          `${expected.paymentHash}: coordinator payment ${JSON.stringify({ confirmed: payment.is_confirmed, failed: payment.is_failed })}`,
        );
      }
    }
    const row = await ledger.find(expected.paymentHash, expected.ledger.direction);
    if (row?.state !== expected.ledger.state) {
      verdict.problems.push(
        `${expected.paymentHash}: ledger ${row?.state ?? 'missing'}, expected ${expected.ledger.state}`,
      );
    }
  }
  return verdict;
}
