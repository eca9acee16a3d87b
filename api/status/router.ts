import { Router } from 'express';
import type { RequestHandler } from 'express';
import { TASK_QUEUES } from '../../temporal-config';
import { ROUTES, openApiDocument } from '../openapi';

export interface StatusSource {
  /** The coordinator node's identity and chain view, read live from LND. */
  node(): Promise<{ publicKey: string; blockHeight: number; syncedToChain: boolean }>;
  temporalNamespace: string;
  version: string;
}

/**
 * `/status` (the published l402-train path) and `/status.json` answer the same document; with `/openapi.json` and
 * `/.well-known/l402-train` they are how an agent discovers the API.
 */
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
  const openApi = openApiDocument(ROUTES, source.version);
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  router.get('/.well-known/l402-train', (_req, res) => {
    res.json({
      service: 'l402-train',
      version: source.version,
      openapi: '/openapi.json',
      status: '/status.json',
      l402: {
        scheme: 'L402',
        challenge: 'HTTP 402 with WWW-Authenticate: L402 macaroon="<base64>", invoice="<bolt11>"',
        accessFee: 'Authorization: L402 <macaroon>:<preimage hex>',
        stake: 'Authorization: L402 <macaroon> (once the hold invoice is paid and held)',
      },
    });
  });
  return router;
}
