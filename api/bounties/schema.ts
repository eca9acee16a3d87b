import { z } from 'zod';
import { payoutRuleSchema } from '../../domain/money/payout';
import { MAX_SATS } from '../../domain/money/sats';

const sats = (min: number) => z.number().int().min(min).max(MAX_SATS);
const nodePublicKey = z.string().regex(/^0[23][0-9a-f]{64}$/, 'a compressed secp256k1 node public key (hex)');

export const BountyParams = z.object({ id: z.uuid() }).strict();
export const SubmissionParams = z.object({ id: z.uuid(), sid: z.uuid() }).strict();

export const BountyListQuery = z
  .object({
    phase: z.enum(['CREATED', 'FUNDED', 'OPEN', 'CLOSING', 'CLOSED']).optional(),
    bundle: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

/** Largest diff the API takes (a bundle may set a smaller limit). */
export const MAX_DIFF_CHARS = 32_768;

export const CreateBountyBody = z
  .object({
    /** A bundle installed on the coordinator: eval harness, baseline, public, held-out and canary splits. */
    bundle: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    budgetSats: sats(1),
    payoutRule: payoutRuleSchema,
    stakeSats: sats(0),
    baselineFeeSats: sats(1),
    sponsorPublicKey: nodePublicKey,
    deadline: z.iso.datetime({ offset: true }),
    fundWithinSeconds: z.number().int().min(60).max(86_400).default(3_600),
  })
  .strict()
  .refine((body) => body.payoutRule.capSats <= body.budgetSats, {
    message: 'payoutRule.capSats must not exceed budgetSats',
    path: ['payoutRule', 'capSats'],
  })
  .refine((body) => Date.parse(body.deadline) > Date.now(), {
    message: 'the deadline must be in the future',
    path: ['deadline'],
  });

export const SubmitBody = z
  .object({
    diff: z.string().min(1).max(MAX_DIFF_CHARS),
    claimedScore: z.number().refine(Number.isFinite, 'a finite number'),
    /** The agent's node: the reward escrow's invoices must pay it. */
    agentPublicKey: nodePublicKey,
  })
  .strict();

export const CloseBody = z.object({ closeToken: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

export type CreateBounty = z.output<typeof CreateBountyBody>;
export type Submit = z.output<typeof SubmitBody>;

const hash = z.string().regex(/^[0-9a-f]{64}$/);
const score = z.number().nullable();
const phase = z.enum(['CREATED', 'FUNDED', 'OPEN', 'CLOSING', 'CLOSED']);

/** A bounty as anyone may read it: terms, payout rule, judge rules and its books. */
export const PublicBounty = z.object({
  id: z.uuid(),
  bundle: z.string(),
  title: z.string(),
  description: z.string(),
  phase,
  metric: z.object({ name: z.string(), direction: z.enum(['higher', 'lower']) }),
  allowedFiles: z.array(z.string()),
  maxDiffBytes: z.number().int(),
  heldOutHash: hash,
  budgetSats: z.number().int(),
  payoutRule: payoutRuleSchema,
  judgeRules: z.array(
    z.object({
      reason: z.string(),
      verdict: z.enum(['accepted', 'rejected']),
      abusive: z.boolean(),
      stake: z.enum(['refund', 'forfeit']),
      when: z.string(),
    }),
  ),
  stakeSats: z.number().int(),
  baselineFeeSats: z.number().int(),
  deadline: z.iso.datetime({ offset: true }),
  baselineScore: score,
  bestScore: score,
  poolSats: z.number().int(),
  paidSats: z.number().int(),
  feeSats: z.number().int(),
  refundedSats: z.number().int(),
  custody: z.string(),
});

/** One submission and its verdict (never its diff: pending diffs are nobody's to read). */
export const PublicSubmission = z.object({
  id: z.uuid(),
  bountyId: z.uuid(),
  escrowId: z.uuid(),
  agentPublicKey: z.string(),
  status: z.enum(['PENDING', 'ACCEPTED', 'REJECTED']),
  reason: z.string().nullable(),
  claimedScore: z.number(),
  publicScore: score,
  heldOutScore: score,
  improvement: score,
  payoutSats: z.number().int(),
  stakeHash: hash.nullable(),
  stakeOutcome: z.enum(['refund', 'forfeit']).nullable(),
  limitsMode: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});

export const BountyList = z.object({ bounties: z.array(PublicBounty), custody: z.string() });

export const CreatedBounty = z.object({
  bountyId: z.uuid(),
  fundingInvoice: z.string().describe('BOLT11: pay it to fund the pool; the bounty opens once it settles'),
  paymentHash: hash,
  closeToken: hash.describe('Shown once: the sponsor closes the bounty with it'),
  custody: z.string(),
});

export const Baseline = z.object({
  bountyId: z.uuid(),
  bestScore: score,
  files: z.record(z.string(), z.string()),
});

export const SubmissionQueued = z.object({
  bountyId: z.uuid(),
  submissionId: z.uuid(),
  escrowId: z.uuid().describe('Follow GET /escrows/{escrowId} to hand in invoices and be paid'),
  position: z.number().int(),
  stake: hash.nullable(),
});

export const Leaderboard = z.object({
  bountyId: z.uuid(),
  bestScore: score,
  baselineScore: score,
  entries: z.array(PublicSubmission),
});

export const Closing = z.object({ bountyId: z.uuid(), closing: z.literal(true) });
