import { z } from 'zod';

export const EscrowParams = z.object({ escrowId: z.uuid() }).strict();

/** BOLT11 invoices, one per tranche; at most one channel's worth of HTLC slots. */
export const EscrowInvoicesBody = z
  .object({
    invoices: z
      .array(
        z
          .string()
          .max(4_096)
          .regex(/^ln[a-z0-9]+$/i, 'a BOLT11 payment request'),
      )
      .min(1)
      .max(483),
  })
  .strict();

const hash = z.string().regex(/^[0-9a-f]{64}$/);

/** `GET /escrows/{escrowId}`: the escrow's phase, the hashes to invoice, and the preimages once revealed. */
export const EscrowView = z.object({
  escrowId: z.uuid(),
  phase: z.enum([
    'awaiting-invoices',
    'locking',
    'locked',
    'released',
    'completed',
    'expired',
    'invalid-invoices',
    'refused',
  ]),
  earnerPublicKey: z
    .string()
    .regex(/^(02|03)[0-9a-f]{64}$/)
    .describe('The node that must sign every tranche invoice'),
  paymentHashes: z.array(hash).describe('One per tranche, in order: the earner invoices each'),
  trancheSats: z.array(z.number().int()),
  revealed: z.number().int().nullable().describe('Tranches revealed (the first N); null until decided'),
  decideByHeight: z
    .number()
    .int()
    .nullable()
    .describe('Height by which revealed tranches are settled and the rest cancelled'),
  problem: z.string().nullable(),
  problemCode: z.string().nullable().describe('An ESCROW_INVOICE_* or EARNER_* code'),
  preimages: z.array(z.object({ paymentHash: hash, tranche: z.number().int(), preimage: hash })),
});

export const InvoicesTaken = z.object({ escrowId: z.uuid(), accepted: z.number().int() });
