import type { Request, RequestHandler } from 'express';
import type { L402Gate, L402Price, VerifiedL402 } from '../../api/l402';

/** How a test route prices a request: a fixed or computed price, and what the token must name. */
export interface TestPricing {
  priceSats: number | ((req: Request) => number);
  resource?: (req: Request) => string;
  bodySha256?: (req: Request) => string;
}

export const priceOf = (pricing: TestPricing, req: Request): L402Price => {
  const resource = pricing.resource?.(req);
  const bodySha256 = pricing.bodySha256?.(req);
  return {
    sats: typeof pricing.priceSats === 'number' ? pricing.priceSats : pricing.priceSats(req),
    ...(resource === undefined ? {} : { resource }),
    ...(bodySha256 === undefined ? {} : { bodySha256 }),
  };
};

/** An Express handler behind `gate`: answers what `answer` makes of the verified token; refusals go to `next`. */
export function gated(
  gate: L402Gate,
  pricing: TestPricing,
  answer: (token: VerifiedL402) => unknown,
): RequestHandler {
  return (req, res, next) => {
    gate.admit(req, priceOf(pricing, req)).then((token) => res.json(answer(token)), next);
  };
}
