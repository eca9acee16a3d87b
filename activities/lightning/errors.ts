import { L402TrainError } from '../../domain/l402-train-error';

export type LightningErrorCode =
  | 'LIGHTNING_UNAVAILABLE'
  | 'INVOICE_NOT_FOUND'
  | 'INVOICE_ALREADY_EXISTS'
  | 'INVOICE_NOT_HELD'
  | 'PAYMENT_FAILED'
  | 'PREIMAGE_MISMATCH'
  | 'INVOICE_ALREADY_FINAL'
  | 'LIGHTNING_REQUEST_FAILED';

export class LightningError extends L402TrainError {
  constructor(
    code: LightningErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(code, message);
  }
}

/** ln-service rejects with `[httpStatus, 'ReasonCode', details]`; turn that into one of our errors. */
export function fromLnServiceError(err: unknown, action: string): LightningError {
  if (!Array.isArray(err)) {
    return new LightningError(
      'LIGHTNING_REQUEST_FAILED',
      `${action}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const [status, reason, details] = err as [number, string, unknown];
  const detail = JSON.stringify(details ?? {});
  if (status === 503 || /Connection|Unavailable|Disconnected/i.test(reason)) {
    return new LightningError('LIGHTNING_UNAVAILABLE', `${action}: ${reason}`, details);
  }
  if (/NotFound|UnknownInvoice|unable to locate invoice/i.test(`${reason} ${detail}`)) {
    return new LightningError('INVOICE_NOT_FOUND', `${action}: ${reason}`, details);
  }
  if (/already exists|InvoiceWithHashAlreadyExists/i.test(`${reason} ${detail}`)) {
    return new LightningError('INVOICE_ALREADY_EXISTS', `${action}: ${reason}`, details);
  }
  return new LightningError('LIGHTNING_REQUEST_FAILED', `${action}: ${reason} ${detail}`, details);
}
