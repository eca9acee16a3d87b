export { accessFee } from './access-fee';
export { holdInvoiceRoundTrip } from './hold-invoice-round-trip';
export { rewardEscrow } from './reward-escrow';
export { stake } from './stake';
