import { Router } from 'express';
import { workflowInvoiceIssuer } from '../invoices';
import { l402Gate } from '../l402';
import type { RouteLimits } from '../rate-limit';
import { DEFAULT_ROUTE_LIMITS } from '../rate-limit';
import type { StakeGateDeps } from '../stakes';
import { stakeGateIfAsked } from '../stakes';
import type { BountyHandlerDeps } from './handlers';
import { bountyHandlers } from './handlers';

export interface BountyRouterDeps extends BountyHandlerDeps, StakeGateDeps {
  stakeDecideWithinSeconds: number;
  /** Default: {@link DEFAULT_ROUTE_LIMITS}. */
  rateLimits?: RouteLimits;
}

/**
 * The bounty resource, plus the published API's aliases (`GET /bounty/{id}` for the baseline, `POST
 * /bounty/{id}/submit`). Paid routes check everything they can before their gate issues an invoice.
 */
export function bountiesRouter(deps: BountyRouterDeps): Router {
  const handlers = bountyHandlers(deps);
  const limits = deps.rateLimits ?? DEFAULT_ROUTE_LIMITS;
  // A baseline token opens the baseline of the one bounty it was bought for, at the fee it paid.
  const baselineGate = l402Gate({
    service: 'bounty',
    capability: 'baseline',
    priceSats: handlers.baselinePrice,
    resource: handlers.bountyResource,
    limits: limits['bounty:baseline'],
    ttlSeconds: 86_400,
    mode: 'reusable',
    rootKeys: deps.rootKeys,
    invoices: workflowInvoiceIssuer({ temporal: deps.temporal }),
  });
  const stakeIfAsked = stakeGateIfAsked(deps, {
    service: 'bounty',
    capability: 'submit',
    memo: 'bounty submission stake (refunded unless abusive)',
    priceSats: handlers.stakePrice,
    needsStake: handlers.needsStake,
    resource: handlers.stakeResource,
    bodySha256: handlers.stakeBodySha256,
    limits: limits['bounty:submit'],
    decideWithinSeconds: deps.stakeDecideWithinSeconds,
  });
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
