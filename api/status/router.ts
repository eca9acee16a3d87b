import { Router } from 'express';
import type { RequestHandler } from 'express';
import { TASK_QUEUES } from '../../temporal-config';

export interface StatusSource {
  /** The coordinator node's identity and chain view, read live from LND. */
  node(): Promise<{ publicKey: string; blockHeight: number; syncedToChain: boolean }>;
  temporalNamespace: string;
  version: string;
}

/** `/status` (the published l402-train path) and `/status.json` (discovery for agents) answer the same document. */
export function statusRouter(source: StatusSource): Router {
  const router = Router();
  const handler: RequestHandler = async (_req, res, next) => {
    try {
      const node = await source.node();
      res.json({
        service: 'l402-train',
        version: source.version,
        network: 'regtest',
        node,
        temporal: { namespace: source.temporalNamespace, taskQueues: TASK_QUEUES },
      });
    } catch (err) {
      next(err);
    }
  };
  router.get('/status', handler);
  router.get('/status.json', handler);
  router.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  return router;
}
