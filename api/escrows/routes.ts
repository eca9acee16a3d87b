import type { Client } from '@temporalio/client';
import type { RevealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { escrowInvoicesSignal, escrowStatusQuery, escrowWorkflowId } from '../../workflows/definitions';
import type { ApiRoute } from '../route';
import { defineRoute } from '../route';
import { EscrowInvoicesBody, EscrowParams, EscrowView, InvoicesTaken } from './schema';

export interface EscrowRouteDeps {
  temporal: Client;
  revealed: RevealedPreimagesRepository;
}

const TEMPORAL = ['TEMPORAL_UNAVAILABLE'] as const;

/** The reward escrow as its earner follows and feeds it. */
export function escrowRoutes({ temporal, revealed }: EscrowRouteDeps): ApiRoute[] {
  const escrow = (escrowId: string) => temporal.workflow.getHandle(escrowWorkflowId(escrowId));
  return [
    defineRoute({
      method: 'get',
      path: '/escrows/{escrowId}',
      tag: 'escrows',
      summary: 'A reward escrow as its earner follows it: hashes to invoice, then tranches to settle',
      params: EscrowParams,
      response: { status: 200, body: EscrowView },
      errors: ['NOT_FOUND', ...TEMPORAL],
      handler: async ({ params }) => {
        const status = await escrow(params.escrowId).query(escrowStatusQuery);
        const preimages = status.revealed ? await revealed.list(params.escrowId) : [];
        return { escrowId: params.escrowId, ...status, preimages };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/escrows/{escrowId}/invoices',
      tag: 'escrows',
      summary:
        "The earner's hold invoices, one per tranche, for the escrow's hashes, payable to its own node",
      params: EscrowParams,
      body: EscrowInvoicesBody,
      response: { status: 202, body: InvoicesTaken },
      errors: ['NOT_FOUND', ...TEMPORAL],
      handler: async ({ params, body }) => {
        await escrow(params.escrowId).signal(escrowInvoicesSignal, body);
        return { escrowId: params.escrowId, accepted: body.invoices.length };
      },
    }),
  ];
}
