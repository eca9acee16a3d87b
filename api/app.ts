import express from 'express';
import type { Express, RequestHandler } from 'express';
import { errorMiddleware, notFound } from './errors';
import type { OpenApiDocument } from './openapi';
import { openApiDocument } from './openapi';
import type { ApiRoute } from './route';
import { expressPath } from './route';
import type { StatusSource } from './status/routes';
import { statusRoutes } from './status/routes';

/** Every JSON body is at most this large unless its route says otherwise. */
const DEFAULT_BODY_LIMIT = '64kb';

export interface AppDeps {
  status: StatusSource;
  /** Resource routes, mounted after the status routes; the OpenAPI document describes them all. */
  routes: readonly ApiRoute[];
  /** Runs before every route (e.g. `Idempotency-Key` handling), after the body is parsed. */
  before?: readonly RequestHandler[];
  log: (message: string, err: unknown) => void;
  /**
   * Express `trust proxy`: the proxies whose `X-Forwarded-For` names the client (rate limits count per client).
   * Default false: the client is the socket's peer address, whatever the headers say.
   */
  trustProxy?: false | string[];
}

/** Every route the app serves: the discovery routes, whose OpenAPI document describes them all, then `routes`. */
export function appRoutes(deps: Pick<AppDeps, 'status' | 'routes'>): ApiRoute[] {
  let document: OpenApiDocument | undefined;
  const routes: ApiRoute[] = [
    ...statusRoutes(deps.status, () => (document ??= openApiDocument(routes, deps.status.version))),
    ...deps.routes,
  ];
  return routes;
}

/** Builds the Express app from its route definitions (no listening here, so tests can mount it on any port). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  const routes = appRoutes(deps);
  // A route's own limit first: body-parser skips bodies already parsed.
  for (const route of routes) {
    if (route.bodyLimitBytes !== undefined)
      app[route.method](expressPath(route.path), express.json({ limit: route.bodyLimitBytes, strict: true }));
  }
  app.use(express.json({ limit: DEFAULT_BODY_LIMIT, strict: true }));
  for (const handler of deps.before ?? []) app.use(handler);
  for (const route of routes) {
    app[route.method](expressPath(route.path), (req, res, next) => {
      route.serve(req, res).catch(next);
    });
  }
  app.use(notFound);
  app.use(errorMiddleware(deps.log));
  return app;
}
