import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { applyDiff } from '../../../domain/bounty';
import { evaluateSplit, loadBountyBundle } from '../../../activities/sandbox';
import { dataConverter } from '../../../server/coordinator/temporal';
import { booksBalance, bountyBooks } from '../../../domain/money/bounty-books';
import { bountyRepository } from '../../../db/repos/bounties';
import { buyBaseline, submitToBounty } from '../../../clients/earner/bounty-client';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { bountyStatusQuery, bountyWorkflowId, escrowWorkflowId } from '../../../workflows/definitions';
import { channelBalance, stakePayment, testLnd } from '../../support/lightning';
import { admittedWorkflows } from '../../support/submissions';
import { eventually } from '../../support/workflows';
import type { BountyTestApi } from './support';
import { exampleBountyBody, request, startBountyApi } from './support';

const bountyDir = join(__dirname, '../../../bounties/example-sort');
const sample = (name: string) => readFileSync(join(bountyDir, 'samples', `${name}.diff`), 'utf8');

const sponsor = testLnd('sponsor');
const improver = testLnd('peer2');
const overfitter = testLnd('peer3');
const idler = testLnd('peer');

// example-sort's committed scores (comparisons are counted, not timed, so they are exact).
const SCORES = {
  baselinePublic: 0.259549,
  baselineHeldOut: 0.297314,
  improvedPublic: 1.049294,
  improvedHeldOut: 1.061375,
};
const BUDGET = 10_000;
const STAKE = 100;
const BASELINE_FEE = 10;
const RULE = { kind: 'linear-capped', capSats: 2_000, rateSatsPerUnit: 2_000, trancheCount: 4 } as const;
// improvement 1.061375 - 0.297314 = 0.764061 → earned floor(1528.12) = 1528 → 3 whole tranches of 500.
const EXPECTED_PAYOUT = 1_500;

let api: BountyTestApi;

beforeAll(async () => {
  api = await startBountyApi();
});

afterAll(async () => {
  await api?.stop();
});

async function settledBalance(lnd: AuthenticatedLnd, expected: number): Promise<number> {
  return eventually(
    `a channel balance of ${expected}`,
    async () => {
      const balance = await channelBalance(lnd);
      return balance === expected ? balance : null;
    },
    30_000,
  ).catch(async () => channelBalance(lnd));
}

describe('a bounty end to end on the real stack', () => {
  it('funds, pays the genuine improvement by the rule, forfeits the overfit and copied stakes, refunds the idle one, refunds the sponsor, and the books balance', async () => {
    const started = Date.now();
    const created = await request(api.apiUrl, '/bounties', {
      body: await exampleBountyBody(sponsor, {
        budgetSats: BUDGET,
        payoutRule: RULE,
        stakeSats: STAKE,
        baselineFeeSats: BASELINE_FEE,
      }),
    });
    expect({ status: created.status, error: created.body.error }).toEqual({ status: 201 });
    const { bountyId, fundingInvoice, closeToken } = created.body as {
      bountyId: string;
      fundingInvoice: string;
      closeToken: string;
    };

    const sponsorBefore = await channelBalance(sponsor);
    await payViaPaymentRequest({ lnd: sponsor, request: fundingInvoice });
    const opened = await eventually(
      'the bounty to open',
      async () => {
        const { body } = await request(api.apiUrl, `/bounties/${bountyId}`);
        return body.phase === 'OPEN' ? body : null;
      },
      60_000,
    );
    expect(opened).toMatchObject({
      poolSats: BUDGET,
      bestScore: SCORES.baselineHeldOut,
      payoutRule: RULE,
      heldOutHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((opened.judgeRules as { reason: string }[]).map((rule) => rule.reason)).toContain('CANARY_FAILED');
    const sponsorFunded = await settledBalance(sponsor, sponsorBefore - BUDGET);
    expect(sponsorFunded).toBe(sponsorBefore - BUDGET);

    // The agents buy the baseline (L402 access fee) before they work on it.
    const improverStart = await channelBalance(improver);
    const baseline = await buyBaseline(api.apiUrl, bountyId, improver);
    expect(Object.keys(baseline.files)).toContain('sort.js');
    const improverBefore = await settledBalance(improver, improverStart - BASELINE_FEE);
    const overfitterBefore = await channelBalance(overfitter);
    const idlerBefore = await channelBalance(idler);

    // The overfit diff's public score is real (it memorised the public split); its claim is truthful.
    const bundle = await loadBountyBundle(bountyDir);
    const [overfitPublic] = await evaluateSplit(
      bundle,
      applyDiff(bundle.baselineFiles, sample('overfit-public'), bundle.manifest),
      'public',
      1,
    );
    const overfitClaim = overfitPublic?.kind === 'score' ? overfitPublic.score : NaN;

    const handle = api.harness.client.workflow.getHandle(bountyWorkflowId(bountyId));
    // A submission is taken once the bounty queued it: queued + being validated + finished.
    const taken = (n: number) =>
      eventually(
        `${n} submission(s) taken`,
        async () => {
          const status = await handle.query(bountyStatusQuery);
          const finished = await api.harness.db.prisma.bountySubmission.count({
            where: { bountyId, status: { not: 'PENDING' } },
          });
          return status.queued + (status.validating ? 1 : 0) + finished >= n;
        },
        60_000,
      );
    const submit = (lnd: AuthenticatedLnd, diff: string, claimedScore: number) =>
      submitToBounty({ apiUrl: api.apiUrl, bountyId, lnd, diff, claimedScore, pollMs: 200 });
    // Queued in this order and validated one at a time, each against the best score at its turn.
    const overfit = submit(overfitter, sample('overfit-public'), overfitClaim);
    await taken(1);
    const idle = submit(idler, sample('no-improvement'), SCORES.baselinePublic);
    await taken(2);
    const improved = submit(improver, sample('improvement'), SCORES.improvedPublic);
    await taken(3);
    // The overfitter copies the improvement while it is pending: a copy, whatever happens to the original.
    const copy = submit(overfitter, sample('improvement'), SCORES.improvedPublic);
    const [o, i, g, c] = await Promise.all([overfit, idle, improved, copy]);

    expect(o.submission).toMatchObject({
      status: 'REJECTED',
      reason: 'CANARY_FAILED',
      stakeOutcome: 'forfeit',
      payoutSats: 0,
    });
    expect(i.submission).toMatchObject({
      status: 'REJECTED',
      reason: 'NO_IMPROVEMENT',
      stakeOutcome: 'refund',
      payoutSats: 0,
    });
    expect(g.submission).toMatchObject({
      status: 'ACCEPTED',
      reason: 'ACCEPTED',
      stakeOutcome: 'refund',
      payoutSats: EXPECTED_PAYOUT,
      heldOutScore: SCORES.improvedHeldOut,
      limitsMode: expect.stringMatching(/^cgroup-v[12]$/),
    });
    expect(c.submission).toMatchObject({
      status: 'REJECTED',
      reason: 'DIFF_COPIED',
      stakeOutcome: 'forfeit',
      payoutSats: 0,
      limitsMode: null,
    });
    expect(g.escrow).toEqual({ revealed: 3, phase: 'released', earnedSats: EXPECTED_PAYOUT });

    // Each agent's own node agrees: the forfeited stake was paid, the refunded ones failed back to the payer.
    expect(await stakePayment(overfitter, o.submission.stakeHash)).toBe('paid');
    expect(await stakePayment(overfitter, c.submission.stakeHash)).toBe('paid');
    expect(await stakePayment(idler, i.submission.stakeHash)).toBe('returned');
    expect(await stakePayment(improver, g.submission.stakeHash)).toBe('returned');
    expect(await settledBalance(improver, improverBefore + EXPECTED_PAYOUT)).toBe(
      improverBefore + EXPECTED_PAYOUT,
    );
    expect(await settledBalance(overfitter, overfitterBefore - 2 * STAKE)).toBe(overfitterBefore - 2 * STAKE);
    expect(await settledBalance(idler, idlerBefore)).toBe(idlerBefore);

    const board = await request(api.apiUrl, `/bounties/${bountyId}/leaderboard`);
    expect(board.body).toMatchObject({
      bestScore: SCORES.improvedHeldOut,
      entries: [{ id: g.submissionId }],
    });

    // Close: the sponsor gets all of the pool back (two keysends: the second returns the unused fee limit).
    expect(
      (await request(api.apiUrl, `/bounties/${bountyId}/close`, { body: { closeToken: 'ab'.repeat(32) } }))
        .body.error?.code,
    ).toBe('CLOSE_TOKEN_INVALID');
    expect((await request(api.apiUrl, `/bounties/${bountyId}/close`, { body: { closeToken } })).status).toBe(
      202,
    );
    const result = (await api.harness.client.workflow.getHandle(bountyWorkflowId(bountyId)).result()) as {
      refundedSats: number;
      poolSats: number;
      paidSats: number;
      feeSats: number;
    };
    const remainder = BUDGET - EXPECTED_PAYOUT;
    expect(result).toMatchObject({
      paidSats: EXPECTED_PAYOUT,
      refundedSats: remainder,
      feeSats: 0,
      poolSats: 0,
    });
    expect(await settledBalance(sponsor, sponsorFunded + remainder)).toBe(sponsorFunded + remainder);

    // I4 from the ledger alone: funded = paid out + refunded + pool + fees, to the sat.
    const bounties = bountyRepository(api.harness.db.prisma);
    const rows = await bounties.ledgerRows(bountyId, {
      bounty: bountyWorkflowId(bountyId),
      escrow: escrowWorkflowId,
    });
    const books = bountyBooks(rows);
    expect(books).toEqual({
      funded: BigInt(BUDGET),
      paidOut: BigInt(EXPECTED_PAYOUT),
      refunded: BigInt(remainder),
      fees: 0n,
      pool: 0n,
    });
    const row = await bounties.find(bountyId);
    expect(row).toMatchObject({ phase: 'CLOSED' });
    expect(booksBalance(books, row?.poolSats ?? -1n)).toBe(true);

    // I5: the bounty's and every submission's history replays with this code to the same decisions.
    const replay = Date.now();
    const admitted = await admittedWorkflows(
      api.harness.client,
      createEncryptionCodec(api.harness.secrets.codecKeys),
      bountyWorkflowId(bountyId),
    );
    const histories = await Promise.all(
      [bountyWorkflowId(bountyId), ...[o, i, g, c].map((s) => admitted.get(s.submissionId)!)].map(
        async (workflowId) => ({
          workflowId,
          history: await api.harness.client.workflow.getHandle(workflowId).fetchHistory(),
        }),
      ),
    );
    const replayed = Worker.runReplayHistories(
      {
        workflowsPath: require.resolve('../../../workflows'),
        dataConverter: dataConverter(api.harness.secrets),
      },
      histories,
    );
    for await (const result of replayed) expect(result).toMatchObject({ error: undefined });
    process.stdout.write(`replayed 5 histories in ${((Date.now() - replay) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`bounty end to end: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 300_000);
});
