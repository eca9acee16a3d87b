import { randomUUID } from 'node:crypto';
import { getWalletInfo } from 'ln-service';
import type { Payload } from '@temporalio/common';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { revealedPreimagesRepository } from '../../../db/repos/revealed-preimages';
import { ledgerRepository } from '../../../db/repos/ledger';
import { escrowEarner } from '../../../clients/earner/escrow-client';
import { splitIntoTranches } from '../../../domain/money/tranches';
import {
  escrowInvoicesSignal,
  escrowStatusQuery,
  escrowWorkflowId,
  releaseEscrowSignal,
} from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { channelBalance, testLnd } from '../../support/lightning';
import { eventually } from '../../support/workflows';
import { paymentHashesOf, startTestEscrow } from '../../support/escrow';

const earnerLnd = testLnd('peer2');
const earner = escrowEarner(earnerLnd);
let harness: ControlHarness;

beforeAll(async () => {
  harness = await startControlHarness();
  earnerPublicKey = (await getWalletInfo({ lnd: earnerLnd })).public_key;
});
afterAll(() => harness?.stop());

const trancheSats = splitIntoTranches(10_000, 4);

let earnerPublicKey: string;

/** Starts an escrow for the earner and waits for the hashes it must invoice. */
async function startEscrow(escrowId: string) {
  const handle = await startTestEscrow(harness.client, { escrowId, earnerPublicKey, trancheSats });
  return { handle, paymentHashes: await paymentHashesOf(handle) };
}

/** Runs one escrow end to end with the earner on its own node; returns the result and the earner's balance change. */
async function runEscrow(reveal: number) {
  const escrowId = randomUUID();
  const before = await channelBalance(earnerLnd);
  const { handle, paymentHashes } = await startEscrow(escrowId);
  const invoices = await earner.createInvoices(paymentHashes, trancheSats, {
    cltvDelta: 60,
    expiresInSeconds: 600,
  });
  await handle.signal(escrowInvoicesSignal, { invoices });

  await eventually(
    'all tranches held on the earner node',
    async () => (await earner.heldCount(paymentHashes)) === 4,
  );
  expect((await handle.query(escrowStatusQuery)).phase).toBe('locked');
  await handle.signal(releaseEscrowSignal, { reveal });

  await eventually('the decision', async () => (await handle.query(escrowStatusQuery)).revealed !== null);
  const revealed = await revealedPreimagesRepository(harness.db.prisma).list(escrowId);
  await earner.resolve(paymentHashes, revealed);

  const result = await handle.result();
  const after = await eventually('the earner balance to settle', async () => {
    const balance = await channelBalance(earnerLnd);
    return balance - before === result.paidSats && balance;
  });
  return { escrowId, result, revealed, paymentHashes, gained: after - before };
}

/** Every byte string in a history, plus every payload decoded with the worker's codec. */
async function historyBytes(workflowId: string): Promise<Buffer[]> {
  const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
  const raw: Buffer[] = [];
  const payloads: Payload[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) raw.push(Buffer.from(value));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.metadata && record.data instanceof Uint8Array) payloads.push(record as Payload);
      Object.values(record).forEach(walk);
    }
  };
  walk(history);
  expect(payloads.length).toBeGreaterThan(10);
  const codec = createEncryptionCodec(harness.secrets.codecKeys);
  const decoded = await codec.decode(payloads);
  return [
    ...raw,
    Buffer.from(JSON.stringify(history)),
    ...decoded.map((payload) => Buffer.from(payload.data ?? [])),
  ];
}

describe('reward escrow with 4 tranches on real LND', () => {
  it('keeps every preimage out of the history, raw or decoded, while the hashes are there', async () => {
    const { escrowId, revealed, paymentHashes } = await runEscrow(4);
    const haystack = await historyBytes(escrowWorkflowId(escrowId));
    const found = (needle: Buffer | string) => haystack.some((bytes) => bytes.includes(needle));

    expect(revealed).toHaveLength(4);
    expect(found(paymentHashes[0]!)).toBe(true);
    for (const { preimage } of revealed) {
      expect(found(preimage)).toBe(false);
      expect(found(Buffer.from(preimage, 'hex'))).toBe(false);
      expect(found(Buffer.from(preimage, 'hex').toString('base64'))).toBe(false);
    }
  });

  it.each([
    [0, 0],
    [2, trancheSats[0]! + trancheSats[1]!],
    [4, 10_000],
  ])('revealing %i tranches pays the earner exactly %i sats and returns the rest', async (reveal, paid) => {
    const { result, revealed, paymentHashes, gained } = await runEscrow(reveal);

    expect(revealed.map((entry) => entry.tranche)).toEqual([...Array(reveal).keys()]);
    expect(result).toMatchObject({
      phase: 'completed',
      revealed: reveal,
      paidSats: paid,
      returnedSats: 10_000 - paid,
    });
    expect(gained).toBe(paid);
    const ledger = ledgerRepository(harness.db.prisma);
    const rows = await Promise.all(paymentHashes.map((hash) => ledger.find(hash, 'OUTGOING')));
    expect(rows.map((row) => row?.state)).toEqual(
      paymentHashes.map((_, i) => (i < reveal ? 'SETTLED' : 'FAILED')),
    );
  });

  it('refuses invoices from any node but the submitter, before a sat moves', async () => {
    const escrowId = randomUUID();
    const { handle, paymentHashes } = await startEscrow(escrowId);
    const thief = escrowEarner(testLnd('peer'));
    const invoices = await thief.createInvoices(paymentHashes, trancheSats, {
      cltvDelta: 60,
      expiresInSeconds: 600,
    });
    await handle.signal(escrowInvoicesSignal, { invoices });

    expect(await handle.result()).toEqual({
      phase: 'invalid-invoices',
      revealed: 0,
      paidSats: 0,
      returnedSats: 0,
      feeSats: 0,
      code: 'ESCROW_INVOICE_WRONG_NODE',
    });
    expect((await handle.query(escrowStatusQuery)).problem).toMatch(/other than the earner/);
    expect(await thief.heldCount(paymentHashes)).toBe(0);
    await thief.resolve(paymentHashes, []);
  });
});
