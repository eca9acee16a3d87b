import express from 'express';
import type { Express, Router } from 'express';
import { errorMiddleware, notFound } from './errors';
import { GRADIENT_BODY_LIMIT_BYTES } from './training/schema';
import type { StatusSource } from './status/router';
import { statusRouter } from './status/router';

export interface AppDeps {
  status: StatusSource;
  /** Resource routers, mounted in order after the status routes. */
  routers: Router[];
  log: (message: string, err: unknown) => void;
  /**
   * Express `trust proxy`: the proxies whose `X-Forwarded-For` names the client (rate limits count per client).
   * Default false: the client is the socket's peer address, whatever the headers say.
   */
  trustProxy?: false | string[];
}

/** Builds the Express app (no listening here, so tests can mount it on an ephemeral port). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  // A compressed update is far larger than any other body; body-parser skips bodies already parsed.
  app.put('/gradient', express.json({ limit: GRADIENT_BODY_LIMIT_BYTES, strict: true }));
  app.use(express.json({ limit: '64kb', strict: true }));
  app.use(statusRouter(deps.status));
  for (const router of deps.routers) app.use(router);
  app.use(notFound);
  app.use(errorMiddleware(deps.log));
  return app;
}
