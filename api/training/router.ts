import { Router } from 'express';
import type { TrainingHandlerDeps } from './handlers';
import { trainingHandlers } from './handlers';

/** The published l402-train training contract, plus resource routes for rounds. */
export function trainingRouter(deps: TrainingHandlerDeps): Router {
  const handlers = trainingHandlers(deps);
  const router = Router();
  router.get('/checkpoint', handlers.checkpoint);
  router.put('/gradient', handlers.gradient);
  router.get('/reward-schedule', handlers.rewardSchedule);
  router.get('/rounds/current', handlers.currentRound);
  router.get('/rounds/:n', handlers.round);
  router.get('/rounds/:n/submissions/:id', handlers.submission);
  return router;
}
