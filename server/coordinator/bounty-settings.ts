import { blobStoreFor } from '../../db/blobs';
import { join } from 'node:path';
import type { BountyRouteDeps } from '../../api/bounties/routes';
import { bountyRepository } from '../../db/repos/bounties';
import { prismaRootKeyStore, prismaTokenSpends } from '../../db/repos/l402';
import { ledgerRepository } from '../../db/repos/ledger';
import type { EscrowSettings } from '../../workflows/reward-escrow';
import { loadEarnerLiquidity } from './earner-liquidity-settings';
import type { RouteDeps } from './routes';

/** The bounty bundles shipped with the project; `L402_BOUNTIES_DIR` points elsewhere. */
export function bountiesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.L402_BOUNTIES_DIR ?? join(__dirname, '..', '..', 'bounties');
}

/** Reward escrows of bounty submissions: an hour for validation, CLTV well inside what routing nodes accept. */
export const BOUNTY_ESCROW: EscrowSettings = {
  invoiceWithinSeconds: 120,
  decideWithinSeconds: 3_600,
  maxInvoiceCltvDelta: 80,
  routingCltvBlocks: 40,
  fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
};

/** Stakes and escrows held at once, across bounties and training, before new stakes are refused with 503. */
export const MAX_HELD_ESCROWS = 200;

/** The bounty router's dependencies from the coordinator's shared ones. */
export function bountyRouteDeps(deps: RouteDeps): BountyRouteDeps {
  return {
    temporal: deps.temporal,
    lightning: deps.lightning,
    bounties: bountyRepository(deps.prisma),
    ledger: ledgerRepository(deps.prisma),
    blobs: blobStoreFor(deps.prisma),
    rootKeys: prismaRootKeyStore(deps.prisma),
    spends: prismaTokenSpends(deps.prisma),
    bountiesDir: bountiesDir(),
    escrow: { ...BOUNTY_ESCROW, liquidity: loadEarnerLiquidity() },
    maxHeldEscrows: MAX_HELD_ESCROWS,
    stakeDecideWithinSeconds: 7_200,
  };
}
