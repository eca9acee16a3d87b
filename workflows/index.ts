export { holdInvoiceRoundTrip } from './hold-invoice-round-trip';
