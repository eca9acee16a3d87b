import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { LightningClient } from '../../activities/lightning/client';
import { workflowHoldInvoiceIssuer, workflowInvoiceIssuer } from '../invoices';
import type { RootKeyStore, TokenSpends } from '../l402';
import { l402Gate } from '../l402';
import type { BountyHandlerDeps } from './handlers';
import { bountyHandlers } from './handlers';

export interface BountyRouterDeps extends BountyHandlerDeps {
  lightning: LightningClient;
  rootKeys: RootKeyStore;
  spends: TokenSpends;
  /** Most stakes and escrows held at once before new stakes are refused with 503. */
  maxHeldEscrows: number;
  stakeDecideWithinSeconds: number;
}

/**
 * The bounty resource, plus the published API's aliases (`GET /bounty/{id}` for the baseline, `POST
 * /bounty/{id}/submit`). Paid routes check everything they can before their gate issues an invoice.
 */
export function bountiesRouter(deps: BountyRouterDeps): Router {
  const handlers = bountyHandlers(deps);
  const baselineGate = l402Gate({
    service: 'bounty',
    capability: 'baseline',
    priceSats: handlers.baselinePrice,
    ttlSeconds: 86_400,
    mode: 'reusable',
    rootKeys: deps.rootKeys,
    invoices: workflowInvoiceIssuer({ temporal: deps.temporal }),
  });
  const stakeGate = l402Gate({
    service: 'bounty',
    capability: 'submit',
    priceSats: handlers.stakePrice,
    ttlSeconds: 3_600,
    memo: 'bounty submission stake (refunded unless abusive)',
    mode: 'hold',
    rootKeys: deps.rootKeys,
    spends: deps.spends,
    invoices: workflowHoldInvoiceIssuer({
      temporal: deps.temporal,
      lightning: deps.lightning,
      ledger: deps.ledger,
      maxHeldEscrows: deps.maxHeldEscrows,
      stakeDecideWithinSeconds: deps.stakeDecideWithinSeconds,
    }),
  });
  const stakeIfAsked: RequestHandler = (req: Request, res: Response, next: NextFunction) =>
    handlers.needsStake(req) ? stakeGate(req, res, next) : next();
  const submit = [handlers.precheck, stakeIfAsked, handlers.submit];
  const baseline = [handlers.exists, baselineGate, handlers.baseline];

  const router = Router();
  router.get('/bounties', handlers.list);
  router.post('/bounties', handlers.create);
  router.get('/bounties/:id', handlers.get);
  router.get('/bounties/:id/baseline', ...baseline);
  router.post('/bounties/:id/submissions', ...submit);
  router.get('/bounties/:id/submissions/:sid', handlers.submission);
  router.get('/bounties/:id/leaderboard', handlers.leaderboard);
  router.post('/bounties/:id/close', handlers.close);
  router.get('/bounty/:id', ...baseline);
  router.post('/bounty/:id/submit', ...submit);
  return router;
}
