import { Router } from 'express';
import { workflowInvoiceIssuer } from '../invoices';
import { l402Gate } from '../l402';
import type { RouteLimits } from '../rate-limit';
import { DEFAULT_ROUTE_LIMITS } from '../rate-limit';
import type { StakeGateDeps } from '../stakes';
import { stakeGateIfAsked } from '../stakes';
import type { TrainingHandlerDeps } from './handlers';
import { FREE_CHECKPOINT, trainingHandlers } from './handlers';

export type TrainingRouterDeps = TrainingHandlerDeps & StakeGateDeps & { rateLimits?: RouteLimits };

/** Longest a paid stake can wait for its verdict: the round's window, scoring, then the escrow's own deadlines. */
export function stakeDecideWithinSeconds(settings: TrainingHandlerDeps['settings']): number {
  const { submitWithinSeconds, scoreWithinSeconds, escrow } = settings;
  return (
    submitWithinSeconds + 2 * scoreWithinSeconds + escrow.invoiceWithinSeconds + escrow.decideWithinSeconds
  );
}

/**
 * The published l402-train training contract, plus resource routes for rounds. `GET /checkpoint` is an L402 read
 * when the run prices it; `PUT /gradient` asks for a stake (L402 hold mode) when the round's settings do, and only
 * after every check the round would make has passed.
 */
export function trainingRouter(deps: TrainingRouterDeps): Router {
  const handlers = trainingHandlers(deps);
  const limits = deps.rateLimits ?? DEFAULT_ROUTE_LIMITS;
  const stakeIfAsked = stakeGateIfAsked(deps, {
    service: 'training',
    capability: 'gradient',
    memo: 'training submission stake (refunded unless malformed or copied)',
    priceSats: handlers.stakePrice,
    needsStake: handlers.needsStake,
    resource: () => deps.runId,
    bodySha256: handlers.stakeBodySha256,
    limits: limits['training:gradient'],
    decideWithinSeconds: stakeDecideWithinSeconds(deps.settings),
  });
  const { priceSats, tokenSeconds } = deps.checkpointAccess ?? FREE_CHECKPOINT;
  const checkpoint =
    priceSats > 0
      ? [
          l402Gate({
            service: 'training',
            capability: 'checkpoint',
            priceSats,
            // The token reads this run's checkpoints while it lasts (each round's, not one hash's).
            resource: () => deps.runId,
            limits: limits['training:checkpoint'],
            ttlSeconds: tokenSeconds,
            memo: 'training checkpoint read',
            mode: 'reusable',
            rootKeys: deps.rootKeys,
            invoices: workflowInvoiceIssuer({ temporal: deps.temporal }),
          }),
          handlers.checkpoint,
        ]
      : [handlers.checkpoint];

  const router = Router();
  router.get('/checkpoint', ...checkpoint);
  router.put('/gradient', handlers.precheckGradient, stakeIfAsked, handlers.gradient);
  router.get('/reward-schedule', handlers.rewardSchedule);
  router.get('/rounds/current', handlers.currentRound);
  router.get('/rounds/:n', handlers.round);
  router.get('/rounds/:n/submissions/:id', handlers.submission);
  return router;
}
