import type { Client } from '@temporalio/client';
import type { RevealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { escrowInvoicesSignal, escrowStatusQuery, escrowWorkflowId } from '../../workflows/definitions';
import { route } from '../validate';
import { EscrowInvoicesBody, EscrowParams } from './schema';

export interface EscrowHandlerDeps {
  temporal: Client;
  revealed: RevealedPreimagesRepository;
}

export function escrowHandlers({ temporal, revealed }: EscrowHandlerDeps) {
  return {
    /** The escrow as its earner follows it: hashes to invoice, then which tranches to settle (with preimages). */
    get: route({ params: EscrowParams }, async ({ params }, _req, res) => {
      const status = await temporal.workflow
        .getHandle(escrowWorkflowId(params.escrowId))
        .query(escrowStatusQuery);
      const preimages = status.revealed ? await revealed.list(params.escrowId) : [];
      res.json({ escrowId: params.escrowId, ...status, preimages });
    }),

    /** The earner hands in one hold invoice per tranche, for the escrow's hashes, payable to its own node. */
    postInvoices: route(
      { params: EscrowParams, body: EscrowInvoicesBody },
      async ({ params, body }, _req, res) => {
        await temporal.workflow
          .getHandle(escrowWorkflowId(params.escrowId))
          .signal(escrowInvoicesSignal, body);
        res.status(202).json({ escrowId: params.escrowId, accepted: body.invoices.length });
      },
    ),
  };
}
