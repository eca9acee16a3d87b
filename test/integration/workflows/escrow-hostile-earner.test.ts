import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cancelHodlInvoice, createHodlInvoice, getInvoice, getWalletInfo } from 'ln-service';
import type { WorkflowHandle } from '@temporalio/client';
import { earnerLiquidityRepository } from '../../../db/repos/earner-liquidity';
import { revealedPreimagesRepository } from '../../../db/repos/revealed-preimages';
import type { EarnerLiquidityRule } from '../../../domain/money/earner-liquidity';
import { escrowEarner } from '../../../clients/earner/escrow-client';
import { splitIntoTranches } from '../../../domain/money/tranches';
import type { rewardEscrow } from '../../../workflows';
import type { RewardEscrowInput } from '../../../workflows/reward-escrow';
import { escrowInvoicesSignal, escrowStatusQuery, releaseEscrowSignal } from '../../../workflows/definitions';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { listWorkflows } from '../../support/temporal';
import { channelBalance, testLnd } from '../../support/lightning';
import { eventually } from '../../support/workflows';
import { paymentHashesOf, startTestEscrow } from '../../support/escrow';

jest.setTimeout(240_000);

const coordinatorLnd = testLnd('coordinator');
const earnerLnd = testLnd('peer2');
const thiefLnd = testLnd('peer');
const earner = escrowEarner(earnerLnd);
const trancheSats = splitIntoTranches(10_000, 4);
let harness: ControlHarness;
let earnerPublicKey: string;

beforeAll(async () => {
  harness = await startControlHarness();
  earnerPublicKey = (await getWalletInfo({ lnd: earnerLnd })).public_key;
});
afterAll(() => harness?.stop());

async function startEscrow(escrowId: string, fields: Partial<RewardEscrowInput> = {}) {
  return startTestEscrow(harness.client, { escrowId, earnerPublicKey, trancheSats, ...fields });
}

/** Every hash the earner holds an invoice for in this test, cancelled at its end so nothing stays open. */
const opened: { lnd: typeof earnerLnd; hash: string }[] = [];
async function holdInvoice(
  lnd: typeof earnerLnd,
  hash: string,
  fields: { sats?: number; mtokens?: string; cltvDelta?: number; expiresInSeconds?: number } = {},
) {
  opened.push({ lnd, hash });
  const invoice = await createHodlInvoice({
    lnd,
    id: hash,
    ...(fields.mtokens === undefined ? { tokens: fields.sats } : { mtokens: fields.mtokens }),
    cltv_delta: fields.cltvDelta ?? 60,
    expires_at: new Date(Date.now() + (fields.expiresInSeconds ?? 600) * 1000).toISOString(),
    description: 'hostile earner',
  });
  return invoice.request;
}
const randomHash = () => createHash('sha256').update(randomBytes(32)).digest('hex');
afterEach(async () => {
  for (const { lnd, hash } of opened.splice(0)) await cancelHodlInvoice({ lnd, id: hash }).catch(() => {});
});

type Corpus = (hashes: string[]) => Promise<string[]>;
const honestWith =
  (tranche: number, forged: (hash: string) => Promise<string>): Corpus =>
  async (hashes) =>
    Promise.all(
      hashes.map((hash, i) =>
        i === tranche ? forged(hash) : holdInvoice(earnerLnd, hash, { sats: trancheSats[i] }),
      ),
    );

const corpus: [string, Corpus, string][] = [
  [
    'an invoice for the wrong hash',
    honestWith(1, () => holdInvoice(earnerLnd, randomHash(), { sats: trancheSats[1] })),
    'ESCROW_INVOICE_WRONG_HASH',
  ],
  [
    'one sat more',
    honestWith(1, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[1]! + 1 })),
    'ESCROW_INVOICE_WRONG_AMOUNT',
  ],
  [
    'one sat less',
    honestWith(1, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[1]! - 1 })),
    'ESCROW_INVOICE_WRONG_AMOUNT',
  ],
  [
    'one msat more',
    honestWith(1, (hash) => holdInvoice(earnerLnd, hash, { mtokens: `${trancheSats[1]! * 1000 + 1}` })),
    'ESCROW_INVOICE_WRONG_AMOUNT',
  ],
  [
    "another node's invoice",
    honestWith(2, (hash) => holdInvoice(thiefLnd, hash, { sats: trancheSats[2] })),
    'ESCROW_INVOICE_WRONG_NODE',
  ],
  [
    'a CLTV delta under the safety margin (the old stall)',
    honestWith(0, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[0], cltvDelta: 20 })),
    'ESCROW_INVOICE_CLTV_TOO_SMALL',
  ],
  [
    'a CLTV delta one block short of margin and hold',
    honestWith(0, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[0], cltvDelta: 29 })),
    'ESCROW_INVOICE_CLTV_TOO_SMALL',
  ],
  [
    'a CLTV delta above the max',
    honestWith(3, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[3], cltvDelta: 81 })),
    'ESCROW_INVOICE_CLTV_TOO_LARGE',
  ],
  [
    'an invoice expiring within the lock window',
    honestWith(3, (hash) => holdInvoice(earnerLnd, hash, { sats: trancheSats[3], expiresInSeconds: 30 })),
    'ESCROW_INVOICE_EXPIRED',
  ],
  [
    'an already expired invoice',
    honestWith(3, async (hash) => {
      const request = await holdInvoice(earnerLnd, hash, { sats: trancheSats[3], expiresInSeconds: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return request;
    }),
    'ESCROW_INVOICE_EXPIRED',
  ],
  [
    'a duplicated tranche',
    async (hashes) => {
      const invoices = await honestWith(9, () => Promise.resolve(''))(hashes);
      return [invoices[0]!, invoices[0]!, invoices[2]!, invoices[3]!];
    },
    'ESCROW_INVOICE_DUPLICATE',
  ],
  [
    'a missing tranche',
    async (hashes) => (await honestWith(9, () => Promise.resolve(''))(hashes)).slice(0, 3),
    'ESCROW_INVOICE_COUNT',
  ],
  [
    'an extra invoice',
    async (hashes) => [
      ...(await honestWith(9, () => Promise.resolve(''))(hashes)),
      await holdInvoice(earnerLnd, randomHash(), { sats: 1 }),
    ],
    'ESCROW_INVOICE_COUNT',
  ],
  ['garbage bolt11', honestWith(2, () => Promise.resolve('lnbcrt1garbage')), 'ESCROW_INVOICE_UNDECODABLE'],
];

describe('a hostile earner’s invoices on real LND and Temporal', () => {
  const seen: Record<string, number> = {};
  const started: string[] = [];
  afterAll(() => {
    // The corpus's counts, for the closing note: every entry refused with its code, none accepted.
    process.stdout.write(`hostile earner invoices refused: ${JSON.stringify(seen)}\n`);
  });

  it.each(corpus)(
    '%s ends the escrow as invalid-invoices (%s), before a sat moves',
    async (_what, forge, code) => {
      const balances = async () => [await channelBalance(coordinatorLnd), await channelBalance(earnerLnd)];
      const before = await balances();
      const escrowId = randomUUID();
      const handle = await startEscrow(escrowId);
      started.push(handle.workflowId);
      const hashes = await paymentHashesOf(handle);
      await handle.signal(escrowInvoicesSignal, { invoices: await forge(hashes) });

      expect(await handle.result()).toEqual({
        phase: 'invalid-invoices',
        revealed: 0,
        paidSats: 0,
        returnedSats: 0,
        feeSats: 0,
        code,
      });
      expect(await handle.query(escrowStatusQuery)).toMatchObject({
        phase: 'invalid-invoices',
        problemCode: code,
      });
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      const invoices = await Promise.all(opened.map(({ lnd, hash }) => getInvoice({ lnd, id: hash })));
      expect(invoices.filter((invoice) => invoice.is_held || invoice.is_confirmed)).toEqual([]);
      expect(await balances()).toEqual(before);
      expect(await earnerLiquidityRepository(harness.db.prisma).reservation(escrowId)).toMatchObject({
        releasedAt: expect.any(Date),
      });
      seen[code] = (seen[code] ?? 0) + 1;
    },
  );

  it('leaves nothing running: every escrow of the corpus is Completed, as the Temporal CLI lists them', async () => {
    const ids = started.map((id) => `'${id}'`).join(', ');
    const listed = await listWorkflows(harness.env.address, `WorkflowId IN (${ids})`);
    expect(listed.map((workflow) => workflow.execution.workflowId).sort()).toEqual([...started].sort());
    expect(new Set(listed.map((workflow) => workflow.status))).toEqual(
      new Set(['WORKFLOW_EXECUTION_STATUS_COMPLETED']),
    );
  });
});

describe('bounded liquidity per earner node', () => {
  const rule = (fields: Partial<EarnerLiquidityRule>): EarnerLiquidityRule => ({
    maxHeldHtlcs: 60,
    maxLockedSats: 1_000_000,
    cancelWithinSeconds: 600,
    penaltySeconds: 3_600,
    ...fields,
  });
  /** Ends an escrow that is waiting for invoices without moving a sat. */
  const endWithGarbage = async (handle: WorkflowHandle<typeof rewardEscrow>) => {
    await paymentHashesOf(handle);
    await handle.signal(escrowInvoicesSignal, { invoices: ['lnbcrt1garbage'] });
    return handle.result();
  };

  it('refuses an escrow that would take the earner past its HTLC cap, and admits it once the first ended', async () => {
    const liquidity = rule({ maxHeldHtlcs: 6 });
    const first = await startEscrow(randomUUID(), { liquidity });
    await paymentHashesOf(first);

    const second = await startEscrow(randomUUID(), { liquidity });
    expect(await second.result()).toMatchObject({ phase: 'refused', paidSats: 0, code: 'EARNER_HTLC_CAP' });
    expect((await second.query(escrowStatusQuery)).paymentHashes).toEqual([]);

    expect(await endWithGarbage(first)).toMatchObject({ phase: 'invalid-invoices' });
    const third = await startEscrow(randomUUID(), { liquidity });
    expect(await endWithGarbage(third)).toMatchObject({ phase: 'invalid-invoices' });
  });

  it('refuses an escrow past the earner’s locked-sats cap', async () => {
    const handle = await startEscrow(randomUUID(), { liquidity: rule({ maxLockedSats: 9_999 }) });
    expect(await handle.result()).toMatchObject({ phase: 'refused', code: 'EARNER_SATS_CAP' });
  });

  it('penalizes an earner that keeps withheld tranches held past the decision, then admits it after the penalty', async () => {
    const liquidity = rule({ cancelWithinSeconds: 3, penaltySeconds: 15 });
    const escrowId = randomUUID();
    const handle = await startEscrow(escrowId, { liquidity });
    const hashes = await paymentHashesOf(handle);
    await handle.signal(escrowInvoicesSignal, {
      invoices: await earner.createInvoices(hashes, trancheSats, { cltvDelta: 60, expiresInSeconds: 600 }),
    });
    await eventually('all tranches held', async () => (await earner.heldCount(hashes)) === 4);
    await handle.signal(releaseEscrowSignal, { reveal: 1 });
    await eventually('the decision', async () => (await handle.query(escrowStatusQuery)).revealed === 1);
    // The earner settles the revealed tranche and keeps the other three held.
    await earner.resolve(
      hashes.slice(0, 1),
      await revealedPreimagesRepository(harness.db.prisma).list(escrowId),
    );

    // Past cancelWithinSeconds the earner is on record.
    const liquidityRepo = earnerLiquidityRepository(harness.db.prisma);
    const [penalty] = await eventually('the penalty', async () => {
      const rows = await liquidityRepo.penalties(earnerPublicKey);
      return rows.some((row) => row.escrowId === escrowId) && rows.filter((row) => row.escrowId === escrowId);
    });
    expect(penalty).toMatchObject({ unresolvedTranches: 3 });

    const refused = await startEscrow(randomUUID(), { liquidity });
    expect(await refused.result()).toMatchObject({ phase: 'refused', code: 'EARNER_PENALIZED' });
    expect((await refused.describe()).status.name).toBe('COMPLETED');

    // Late cancels still end the escrow: only the revealed tranche is paid.
    await earner.resolve(hashes.slice(1), []);
    expect(await handle.result()).toMatchObject({
      phase: 'completed',
      revealed: 1,
      paidSats: trancheSats[0],
    });

    await eventually('the penalty to run out', async () => Date.now() > penalty!.until.getTime(), 60_000);
    const after = await startEscrow(randomUUID(), { liquidity });
    expect(await endWithGarbage(after)).toMatchObject({ phase: 'invalid-invoices' });
  });
});
