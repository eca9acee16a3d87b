import { Router } from 'express';
import type { EscrowHandlerDeps } from './handlers';
import { escrowHandlers } from './handlers';

export function escrowsRouter(deps: EscrowHandlerDeps): Router {
  const handlers = escrowHandlers(deps);
  const router = Router();
  router.get('/escrows/:escrowId', handlers.get);
  router.post('/escrows/:escrowId/invoices', handlers.postInvoices);
  return router;
}
