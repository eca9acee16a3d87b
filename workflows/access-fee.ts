import { invoicePublisher } from './hold-invoice';
import { openPlainInvoice } from './plain-invoice';

export interface AccessFeeInput {
  sats: number;
  memo: string;
  expiresInSeconds: number;
}

export interface AccessFeeResult {
  paymentHash: string;
  state: 'SETTLED' | 'CANCELED' | 'OPEN' | 'HELD';
}

/** An L402 access fee: a plain invoice, followed until it is paid or expires, with its end in the ledger. */
export async function accessFee(input: AccessFeeInput): Promise<AccessFeeResult> {
  const fee = await openPlainInvoice(invoicePublisher(), { purpose: 'ACCESS_FEE', ...input });
  return { paymentHash: fee.invoice.paymentHash, state: await fee.outcome() };
}
