// Pure money rules: no I/O, no clock, no randomness, so workflows may import them.
export * from './errors';
export * from './sats';
export * from './tranches';
export * from './payout';
export * from './fees';
export * from './cltv';
export * from './round-pool';
