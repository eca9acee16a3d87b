import type { Client } from '@temporalio/client';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { LightningClient } from '../activities/lightning/client';
import type { LedgerRepository } from '../db/repos/ledger';
import type { HeldStake } from '../workflows/definitions';
import { resolveStakeSignal } from '../workflows/definitions';
import { workflowHoldInvoiceIssuer } from './invoices';
import type { RootKeyStore, TokenSpends } from '../db/stores';
import { l402Gate, l402TokenOf } from './l402';
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

export interface StakeGateOptions {
  service: string;
  capability: string;
  memo: string;
  /** The stake this request owes, and whether it owes one at all (both read what the route's pre-check found). */
  priceSats: (req: Request) => number;
  needsStake: (req: Request) => boolean;
  /** What the stake is for (the bounty id, the run id) and the hash of the parsed body it prices. */
  resource: (req: Request) => string;
  bodySha256: (req: Request) => string;
  limits?: GateLimits;
  /** How long a paid stake may wait for its verdict before it is refunded anyway. */
  decideWithinSeconds: number;
}

/**
 * A submission route's stake (L402 hold mode): a 402 with a hold invoice owned by a `stake` workflow, or, with
 * the paid macaroon, the request goes on with the stake held. Requests that owe no stake pass straight through.
 * The token names the resource, the price and the body it staked, so it cannot carry another submission.
 */
export function stakeGateIfAsked(deps: StakeGateDeps, options: StakeGateOptions): RequestHandler {
  const gate = l402Gate({
    service: options.service,
    capability: options.capability,
    priceSats: options.priceSats,
    resource: options.resource,
    bodySha256: options.bodySha256,
    ...(options.limits ? { limits: options.limits } : {}),
    ttlSeconds: 3_600,
    memo: options.memo,
    mode: 'hold',
    rootKeys: deps.rootKeys,
    spends: deps.spends,
    invoices: workflowHoldInvoiceIssuer({ ...deps, stakeDecideWithinSeconds: options.decideWithinSeconds }),
  });
  return (req: Request, res: Response, next: NextFunction) =>
    options.needsStake(req) ? gate(req, res, next) : next();
}

/**
 * The stake behind a request's L402 hold-mode token, when the ledger holds it as a stake of at least `sats`;
 * null otherwise (a token minted for some other, smaller stake).
 */
export async function heldStakeOf(
  res: Response,
  ledger: LedgerRepository,
  sats: bigint,
): Promise<HeldStake | null> {
  const { paymentHash } = l402TokenOf(res);
  const row = await ledger.find(paymentHash, 'INCOMING');
  if (!row || row.purpose !== 'STAKE' || row.amountSats < sats) return null;
  return { workflowId: row.workflowId, paymentHash };
}

/** Refunds a stake whose submission was refused after it was paid (the stake's workflow cancels the hold). */
export async function refundStake(temporal: Client, stake: HeldStake): Promise<void> {
  await temporal.workflow.getHandle(stake.workflowId).signal(resolveStakeSignal, { outcome: 'refund' });
}
