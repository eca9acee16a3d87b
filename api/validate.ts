import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';

export interface RouteSchemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params?: P;
  query?: Q;
  body?: B;
}

export interface Parsed<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * Parses params, query and body with zod and hands the parsed values to the handler; a parse failure goes to
 * the error middleware as a 400 with the field named, before the handler can touch anything.
 */
export function route<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(
  schemas: RouteSchemas<P, Q, B>,
  handler: (
    input: Parsed<z.output<P>, z.output<Q>, z.output<B>>,
    req: Request,
    res: Response,
  ) => Promise<void>,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      const input = {
        params: schemas.params ? schemas.params.parse(req.params) : req.params,
        query: schemas.query ? schemas.query.parse(req.query) : req.query,
        body: schemas.body ? schemas.body.parse(req.body ?? {}) : req.body,
      } as Parsed<z.output<P>, z.output<Q>, z.output<B>>;
      handler(input, req, res).catch(next);
    } catch (err) {
      next(err);
    }
  };
}
