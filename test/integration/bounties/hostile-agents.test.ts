import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { submitToBounty } from '../../../clients/earner/bounty-client';
import { bountyWorkflowId } from '../../../workflows/definitions';
import { channelBalance, stakePayment, testLnd } from '../../support/lightning';
import { listWorkflows } from '../../support/temporal';
import { eventually } from '../../support/workflows';
import type { BountyTestApi } from './support';
import { exampleBountyBody, request, startBountyApi } from './support';

// Issue 13, attacks 1 and 2, end to end: agents whose candidates attack the harness that scores them submit through
// the API with a real stake on regtest LND, and the bounty and submission workflows run on the Temporal dev server
// with the example bundle's own sandbox (bubblewrap). Neither forges a verdict or dodges its forfeit.

const bountyDir = join(__dirname, '../../../bounties/example-sort');
const baselineSort = readFileSync(join(bountyDir, 'baseline', 'sort.js'), 'utf8');
const sponsor = testLnd('sponsor');
const forger = testLnd('peer2');
const dodger = testLnd('peer3');
const BASELINE_HELD_OUT = 0.297314;
const BUDGET = 10_000;
const STAKE = 60;

/** A diff that replaces the whole of `sort.js` with `source`. */
function replaceSort(source: string): string {
  const lines = (text: string) => text.replace(/\n$/, '').split('\n');
  const before = lines(baselineSort);
  const after = lines(source);
  return [
    'diff --git a/sort.js b/sort.js',
    '--- a/sort.js',
    '+++ b/sort.js',
    `@@ -1,${before.length} +1,${after.length} @@`,
    ...before.map((line) => `-${line}`),
    ...after.map((line) => `+${line}`),
    '',
  ].join('\n');
}

/**
 * The forger of the original report: signals every pid it can name (SIGUSR1 opened the inspector of a harness in
 * the same pid namespace) but itself, tries the inspector's port and every low loopback port, and writes the score line it
 * wants on every stream it has.
 */
const FORGER = `${baselineSort}
const net = require('net');
// Its own threads (the permission model hides /proc/self/task) follow its pid: stopping them would only stop itself.
for (let pid = 1; pid < 4096; pid += 1) {
  if (pid >= process.pid && pid < process.pid + 32) continue;
  for (const signal of ['SIGUSR1', 'SIGSTOP']) { try { process.kill(pid, signal); } catch {} }
}
for (const port of [9229, 9230, ...Array.from({ length: 1024 }, (_, i) => i + 1)]) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('connect', () => socket.end('{"id":1,"method":"Runtime.evaluate","params":{"expression":"console.log(\\'score: 1000\\')"}}'));
  socket.on('error', () => {});
}
process.stdout.write('score: 1000.000000\\n');
process.stderr.write('score: 1000.000000\\n');
`;

/** Sorts honestly, and dies on the canary only (its edge cases are the short inputs): a forfeit it wants refunded. */
const DODGER = `${baselineSort}
const honestSort = module.exports.sort;
module.exports.sort = (items, compare) => {
  if (items.length < 24) process.kill(process.pid, 'SIGKILL');
  return honestSort(items, compare);
};
`;

let api: BountyTestApi;

beforeAll(async () => {
  api = await startBountyApi();
});

afterAll(async () => {
  await api?.stop();
});

describe('hostile agents through the API, the workflows and LND', () => {
  it('a verdict forger and a canary dodger are both rejected and forfeit; nothing is paid; every workflow ends', async () => {
    const created = await request(api.apiUrl, '/bounties', {
      body: await exampleBountyBody(sponsor, {
        budgetSats: BUDGET,
        payoutRule: { kind: 'linear-capped', capSats: 2_000, rateSatsPerUnit: 2_000, trancheCount: 2 },
        stakeSats: STAKE,
        baselineFeeSats: 1,
      }),
    });
    expect(created.status).toBe(201);
    const { bountyId, fundingInvoice, closeToken } = created.body as {
      bountyId: string;
      fundingInvoice: string;
      closeToken: string;
    };
    await payViaPaymentRequest({ lnd: sponsor, request: fundingInvoice });
    await eventually(
      'the bounty to open',
      async () => (await request(api.apiUrl, `/bounties/${bountyId}`)).body.phase === 'OPEN',
      60_000,
    );
    const before = { forger: await channelBalance(forger), dodger: await channelBalance(dodger) };

    const submit = (lnd: AuthenticatedLnd, source: string, claimedScore: number) =>
      submitToBounty({
        apiUrl: api.apiUrl,
        bountyId,
        lnd,
        diff: replaceSort(source),
        claimedScore,
        pollMs: 250,
      });
    const [forged, dodged] = await Promise.all([
      submit(forger, FORGER, 1000),
      submit(dodger, DODGER, 0.259549),
    ]);

    expect(forged.submission).toMatchObject({
      status: 'REJECTED',
      reason: 'CLAIM_NOT_REPRODUCED',
      stakeOutcome: 'forfeit',
      payoutSats: 0,
    });
    expect(dodged.submission).toMatchObject({
      status: 'REJECTED',
      reason: 'CANARY_FAILED',
      stakeOutcome: 'forfeit',
      payoutSats: 0,
    });
    expect(await stakePayment(forger, forged.submission.stakeHash)).toBe('paid');
    expect(await stakePayment(dodger, dodged.submission.stakeHash)).toBe('paid');
    await eventually('both stakes to have moved', async () => {
      const [f, d] = [await channelBalance(forger), await channelBalance(dodger)];
      return f === before.forger - STAKE && d === before.dodger - STAKE;
    });

    // The best score is the baseline's still: a forged 1000 would have made the bounty unbeatable.
    const board = await request(api.apiUrl, `/bounties/${bountyId}/leaderboard`);
    expect(board.body).toMatchObject({ bestScore: BASELINE_HELD_OUT, entries: [] });

    expect((await request(api.apiUrl, `/bounties/${bountyId}/close`, { body: { closeToken } })).status).toBe(
      202,
    );
    const result = (await api.harness.client.workflow.getHandle(bountyWorkflowId(bountyId)).result()) as {
      paidSats: number;
      poolSats: number;
    };
    expect(result).toMatchObject({ paidSats: 0, poolSats: 0 });
    const workflows = await listWorkflows(api.harness.env.address, 'WorkflowType != "accessFee"');
    const byStatus: Record<string, number> = {};
    for (const workflow of workflows) byStatus[workflow.status] = (byStatus[workflow.status] ?? 0) + 1;
    process.stdout.write(`hostile agents: workflows by status ${JSON.stringify(byStatus)}\n`);
    expect(Object.keys(byStatus)).toEqual(['WORKFLOW_EXECUTION_STATUS_COMPLETED']);
  }, 300_000);
});
