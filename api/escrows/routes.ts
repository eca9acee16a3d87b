import type { Client } from '@temporalio/client';
import { parsePaymentRequest } from 'ln-service';
import type { RevealedPreimagesRepository } from '../../db/repos/revealed-preimages';
import { escrowInvoicesSignal, escrowStatusQuery, escrowWorkflowId } from '../../workflows/definitions';
import { ApiError } from '../errors';
import type { ApiRoute } from '../route';
import { defineRoute } from '../route';
import { EscrowInvoicesBody, EscrowParams, EscrowView, InvoicesTaken } from './schema';

export interface EscrowRouteDeps {
  temporal: Client;
  revealed: RevealedPreimagesRepository;
}

const TEMPORAL = ['TEMPORAL_UNAVAILABLE'] as const;

/** The node that signed a BOLT11 request (the key its signature recovers); null for one that does not decode. */
function signerOf(bolt11: string): string | null {
  try {
    return parsePaymentRequest({ request: bolt11 }).destination;
  } catch {
    return null;
  }
}

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
      errors: ['NOT_FOUND', 'ESCROW_INVOICES_NOT_THE_EARNERS', 'ESCROW_INVOICES_CLOSED', ...TEMPORAL],
      // The escrow's id and hashes are public and it takes the first invoices it hears: only its earner's node
      // can sign invoices it takes, so nobody else can end it as `invalid-invoices` or grow its history.
      handler: async ({ params, body }) => {
        const handle = escrow(params.escrowId);
        const status = await handle.query(escrowStatusQuery);
        if (status.phase !== 'awaiting-invoices')
          throw new ApiError('ESCROW_INVOICES_CLOSED', `the escrow is ${status.phase}`);
        if (!body.invoices.every((bolt11) => signerOf(bolt11) === status.earnerPublicKey))
          throw new ApiError(
            'ESCROW_INVOICES_NOT_THE_EARNERS',
            "an invoice is not signed by the escrow's earner node",
          );
        await handle.signal(escrowInvoicesSignal, body);
        return { escrowId: params.escrowId, accepted: body.invoices.length };
      },
    }),
  ];
}
