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
