import { randomUUID } from 'node:crypto';
import { storeFiles } from '../../activities/blobs';
import type { BountyEvalActivities, LoadedBounty } from '../../activities/bounty-eval';
import { BOUNTY_ESCROW } from '../../server/coordinator/bounty-settings';
import { databaseBlobStore } from '../../db/blobs';
import type { PrismaClient } from '../../db/client';
import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../../temporal-config';
import { bounty } from '../../workflows';
import type { BountyInput } from '../../workflows/bounty';
import { bountyWorkflowId } from '../../workflows/definitions';

export const FAKE_BASELINE_SCORE = 0.3;

const loadedBounty: Omit<LoadedBounty, 'baselineSha256'> = {
  title: 'fake',
  description: 'a validation host with a fake sandbox: every candidate scores like the baseline',
  metricName: 'score',
  direction: 'higher',
  allowedFiles: ['sort.js'],
  maxDiffBytes: 1_000,
  heldOutHash: 'ef'.repeat(32),
  repeatRuns: 1,
  tolerances: { claimAbsolute: 0, claimRelative: 0.001, stability: 0, minImprovement: 0.001 },
};

/**
 * Validation activities of a host whose sandbox scores every candidate like the baseline (no eval runs), storing
 * its baseline in the database's blobs as the real host does.
 */
export const fakeBountyValidation = (prisma: PrismaClient): BountyEvalActivities => ({
  loadBounty: async () => ({
    ...loadedBounty,
    baselineSha256: await storeFiles(databaseBlobStore(prisma), { 'sort.js': '// baseline\n' }),
  }),
  scoreBaseline: async () => ({
    runs: [{ kind: 'score', score: FAKE_BASELINE_SCORE }],
    score: FAKE_BASELINE_SCORE,
  }),
  checkDiff: async () => ({ ok: true, diffHash: randomUUID().replaceAll('-', '').padEnd(64, '0') }),
  evalSplit: async () => [{ kind: 'score', score: FAKE_BASELINE_SCORE }],
  evalCanaries: async () => [],
  advanceBaseline: async (candidate) => candidate.baselineSha256,
});

/**
 * The input of a bounty workflow over the fake bundle, started directly (not through the API): a 1,000-sat cap
 * in two tranches, no stake, an hour to run, ten minutes to fund; `overrides` set the rest.
 */
export function fakeBountyInput(
  fields: Pick<BountyInput, 'bountyId' | 'budgetSats' | 'sponsorPublicKey'> & Partial<BountyInput>,
): BountyInput {
  return {
    bundle: 'fake',
    payoutRule: { kind: 'linear-capped', capSats: 1_000, rateSatsPerUnit: 1_000, trancheCount: 2 },
    stakeSats: 0,
    baselineFeeSats: 1,
    closeTokenHash: '00'.repeat(32),
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    fundWithinSeconds: 600,
    escrow: BOUNTY_ESCROW,
    ...fields,
  };
}

/** Starts a bounty workflow over the fake bundle directly, under the id the API would give it. */
export function startFakeBounty(client: Client, fields: Parameters<typeof fakeBountyInput>[0]) {
  return client.workflow.start(bounty, {
    taskQueue: TASK_QUEUES.control,
    workflowId: bountyWorkflowId(fields.bountyId),
    args: [fakeBountyInput(fields)],
  });
}
