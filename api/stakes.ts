import type { Client } from '@temporalio/client';
import type { LightningClient } from '../activities/lightning/client';
import type { LedgerRepository } from '../db/repos/ledger';
import type { HeldStake } from '../workflows/definitions';
import { L402TrainError } from '../domain/l402-train-error';
import { workflowHoldInvoiceIssuer } from './invoices';
import type { RootKeyStore, TokenSpends } from '../db/stores';
import { l402Gate } from './l402';
import type { L402Price, VerifiedL402 } from './l402';
import type { RoutePayment } from './route';
import type { GateLimits } from './rate-limit';

export interface StakeGateDeps {
  temporal: Client;
  lightning: LightningClient;
  ledger: LedgerRepository;
  rootKeys: RootKeyStore;
  spends: TokenSpends;
  /** Most stakes and escrows held at once before new stakes are refused with 503. */
  maxHeldEscrows: number;
}

export interface StakePaymentOptions<C> {
  service: string;
  capability: string;
  memo: string;
  /** For the document: when the route asks for a stake. */
  when: string;
  /** The stake this request owes (resource, sats and the body it prices), or null when it owes none. */
  price: (prechecked: C) => L402Price | null;
  limits?: GateLimits;
  /** How long a paid stake may wait for its verdict before it is refunded anyway. */
  decideWithinSeconds: number;
}

/**
 * A submission route's stake (L402 hold mode): a 402 with a hold invoice owned by a `stake` workflow, or, with
 * the paid macaroon, the request goes on with the stake held. Requests that owe no stake pass straight through.
 * The token names the resource, the price and the body it staked, so it cannot carry another submission.
 */
export function stakePayment<C>(deps: StakeGateDeps, options: StakePaymentOptions<C>): RoutePayment<C> {
  return {
    mode: 'stake',
    when: options.when,
    price: options.price,
    gate: l402Gate({
      service: options.service,
      capability: options.capability,
      ...(options.limits ? { limits: options.limits } : {}),
      ttlSeconds: 3_600,
      memo: options.memo,
      mode: 'hold',
      rootKeys: deps.rootKeys,
      spends: deps.spends,
      invoices: workflowHoldInvoiceIssuer({ ...deps, stakeDecideWithinSeconds: options.decideWithinSeconds }),
    }),
  };
}

/**
 * The stake a request owes and has held: null when it owes none (`sats` is 0); otherwise the stake behind its L402
 * hold-mode token, when the ledger holds it as a stake of at least `sats`.
 *
 * @throws L402TrainError `STAKE_MISMATCH` (402) for a token minted for some other, smaller stake, or none
 */
export async function heldStake(
  token: VerifiedL402 | null,
  ledger: LedgerRepository,
  sats: bigint,
  hint?: string,
): Promise<HeldStake | null> {
  if (sats <= 0n) return null;
  const row = token && (await ledger.find(token.paymentHash, 'INCOMING'));
  if (!row || row.purpose !== 'STAKE' || row.amountSats < sats) {
    throw new L402TrainError('STAKE_MISMATCH', `that stake does not cover ${sats} sats`, hint);
  }
  return { workflowId: row.workflowId, paymentHash: row.paymentHash };
}
