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
