import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ErrorCode } from '../domain/errors';
import type { L402Gate, L402Price, VerifiedL402 } from './l402';
import type { RateLimit } from './rate-limit';
import { RateLimitedError, TokenBuckets, clientOf } from './rate-limit';

export type RouteMethod = 'get' | 'post' | 'put';
export type RouteTag = 'discovery' | 'training' | 'bounties' | 'escrows';

/**
 * How a route is paid: an L402 access fee (a reusable token, settled at once) or a stake (L402 hold mode: the
 * invoice stays held until the verdict). `when` names, for the document, the condition of a route that asks only
 * sometimes.
 */
export type PaymentMode = 'access-fee' | 'stake';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** What a handler is called with: the parsed input, what the precheck found, and the token the request paid with. */
export interface RouteCall<P, Q, B, C> extends RouteInput<P, Q, B> {
  prechecked: C;
  /** Null when the route asked this request for no payment. */
  token: VerifiedL402 | null;
  req: Request;
}

export interface RoutePayment<C> {
  mode: PaymentMode;
  when?: string;
  gate: L402Gate;
  /** What this request owes, from what the precheck found; null: nothing, the request goes on unpaid. */
  price: (prechecked: C) => L402Price | null;
}

export interface RouteDefinition<
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  C,
  R extends z.ZodType,
> {
  method: RouteMethod;
  /** OpenAPI form: `/bounties/{id}`. */
  path: string;
  tag: RouteTag;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Largest JSON body accepted, in bytes, where a route takes more than the app's default. */
  bodyLimitBytes?: number;
  /** The success answer: its status and the schema of its body (every answer is checked against it). */
  response: { status: 200 | 201 | 202; body: R };
  /** Codes beyond those every route of its kind can answer (input, body, payment, idempotency, INTERNAL). */
  errors?: ErrorCode[];
  /**
   * How many requests one client may have served, for a free route that starts work (a workflow, an invoice);
   * counted once the request has passed its precheck, answered 429 `RATE_LIMITED` with `Retry-After` past it.
   */
  perClient?: { limit: RateLimit; what: string };
  /** Everything the route refuses before it asks for a payment; what it found goes to the price and the handler. */
  precheck?: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>, req: Request) => Promise<C>;
  payment?: RoutePayment<C>;
  handler: (call: RouteCall<z.output<P>, z.output<Q>, z.output<B>, C>) => Promise<z.input<R>>;
}

/** A route as the app mounts it and the OpenAPI document describes it; its types stay inside `serve`. */
export interface ApiRoute {
  method: RouteMethod;
  path: string;
  tag: RouteTag;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyLimitBytes?: number;
  response: { status: 200 | 201 | 202; body: z.ZodType };
  errors: readonly ErrorCode[];
  payment?: { mode: PaymentMode; when?: string };
  perClient?: RateLimit;
  /** Parses, prechecks, asks for the payment, runs the handler and answers; anything thrown is the caller's. */
  serve(req: Request, res: Response): Promise<void>;
}

const parsed = (schema: z.ZodType | undefined, value: unknown): unknown =>
  schema ? schema.parse(value) : value;

/**
 * One route, declared once: its schemas, answer, payment and error codes drive Express (see `createApp`), the
 * L402 gate and the OpenAPI document alike. A parse failure is a 400 naming the field before anything runs.
 */
export function defineRoute<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
  C = undefined,
  R extends z.ZodType = z.ZodType,
>(definition: RouteDefinition<P, Q, B, C, R>): ApiRoute {
  const { precheck, payment, handler, errors, perClient, ...described } = definition;
  const served = perClient && { buckets: new TokenBuckets(perClient.limit), what: perClient.what };
  return {
    ...described,
    errors: errors ?? [],
    ...(payment ? { payment: { mode: payment.mode, ...(payment.when ? { when: payment.when } : {}) } } : {}),
    ...(perClient ? { perClient: perClient.limit } : {}),
    async serve(req, res) {
      const input = {
        params: parsed(definition.params, req.params),
        query: parsed(definition.query, req.query),
        body: parsed(definition.body, req.body ?? {}),
      } as RouteInput<z.output<P>, z.output<Q>, z.output<B>>;
      const prechecked = (precheck ? await precheck(input, req) : undefined) as C;
      if (served) {
        const waitSeconds = served.buckets.take(clientOf(req));
        if (waitSeconds !== null) throw new RateLimitedError(served.what, waitSeconds);
      }
      const price = payment?.price(prechecked) ?? null;
      const token = payment && price ? await payment.gate.admit(req, price) : null;
      const answer = await handler({ ...input, prechecked, token, req });
      const checked = definition.response.body.safeParse(answer);
      if (!checked.success) {
        // Our bug, not the caller's: logged in full by the error middleware, answered as a masked 500.
        throw new Error(
          `${definition.method.toUpperCase()} ${definition.path} answered outside its schema: ${z.prettifyError(checked.error)}`,
        );
      }
      res.status(definition.response.status).json(answer);
    },
  };
}

/** Express's form of an OpenAPI path: `/bounties/{id}` → `/bounties/:id`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
