import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { buyBaseline, submitToBounty } from '../../clients/earner/bounty-client';
import { requestJson, sendJson } from '../../clients/http-json';
import type { StackConfig } from '../../dev/stack/config';
import { stackPorts } from '../../dev/stack/config';
import { connectLnd, readCredentials } from '../../dev/stack/lnd';

export interface BountyDemoOptions {
  apiUrl: string;
  sponsor: AuthenticatedLnd;
  /** The three agents: the genuine improvement, the overfit one, the one that changes nothing. */
  agents: { improver: AuthenticatedLnd; overfitter: AuthenticatedLnd; idler: AuthenticatedLnd };
  log: (line: string) => void;
}

const SAMPLES = join(__dirname, '..', '..', 'bounties', 'example-sort', 'samples');
const sample = (name: string) => readFileSync(join(SAMPLES, `${name}.diff`), 'utf8');

/**
 * The example bounty on the local stack: the sponsor funds example-sort, three agents submit its sample diffs
 * (one paid by the rule, one rejected as overfit with its stake forfeited, one refunded), the sponsor closes it.
 */
export async function runBountyDemo({ apiUrl, sponsor, agents, log }: BountyDemoOptions): Promise<void> {
  const created = await sendJson<{ bountyId: string; fundingInvoice: string; closeToken: string }>(
    `${apiUrl}/bounties`,
    'POST',
    {
      bundle: 'example-sort',
      budgetSats: 10_000,
      payoutRule: { kind: 'linear-capped', capSats: 2_000, rateSatsPerUnit: 2_000, trancheCount: 4 },
      stakeSats: 100,
      baselineFeeSats: 10,
      sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
    },
  );
  const { bountyId } = created;
  await payViaPaymentRequest({ lnd: sponsor, request: created.fundingInvoice });
  log(`bounty ${bountyId}: funded with 10000 sats by the sponsor`);
  let view = await requestJson<{ phase: string; bestScore: number | null }>(`${apiUrl}/bounties/${bountyId}`);
  while (view.phase !== 'OPEN') {
    await new Promise((resolve) => setTimeout(resolve, 250));
    view = await requestJson(`${apiUrl}/bounties/${bountyId}`);
  }
  log(`open; baseline held-out score ${view.bestScore}`);
  await buyBaseline(apiUrl, bountyId, agents.improver);
  log('the improver bought the baseline (10 sats, L402)');

  const runs: [string, AuthenticatedLnd, string, number][] = [
    ['overfitter', agents.overfitter, 'overfit-public', 4_907.549268],
    ['idler', agents.idler, 'no-improvement', 0.259549],
    ['improver', agents.improver, 'improvement', 1.049294],
  ];
  for (const [who, lnd, diff, claimedScore] of runs) {
    const { submission } = await submitToBounty({
      apiUrl,
      bountyId,
      lnd,
      diff: sample(diff),
      claimedScore,
      onProgress: (line) => log(`  ${who}: ${line}`),
    });
    log(
      `${who}: ${submission.status} (${submission.reason}), held-out ${submission.heldOutScore}, paid ${submission.payoutSats} sats, stake ${submission.stakeOutcome}, limits ${submission.limitsMode}`,
    );
  }
  await sendJson(`${apiUrl}/bounties/${bountyId}/close`, 'POST', { closeToken: created.closeToken });
  let closed = await requestJson<{ phase: string; paidSats: number; refundedSats: number; feeSats: number }>(
    `${apiUrl}/bounties/${bountyId}`,
  );
  while (closed.phase !== 'CLOSED') {
    await new Promise((resolve) => setTimeout(resolve, 250));
    closed = await requestJson(`${apiUrl}/bounties/${bountyId}`);
  }
  log(
    `closed: paid ${closed.paidSats} sats, refunded ${closed.refundedSats} sats to the sponsor, fees ${closed.feeSats} sats`,
  );
}

const DEMO_NODES = { sponsor: 'sponsor', improver: 'peer2', overfitter: 'peer3', idler: 'peer' } as const;

/** `dev start`'s bounty demo on the local stack; skipped (with a line saying so) when its nodes are not there. */
export async function runStackBountyDemo(config: StackConfig, say: (line: string) => void): Promise<void> {
  const missing = Object.values(DEMO_NODES).filter((node) => !config.nodes.includes(node));
  if (missing.length > 0) {
    say(`bounty demo skipped: the stack has no node ${missing.join(', ')}`);
    return;
  }
  const node = (name: string) => connectLnd(readCredentials(config, name));
  const started = Date.now();
  say('bounty demo: example-sort, funded by the sponsor; three agents submit the sample diffs');
  await runBountyDemo({
    apiUrl: `http://${config.host}:${stackPorts(config).api}`,
    sponsor: node(DEMO_NODES.sponsor),
    agents: {
      improver: node(DEMO_NODES.improver),
      overfitter: node(DEMO_NODES.overfitter),
      idler: node(DEMO_NODES.idler),
    },
    log: (line) => say(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`),
  });
}
