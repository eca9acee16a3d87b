export { accessFee } from './access-fee';
export { holdInvoiceRoundTrip } from './hold-invoice-round-trip';
export { paidSubmission } from './paid-submission';
export { rewardEscrow } from './reward-escrow';
export { stake } from './stake';
export { trainingRound } from './training-round';
export { trainingRun } from './training-run';
export { bounty } from './bounty';
