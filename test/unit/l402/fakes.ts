import { createHash, randomBytes } from 'node:crypto';

import type { HoldInvoiceIssuer, InvoiceIssuer, InvoiceRequest, IssuedInvoice } from '../../../api/l402';
import { encodeFakeBolt11 } from './fake-bolt11';

interface IssuedFake extends IssuedInvoice {
  preimage: Buffer;
  hold: boolean;
  sats: number;
}

/** An invoice issuer that knows every preimage, standing in for LND and for the payer's wallet. */
export class FakeInvoiceIssuer implements InvoiceIssuer, HoldInvoiceIssuer {
  readonly issued: IssuedFake[] = [];
  readonly #accepted = new Set<string>();

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  async createInvoice(request: InvoiceRequest): Promise<IssuedInvoice> {
    return this.#issue(request, false);
  }

  async createHoldInvoice(request: InvoiceRequest): Promise<IssuedInvoice> {
    return this.#issue(request, true);
  }

  async isAccepted(paymentHash: string): Promise<boolean> {
    return this.#accepted.has(paymentHash);
  }

  /** Pays a plain invoice: returns its preimage, as a wallet does. */
  pay(bolt11: string): Buffer {
    const invoice = this.#find(bolt11);
    if (invoice.hold) throw new Error('a hold invoice does not reveal its preimage when paid');
    return invoice.preimage;
  }

  /** Pays a hold invoice: the HTLC is now held (ACCEPTED). */
  acceptHold(bolt11: string): void {
    this.#accepted.add(this.#find(bolt11).paymentHash);
  }

  /** Settles or cancels a held invoice: it is no longer ACCEPTED. */
  resolveHold(bolt11: string): void {
    this.#accepted.delete(this.#find(bolt11).paymentHash);
  }

  #issue(request: InvoiceRequest, hold: boolean): IssuedInvoice {
    const preimage = randomBytes(32);
    const paymentHash = createHash('sha256').update(preimage).digest('hex');
    const bolt11 = encodeFakeBolt11({
      sats: request.sats,
      paymentHash,
      memo: request.memo,
      expirySeconds: request.expirySeconds,
      timestampSeconds: this.nowSeconds(),
    });
    const issued = { paymentHash, bolt11, preimage, hold, sats: request.sats };
    this.issued.push(issued);
    return { paymentHash, bolt11 };
  }

  #find(bolt11: string): IssuedFake {
    const invoice = this.issued.find((candidate) => candidate.bolt11 === bolt11);
    if (!invoice) throw new Error('unknown invoice');
    return invoice;
  }
}
