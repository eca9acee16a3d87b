import type { Response } from 'express';

import type { L402TrainError } from '../../domain/l402-train-error';

/**
 * Renders an error the way the API's error middleware does: the error's headers (the `WWW-Authenticate` challenge
 * of a 402, the `Retry-After` of a 429), then status and `{ error: { code, message, hint } }`.
 */
export function renderL402Error(err: L402TrainError, res: Response): void {
  const { headers } = err as L402TrainError & { headers?: Record<string, string> };
  if (headers) res.set(headers);
  res.status(err.status).json({ error: { code: err.code, message: err.message, hint: err.hint } });
}
