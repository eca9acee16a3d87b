export { accessFee } from './access-fee';
export { bounty } from './bounty';
export { bountySubmission } from './bounty-submission';
export { holdInvoiceRoundTrip } from './hold-invoice-round-trip';
export { rewardEscrow } from './reward-escrow';
export { stake } from './stake';
