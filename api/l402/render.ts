import type { Response } from 'express';

import type { L402TrainError } from '../../lib/errors';
import { L402PaymentRequiredError } from './errors';

/**
 * Renders an error the way the API's error middleware does: the `WWW-Authenticate` challenge
 * on a 402, then status and `{ error: { code, message, hint } }`.
 */
export function renderL402Error(err: L402TrainError, res: Response): void {
  if (err instanceof L402PaymentRequiredError) {
    res.set(err.headers);
  }
  res.status(err.status).json({ error: { code: err.code, message: err.message, hint: err.hint } });
}
