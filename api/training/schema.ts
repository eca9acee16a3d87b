import { z } from 'zod';

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of lowercase hex`);

const MAX_PAYLOAD_BASE64 = 1_000_000;
/** The JSON body of `PUT /gradient`: the largest payload the schema takes, plus room for the other fields. */
export const GRADIENT_BODY_LIMIT_BYTES = MAX_PAYLOAD_BASE64 + 4_096;

/** `PUT /gradient`: the compressed update (SparseLoCo wire format, base64) and where to pay the peer. */
export const GradientBody = z
  .object({
    peerId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a peer id: lowercase letters, digits, dashes'),
    round: z.number().int().min(0),
    checkpointHash: hex(32),
    payload: z.base64().max(MAX_PAYLOAD_BASE64),
    nodePubkey: z
      .string()
      .regex(/^0[23][0-9a-f]{64}$/, "the peer's Lightning node public key (33 bytes hex)"),
  })
  .strict();
export type Gradient = z.output<typeof GradientBody>;

export const RoundParams = z.object({ n: z.coerce.number().int().min(0) }).strict();
export const SubmissionParams = z
  .object({ n: z.coerce.number().int().min(0), id: z.string().min(1).max(200) })
  .strict();

const hash = hex(32);

const Compression = z.object({
  chunkSize: z.number().int(),
  k: z.number().int(),
  valueBits: z.number().int(),
  indexCodings: z.array(z.enum(['packed', 'rice'])).readonly(),
});
const Payout = z.object({
  kind: z.literal('linear-capped'),
  capSats: z.number().int(),
  rateSatsPerUnit: z.number(),
  trancheCount: z.number().int(),
});
const Fees = z.object({ ppm: z.number(), baseSats: z.number(), maxSats: z.number() });
const Decision = z.object({
  minLossDelta: z.number(),
  minRelativeDelta: z.number(),
  maxNormRatio: z.number(),
  copyOverlapThreshold: z.number(),
});
const Liquidity = z.object({
  maxHeldHtlcs: z.number().int(),
  maxLockedSats: z.number().int(),
  cancelWithinSeconds: z.number(),
  penaltySeconds: z.number(),
});

/** The settings a round decides by, as it recorded them when it opened. */
const RoundSettingsView = z.object({
  peers: z.array(z.string()),
  submitWithinSeconds: z.number(),
  scoreWithinSeconds: z.number(),
  payout: Payout,
  decision: Decision,
  outerLearningRate: z.number(),
  maxPayloadBytes: z.number().int(),
  compression: Compression,
  stakeSats: z.number().int(),
  escrow: z.object({
    invoiceWithinSeconds: z.number(),
    decideWithinSeconds: z.number(),
    maxInvoiceCltvDelta: z.number().int(),
    routingCltvBlocks: z.number().int(),
    fees: Fees,
    liquidity: Liquidity.optional(),
  }),
});

const RoundStatusView = z.object({
  runId: z.string(),
  round: z.number().int(),
  checkpointHash: hash,
  heldOutSeed: z.number().int(),
  poolSats: z.number().int(),
  closesAt: z.number().describe('ms since the epoch'),
  settings: RoundSettingsView,
  phase: z.enum(['open', 'scoring', 'deciding', 'paying', 'aggregating', 'done']),
  submissions: z.array(z.object({ submissionId: z.string(), peerId: z.string(), escrowId: z.string() })),
});

const RunState = z.enum(['running', 'paused', 'stopped', 'finished']);

export const CheckpointView = z.object({
  runId: z.string(),
  round: z.number().int(),
  state: RunState,
  checkpointHash: hash,
  model: z.object({ context: z.number().int(), embedding: z.number().int(), hidden: z.number().int() }),
  compression: Compression,
  weights: z.string().describe('float32 little-endian, base64'),
  roundOpen: z.boolean(),
  poolSats: z.number().int().nullable(),
  closesAt: z.iso.datetime().nullable(),
});

export const GradientAccepted = z.object({
  submissionId: z.string(),
  escrowId: z.uuid(),
  escrow: z.string().describe('Follow it to hand in invoices and be paid'),
  stake: hash.nullable(),
});

export const RewardSchedule = z.object({
  payout: Payout,
  trancheSats: z.array(z.number().int()),
  rule: z.string(),
  roundPool: z.string(),
  acceptance: Decision,
  outerLearningRate: z.number(),
  compression: Compression,
  holdWindow: z.object({ invoiceWithinSeconds: z.number(), decideWithinSeconds: z.number() }),
  cltvBudget: z.object({
    minInvoiceCltvDelta: z.number().int(),
    maxInvoiceCltvDelta: z.number().int(),
    routingCltvBlocks: z.number().int(),
  }),
  earnerLiquidity: Liquidity.extend({ rule: z.string(), invoiceRule: z.string() }),
  fees: Fees,
  stakeSats: z.number().int(),
  stakeRule: z.string(),
  checkpointPriceSats: z.number().int(),
});

export const CurrentRound = z.object({
  runId: z.string(),
  state: RunState,
  round: z.number().int(),
  status: RoundStatusView.nullable(),
});

/** One decided submission, as its round recorded it (its payload stays in the blob store). */
export const DecidedSubmissionView = z.object({
  submissionId: z.string(),
  runId: z.string(),
  round: z.number().int(),
  peerId: z.string(),
  payloadHash: hash,
  lossBefore: z.number().nullable(),
  lossAfter: z.number().nullable(),
  accepted: z.boolean(),
  reason: z.string(),
  revealed: z.number().int(),
  paidSats: z.number().int(),
  stakeHash: hash.nullable(),
  stakeOutcome: z.enum(['refund', 'forfeit']).nullable(),
  createdAt: z.iso.datetime(),
});

export const RoundView = z.object({
  runId: z.string(),
  round: z.number().int(),
  status: RoundStatusView.nullable(),
  decided: z.array(DecidedSubmissionView),
});
