import { defineQuery } from '@temporalio/workflow';

export interface InvoiceView {
  paymentHash: string;
  bolt11: string;
}

/** The invoice a payer should pay, once the workflow has created it. */
export const invoiceQuery = defineQuery<InvoiceView | null>('invoice');

export const roundTripWorkflowId = (label: string) => `hold-invoice-round-trip/${label}`;
