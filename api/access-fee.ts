import type { Client } from '@temporalio/client';
import type { RootKeyStore } from '../db/stores';
import { workflowInvoiceIssuer } from './invoices';
import { l402Gate } from './l402';
import type { L402Price } from './l402';
import type { GateLimits } from './rate-limit';
import type { RoutePayment } from './route';

export interface AccessFeeOptions<C> {
  temporal: Client;
  rootKeys: RootKeyStore;
  service: string;
  capability: string;
  /** What the request owes, from what the route's precheck found; null: nothing. */
  price: (prechecked: C) => L402Price | null;
  /** How long a bought token keeps opening the resource it was bought for. */
  ttlSeconds: number;
  memo?: string;
  limits?: GateLimits;
  /** For the document: when a route that is not always paid asks for the fee. */
  when?: string;
}

/** A route's L402 access fee: a plain invoice owned by an `accessFee` workflow, and a reusable token. */
export function accessFeePayment<C>(options: AccessFeeOptions<C>): RoutePayment<C> {
  return {
    mode: 'access-fee',
    ...(options.when ? { when: options.when } : {}),
    price: options.price,
    gate: l402Gate({
      service: options.service,
      capability: options.capability,
      ttlSeconds: options.ttlSeconds,
      ...(options.memo ? { memo: options.memo } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      mode: 'reusable',
      rootKeys: options.rootKeys,
      invoices: workflowInvoiceIssuer({ temporal: options.temporal }),
    }),
  };
}
